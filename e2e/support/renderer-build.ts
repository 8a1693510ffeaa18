// The e2e tests drive the built UI: build renderer/dist when it is missing or older than
// its sources.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { walkNewest } from './newest-file.js';

const repo = join(import.meta.dirname, '..', '..');

export async function ensureRendererBuilt(): Promise<string> {
  const dist = join(repo, 'renderer', 'dist');
  const index = join(dist, 'index.html');
  const sources = walkNewest(join(repo, 'renderer', 'src'));
  if (!existsSync(index) || statSync(index).mtimeMs < sources) {
    execFileSync(process.execPath, [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(repo, 'renderer', 'vite.config.ts'), '--logLevel', 'error'], {
      cwd: repo,
      stdio: 'inherit',
    });
  }
  return dist;
}
