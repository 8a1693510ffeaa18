// Yields the files under dir whose name matches re, skipping node_modules and dist.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function* walkFiles(dir, re) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walkFiles(p, re);
    else if (re.test(e.name)) yield p;
  }
}
