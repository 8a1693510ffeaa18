// Taking a folder out of the library: its photos and those of its subfolders (missing ones
// included), with their faces, latents, tags, edits, masks and undo histories (the schema's
// ON DELETE CASCADE). The files are never touched: importing the folder again brings its
// photos back, without what was removed; a rescan of a folder above it ("Look for new photos")
// leaves it out (import-folders.ts). Sliders derived from the removed faces' tags stay; edits
// of photos outside it that mix with its faces lose the mix (migrations.ts v18).
import { sep } from 'node:path';
import type { FolderContents } from '../api/contract.js';
import { rememberRemoved } from './import-folders.js';
import type { Library } from './library.js';

/** Photos whose path lies under `folder`, as SQL (`p` is the photos table). */
const UNDER = 'substr(p.path, 1, length(:prefix)) = :prefix';

function prefixOf(folder: string): string {
  return folder.endsWith(sep) ? folder : folder + sep;
}

export function folderContents(library: Library, folder: string): FolderContents {
  const prefix = prefixOf(folder);
  const count = (sql: string) => (library.db.prepare(sql).get({ prefix }) as { n: number }).n;
  return {
    folder,
    photos: count(`SELECT count(*) AS n FROM photos p WHERE ${UNDER}`),
    faces: count(`SELECT count(*) AS n FROM faces f JOIN photos p ON p.id = f.photo_id WHERE ${UNDER}`),
    editedPhotos: count(`SELECT count(DISTINCT e.photo_id) AS n FROM edits e JOIN photos p ON p.id = e.photo_id WHERE ${UNDER}`),
    taggedFaces: count(`SELECT count(DISTINCT t.face_id) AS n FROM tags t JOIN faces f ON f.id = t.face_id JOIN photos p ON p.id = f.photo_id WHERE ${UNDER}`),
    mixesOutside: count(
      `SELECT count(*) AS n FROM edits e JOIN faces f ON f.id = json_extract(e.recipe, '$.mix.faceId') JOIN photos p ON p.id = f.photo_id
       JOIN photos ep ON ep.id = e.photo_id WHERE ${UNDER} AND substr(ep.path, 1, length(:prefix)) <> :prefix`,
    ),
  };
}

/** Removes the folder's photos from the library, in one transaction; returns what went. */
export function removeFolder(library: Library, folder: string): FolderContents {
  return library.transaction(() => {
    const contents = folderContents(library, folder);
    library.db.prepare(`DELETE FROM photos AS p WHERE ${UNDER}`).run({ prefix: prefixOf(folder) });
    rememberRemoved(library, folder);
    return contents;
  });
}
