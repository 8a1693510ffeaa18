// The e2e tests drive the built UI: build renderer/dist when it is missing or older than
// its sources. Test files may run in parallel, so one builds (holding a lock folder) while
// the others wait for it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { walkNewest } from './newest-file.js';

const repo = join(import.meta.dirname, '..', '..');
const renderer = join(repo, 'renderer');
const dist = join(renderer, 'dist');
const lock = join(renderer, '.build-lock');

function stale(): boolean {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) return true;
  const newest = Math.max(walkNewest(join(renderer, 'src')), ...['index.html', 'vite.config.ts', 'svelte.config.js'].map((f) => statSync(join(renderer, f)).mtimeMs));
  return statSync(index).mtimeMs < newest;
}

export async function ensureRendererBuilt(): Promise<string> {
  for (let waited = 0; stale(); waited += 500) {
    try {
      mkdirSync(lock);
    } catch {
      // Someone else is building; a lock older than five minutes is a crashed build.
      if (waited > 300_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      if (stale()) {
        const vite = join(repo, 'node_modules', 'vite', 'bin', 'vite.js');
        execFileSync(process.execPath, [vite, 'build', '--config', join(renderer, 'vite.config.ts'), '--logLevel', 'error'], { cwd: repo, stdio: 'inherit' });
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return dist;
}
