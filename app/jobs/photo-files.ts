// The photos in a folder, recursively: image extensions only, dot files skipped (our own
// partial exports), excluded folders (a batch's output, folders removed from the library) left
// out. Sorted, so plans are stable.
// A subfolder that cannot be listed is reported and skipped, so one locked folder does not stop
// a whole import or batch; the folder itself must be listable. A batch's output folder inside
// the folder (marked by the batch) is left out too: edited copies are not new photos.
// Symbolic links are followed (a folder of links to favourites is a folder of photos), each
// folder walked once, so a link back up does not loop; a broken link is reported.
// The walk is asynchronous, a folder at a time: listing a home folder of tens of thousands of
// files takes seconds, during which the studio must go on answering.
import type { Dirent, Stats } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

export const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.avif', '.heic', '.heif']);

/** The file a batch leaves in its output folder (BatchRunner). */
export const OUTPUT_MARKER = '.glow-studio-output';

/** Whether `path` is `folder` or lies under it (both absolute). */
export function isInFolder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

export interface PhotoListing {
  files: string[];
  /** Subfolders that could not be listed and links that lead nowhere, with why. */
  unreadable: { path: string; error: string }[];
}

export async function listPhotos(folder: string, exclude: readonly string[] = []): Promise<PhotoListing> {
  const root = resolve(folder);
  const skip = exclude.map((f) => resolve(f));
  const listing: PhotoListing = { files: [], unreadable: [] };
  const walked = new Set<string>(); // real paths of the folders walked
  const walk = async (dir: string): Promise<void> => {
    if (skip.some((f) => isInFolder(dir, f))) return;
    if (dir !== root && (await exists(join(dir, OUTPUT_MARKER)))) return;
    let entries;
    try {
      const real = await realpath(dir);
      if (walked.has(real)) return;
      walked.add(real);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const error = `${dir}: cannot list the folder (${(err as NodeJS.ErrnoException).code})`;
      if (dir === root) throw new Error(error);
      listing.unreadable.push({ path: dir, error });
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      const isPhoto = PHOTO_EXTENSIONS.has(extname(e.name).toLowerCase());
      const kind = e.isSymbolicLink() ? await linkTarget(p) : e;
      if (kind === undefined) {
        if (isPhoto) listing.unreadable.push({ path: p, error: `${p}: a link to a file that is not there` });
      } else if (kind.isDirectory()) await walk(p);
      else if (kind.isFile() && isPhoto) listing.files.push(p);
    }
  };
  await walk(root);
  listing.files.sort();
  return listing;
}

/** What a symbolic link leads to, or undefined where it leads nowhere. */
async function linkTarget(path: string): Promise<Dirent | Stats | undefined> {
  return stat(path).catch(() => undefined);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
