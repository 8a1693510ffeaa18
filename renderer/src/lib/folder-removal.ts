// What the "Remove from the library" dialog offers for a folder of the sidebar: the folder,
// and each folder above it that holds more of the library's photos (an import of ~/Pictures
// lists every subfolder on its own, and taking them out one by one would be a chore).
import type { FolderInfo } from '../../../app/api/contract.js';
import { isInFolder, separatorOf } from './format.js';

export interface RemovalChoice {
  path: string;
  /** The library's photos in it and its subfolders (missing ones not counted). */
  photos: number;
  /** Folders of the sidebar among them. */
  folders: number;
}

/** The folder above `path`; undefined at the top (a root such as "/" or "C:\\" is never offered). */
function parentOf(path: string, sep: string): string | undefined {
  const cut = path.lastIndexOf(sep);
  const parent = path.slice(0, cut);
  return cut > 0 && parent.includes(sep) ? parent : undefined;
}

export function removalChoices(folder: string, folders: readonly FolderInfo[]): RemovalChoice[] {
  const sep = separatorOf(folder);
  const under = (path: string) => folders.filter((f) => isInFolder(f.path, path));
  const choices: RemovalChoice[] = [];
  for (let path: string | undefined = folder; path !== undefined; path = parentOf(path, sep)) {
    const inside = under(path);
    if (choices.length && inside.length === choices[choices.length - 1]!.folders) continue;
    choices.push({ path, photos: inside.reduce((n, f) => n + f.photos, 0), folders: inside.length });
  }
  return choices;
}
