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

/** Whether `file` is still as the library read it (same size and modification time). */
function unchanged(file: string, photo: PhotoRecord): boolean {
  try {
    const st = statSync(file);
    return st.size === photo.size && st.mtimeMs === photo.mtimeMs;
  } catch {
    return false; // the batch reports the file itself
  }
}

/** What the library says of `file` for a batch, where the file is still the library's photo:
 * the quarter turns to decode it with, and the places where the user removed faces
 * (remove-face.ts; in the photo as turned), which the batch leaves alone. Else the file as it
 * is: no turns, nothing removed. */
export function asInLibrary(library: Library, file: string): { turns: number; removed: Box[] } {
  const photo = library.photoByPath(file);
  if (photo && unchanged(file, photo)) return { turns: photo.turns, removed: library.removedFaceBoxes(photo.id) };
  return { turns: 0, removed: [] };
}
