// A library photo's pixels: its file decoded with the EXIF orientation, then the quarter turns
// the user gave it in the studio (rotation.ts). Every decode of a library photo goes through here.
import { statSync } from 'node:fs';
import { decodeImage, type DecodedImage } from '../imaging/decode.js';
import type { Box } from '../faces/types.js';
import type { Library, PhotoRecord } from './library.js';

/** A library photo's pixels as the studio shows them: EXIF orientation, then the user's turns. */
export function decodePhoto(photo: Pick<PhotoRecord, 'path' | 'turns'>): Promise<DecodedImage> {
  return decodeImage(photo.path, { turns: photo.turns });
}

/** The library photo `file` still is (same size and modification time), if any. */
function libraryPhotoOf(library: Library, file: string): PhotoRecord | undefined {
  const photo = library.photoByPath(file);
  if (!photo) return undefined;
  try {
    const st = statSync(file);
    return st.size === photo.size && st.mtimeMs === photo.mtimeMs ? photo : undefined;
  } catch {
    return undefined; // the batch reports the file itself
  }
}

/** The turns to decode `file` with in a batch: those of the library photo it still is, else 0. */
export function turnsOf(library: Library, file: string): number {
  return libraryPhotoOf(library, file)?.turns ?? 0;
}

/** Where the user removed faces from the library photo `file` still is (remove-face.ts), in
 * the photo as turned (turnsOf): a batch leaves the faces there alone. */
export function removedPlacesOf(library: Library, file: string): Box[] {
  const photo = libraryPhotoOf(library, file);
  return photo ? library.removedFaceBoxes(photo.id) : [];
}
