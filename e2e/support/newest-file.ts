// The newest modification time of any file under a folder.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function walkNewest(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? walkNewest(p) : statSync(p).mtimeMs);
  }
  return newest;
}
