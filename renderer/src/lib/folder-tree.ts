// The sidebar's folders as a tree: each folder under the nearest listed folder above it,
// indented one step per listed folder it is in. (The library lists the folders that hold
// photos; an import of ~/Pictures gives one per subfolder.)
import type { FolderInfo } from '../../../app/api/contract.js';
import { baseName, isInFolder, separatorOf } from './format.js';

export interface FolderRow extends FolderInfo {
  /** Listed folders it is in. */
  depth: number;
  /** Its name; under a listed folder, its path from there ("raw/2019" when "raw" holds no photos). */
  name: string;
  /** Photos in it and its subfolders (what a batch of the folder takes). */
  inTree: number;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Folder by folder, as a file manager orders them: a folder's subfolders right after it. */
function compareBySegments(a: string, b: string): number {
  const [as, bs] = [a.split(separatorOf(a)), b.split(separatorOf(b))];
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const c = collator.compare(as[i]!, bs[i]!);
    if (c !== 0) return c;
  }
  return as.length - bs.length;
}

export function folderRows(folders: readonly FolderInfo[]): FolderRow[] {
  const sorted = [...folders].sort((a, b) => compareBySegments(a.path, b.path));
  const open: FolderRow[] = []; // the listed folders above the current row
  return sorted.map((f) => {
    while (open.length && !isInFolder(f.path, open[open.length - 1]!.path)) open.pop();
    const parent = open[open.length - 1];
    const row = { ...f, depth: open.length, name: parent ? f.path.slice(parent.path.length + 1) : baseName(f.path), inTree: f.photos };
    for (const above of open) above.inTree += f.photos; // a subfolder's photos count in each folder above it
    open.push(row);
    return row;
  });
}
