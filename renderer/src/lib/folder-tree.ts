// The sidebar's folders as a tree: each folder under the nearest listed folder above it,
// indented one step per listed folder it is in. (The library lists the folders that hold
// photos; an import of ~/Pictures gives one per subfolder.)
import type { FolderInfo } from '../../../app/api/contract.js';
import { baseName, isInFolder, separatorOf } from './format.js';

export interface FolderRow extends FolderInfo {
  /** Listed folders it is in. */
  depth: number;
  /** Its name; under a listed folder, its path from there ("raw/2019" when "raw" holds no photos);
   * at the top, with as many folders above it as tell it from another top row ("Work/2019"). */
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

/** The last `count` segments of a path ("Work/2019"), with the path's own separator. */
function tail(path: string, count: number): string {
  const sep = separatorOf(path);
  return path.split(sep).filter(Boolean).slice(-count).join(sep);
}

/** Names for top rows: the folder's own, with folders above it added until no other top row
 * has the same name (two imports of a "2019" folder, one under Work and one under Family). */
function distinctNames(paths: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  let pending = [...paths];
  for (let count = 1; pending.length; count++) {
    const byName = new Map<string, string[]>();
    for (const path of pending) {
      const name = tail(path, count);
      byName.set(name, [...(byName.get(name) ?? []), path]);
    }
    pending = [];
    for (const [name, group] of byName) {
      for (const path of group) {
        // Told apart, or nothing above it left to add.
        if (group.length === 1 || tail(path, count + 1) === name) names.set(path, name || path);
        else pending.push(path);
      }
    }
  }
  return names;
}

export function folderRows(folders: readonly FolderInfo[]): FolderRow[] {
  const sorted = [...folders].sort((a, b) => compareBySegments(a.path, b.path));
  const top = sorted.filter((f) => !sorted.some((g) => g !== f && isInFolder(f.path, g.path)));
  const topNames = distinctNames(top.map((f) => f.path));
  const open: FolderRow[] = []; // the listed folders above the current row
  return sorted.map((f) => {
    while (open.length && !isInFolder(f.path, open[open.length - 1]!.path)) open.pop();
    const parent = open[open.length - 1];
    const row = { ...f, depth: open.length, name: parent ? f.path.slice(parent.path.length + 1) : (topNames.get(f.path) ?? baseName(f.path)), inTree: f.photos };
    for (const above of open) above.inTree += f.photos; // a subfolder's photos count in each folder above it
    open.push(row);
    return row;
  });
}
