// A library photo's pixels: its file decoded with the EXIF orientation, then the quarter turns
// the user gave it in the studio (rotation.ts). Every decode of a library photo goes through here.
import { statSync } from 'node:fs';
import { decodeImage, type DecodedImage } from '../imaging/decode.js';
import type { Library, PhotoRecord } from './library.js';

/** A library photo's pixels as the studio shows them: EXIF orientation, then the user's turns. */
export function decodePhoto(photo: Pick<PhotoRecord, 'path' | 'turns'>): Promise<DecodedImage> {
  return decodeImage(photo.path, { turns: photo.turns });
}

/** The turns to decode `file` with in a batch: those of the library photo it still is (same
 * size and modification time), else 0. */
export function turnsOf(library: Library, file: string): number {
  const photo = library.photoByPath(file);
  if (!photo?.turns) return 0;
  try {
    const st = statSync(file);
    return st.size === photo.size && st.mtimeMs === photo.mtimeMs ? photo.turns : 0;
  } catch {
    return 0; // the batch reports the file itself
  }
}
