// The folders a library keeps up with: those the user imported, where "Look for new photos"
// (a rescan) finds the photos added since, and those under them the user removed from the
// library, which a rescan leaves out. Importing a folder again by hand brings back what was
// removed under it. Rows: library_folders (migrations.ts v12).
import { isInFolder } from '../jobs/photo-files.js';
import type { Library } from './library.js';

type FolderState = 'imported' | 'removed';
interface Row {
  path: string;
  state: FolderState;
}

/** A folder a rescan looks in, and the folders under it that it leaves out. */
export interface RescanFolder {
  folder: string;
  exclude: string[];
}

function rows(library: Library): Row[] {
  return library.db.prepare('SELECT path, state FROM library_folders ORDER BY path').all() as Row[];
}

/** Whether a rescan looks in `folder` as part of a folder above it: the nearest listed folder
 * above it was imported, not removed. */
function covered(all: readonly Row[], folder: string): boolean {
  const above = all.filter((r) => r.path !== folder && isInFolder(folder, r.path)).sort((a, b) => b.path.length - a.path.length)[0];
  return above?.state === 'imported';
}

/** Replaces the rows at and under `folder` with one row for it, in `state` (none: no row). */
function setFolder(library: Library, folder: string, state: FolderState | undefined): void {
  const drop = library.db.prepare('DELETE FROM library_folders WHERE path = ?');
  for (const r of rows(library)) if (isInFolder(r.path, folder)) drop.run(r.path);
  if (state) library.db.prepare('INSERT INTO library_folders (path, state) VALUES (?, ?)').run(folder, state);
}

/** The user imported `folder`: rescans look in it, and in what was removed under it before. */
export function rememberImported(library: Library, folder: string): void {
  library.transaction(() => {
    setFolder(library, folder, undefined);
    if (!covered(rows(library), folder)) setFolder(library, folder, 'imported');
  });
}

/** The user removed `folder` from the library: rescans of a folder above it leave it out. */
export function rememberRemoved(library: Library, folder: string): void {
  library.transaction(() => {
    setFolder(library, folder, undefined);
    if (covered(rows(library), folder)) setFolder(library, folder, 'removed');
  });
}

/** Where a rescan looks: every imported folder, or only `within` (a folder's own "Look for new
 * photos"), each without the removed folders under it. */
export function foldersToRescan(library: Library, within?: string): RescanFolder[] {
  const all = rows(library);
  const roots = within !== undefined ? [within] : all.filter((r) => r.state === 'imported').map((r) => r.path);
  return roots.map((folder) => ({ folder, exclude: all.filter((r) => r.state === 'removed' && r.path !== folder && isInFolder(r.path, folder)).map((r) => r.path) }));
}
