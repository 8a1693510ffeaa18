// The photos in a folder, recursively: image extensions only, dot files skipped (our own
// partial exports), an excluded folder (the output) left out. Sorted, so plans are stable.
// A subfolder that cannot be listed is reported and skipped, so one locked folder does not stop
// a whole import or batch; the folder itself must be listable. A batch's output folder inside
// the folder (marked by the batch) is left out too: edited copies are not new photos.
import { existsSync, readdirSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

export const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff']);

/** The file a batch leaves in its output folder (BatchRunner). */
export const OUTPUT_MARKER = '.glow-studio-output';

export interface PhotoListing {
  files: string[];
  /** Subfolders that could not be listed, with why. */
  unreadable: { path: string; error: string }[];
}

export function listPhotos(folder: string, exclude?: string): PhotoListing {
  const root = resolve(folder);
  const skip = exclude ? resolve(exclude) : undefined;
  const listing: PhotoListing = { files: [], unreadable: [] };
  const walk = (dir: string) => {
    if (skip && (dir === skip || dir.startsWith(skip + sep))) return;
    if (dir !== root && existsSync(join(dir, OUTPUT_MARKER))) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      const error = `${dir}: cannot list the folder (${(err as NodeJS.ErrnoException).code})`;
      if (dir === root) throw new Error(error);
      listing.unreadable.push({ path: dir, error });
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && PHOTO_EXTENSIONS.has(extname(e.name).toLowerCase())) listing.files.push(p);
    }
  };
  walk(root);
  listing.files.sort();
  return listing;
}
