// One folder's subfolders, for the studio's folder chooser (import, batch and export folders):
// the loopback host's page has no native folder dialog, and the studio has one way to choose
// a folder in both hosts. It lists names, never file contents; the one thing it writes is a
// new, empty folder the user names (an output folder to choose).
import { mkdir, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import type { FolderListing } from '../api/contract.js';
import { PHOTO_EXTENSIONS } from '../jobs/photo-files.js';

/** Thrown for a folder that cannot be listed, with a message that names it. */
export class FolderBrowseError extends Error {
  constructor(
    message: string,
    readonly missing: boolean,
  ) {
    super(message);
  }
}

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** The subfolders of `path` (the user's home folder when omitted), dot folders left out,
 * symbolic links to folders included, sorted as a file manager sorts them; and how many
 * photos the folder itself holds (not its subfolders: those the import walks too). */
export async function browseFolder(path?: string): Promise<FolderListing> {
  const dir = resolve(path ?? homedir());
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
    throw new FolderBrowseError(`${dir}: cannot list the folder (${why})`, code === 'ENOENT' || code === 'ENOTDIR');
  }
  const visible = entries.filter((e) => !e.name.startsWith('.'));
  const isFolder = await Promise.all(
    visible.map(async (e) => e.isDirectory() || (e.isSymbolicLink() && (await stat(join(dir, e.name)).then((s) => s.isDirectory(), () => false)))),
  );
  const folders = visible
    .filter((_, i) => isFolder[i])
    .map((e) => ({ name: e.name, path: join(dir, e.name) }))
    .sort((a, b) => byName.compare(a.name, b.name));
  const photos = visible.filter((e) => e.isFile() && PHOTO_EXTENSIONS.has(extname(e.name).toLowerCase())).length;
  const parent = dirname(dir);
  return { path: dir, ...(parent !== dir ? { parent } : {}), home: homedir(), folders, photos };
}

/** Makes the empty folder `name` in `parent` (a name, not a path; no dot folder, which the
 * chooser would not show) and returns its path. */
export async function makeFolder(parent: string, name: string): Promise<string> {
  const dir = resolve(parent);
  const clean = name.trim();
  if (!clean || clean.startsWith('.') || /[\\/\0]/.test(clean)) {
    throw new FolderBrowseError(`'${name}' cannot name a new folder: give a name without slashes, not starting with a dot`, false);
  }
  const made = join(dir, clean);
  try {
    await mkdir(made);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' ? 'it already exists' : code === 'ENOENT' ? `no folder ${dir}` : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
    throw new FolderBrowseError(`${made}: cannot make the folder (${why})`, code === 'ENOENT');
  }
  return made;
}
