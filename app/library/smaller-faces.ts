// Looking again for the faces an import passed over as too small: the back rows of a group
// photo. An import looks for faces down to 4% of the photo's shorter side (faces/face-size.ts),
// unless the library's small-face setting is on; this looks down to the small-face size in one
// photo the user asks about, and adds the faces it did not have, with their latents.
// The faces it had keep their ids, tags and edits.
import type { GlowEngine } from '../engine/engine.js';
import type { FaceDetector } from '../faces/detect.js';
import { smallerFaceSize } from '../faces/face-size.js';
import { detectScaled } from '../jobs/big-photo.js';
import { encodeFaces } from './face-latents.js';
import type { Library } from './library.js';
import { decodePhoto } from './photo-pixels.js';
import { atAnyOf } from './same-place.js';

/** Finds the faces of library photo `photoId` down to smallerFaceSize and adds those it did
 * not have, except where the user removed one; where `bringBack` names the place (by id, of
 * library.removedFaces), there too, and those places are forgotten (remove-face.ts
 * bringBackRemovedFaces). Returns how many it added, and how many faces the photo has now. */
export async function addSmallerFaces(library: Library, engine: GlowEngine, detector: FaceDetector, photoId: number, { bringBack = [] as readonly number[] } = {}): Promise<{ added: number; faces: number }> {
  const photo = library.photo(photoId);
  if (!photo) throw new RangeError(`no photo with id ${photoId} in the library`);
  const image = await decodePhoto(photo);
  const found = await detectScaled(detector, image, smallerFaceSize(image.width, image.height));
  const had = library.facesOfPhoto(photoId);
  // Not a face it has, nor one the user removed (remove-face.ts) and does not bring back.
  const stayOut = library.removedFaces(photoId).filter((r) => !bringBack.includes(r.id));
  const passOver = [...had.map((h) => h.box), ...stayOut.map((r) => r.box)];
  const fresh = found.filter((f) => !atAnyOf(f.box, passOver));
  const encoded = await encodeFaces(image, fresh, engine);
  library.transaction(() => {
    // Turned meanwhile (the editor's ↺ ↻, a second window): these boxes are of the photo unturned.
    if (library.photo(photoId)?.turns !== photo.turns) throw new Error(`${photo.path}: the photo was turned meanwhile; nothing was added, look again`);
    fresh.forEach((f, i) => library.addFace(photoId, engine.latentKey, { box: f.box, landmarks: f.landmarks, score: f.score, ...encoded[i]! }));
    library.forgetRemovedFaces(bringBack);
  });
  return { added: fresh.length, faces: had.length + fresh.length };
}
