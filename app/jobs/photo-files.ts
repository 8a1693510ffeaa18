// The photos in a folder, recursively: image extensions only, dot files skipped (our own
// partial exports), an excluded folder (the output) left out. Sorted, so plans are stable.
import { readdirSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

export const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff']);

export function listPhotos(folder: string, exclude?: string): string[] {
  const root = resolve(folder);
  const skip = exclude ? resolve(exclude) : undefined;
  const out: string[] = [];
  const walk = (dir: string) => {
    if (skip && (dir === skip || dir.startsWith(skip + sep))) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw new Error(`${dir}: cannot list the folder (${(err as NodeJS.ErrnoException).code})`);
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && PHOTO_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}
