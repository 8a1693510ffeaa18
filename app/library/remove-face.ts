// Taking a face out of a photo's faces: a false find (a pattern on a shirt, a face on a poster)
// or a face the user never wants edited. Its edit and tags go with it, and its place is kept
// (removed_faces) so that looking for faces again (smaller-faces.ts, rotation.ts) does not
// bring it back and a batch leaves the face there alone (photo-pixels.ts asInLibrary);
// bringBackRemovedFaces forgets those places and looks again.
// A face another face's saved edit mixes with is refused: that edit would lose its mix.
import type { GlowEngine } from '../engine/engine.js';
import type { FaceDetector } from '../faces/detect.js';
import type { Library } from './library.js';
import { addSmallerFaces } from './smaller-faces.js';
import type { EditHistory } from '../api/contract.js';

export class FaceInUseError extends Error {
  override name = 'FaceInUseError';
}

export interface RemovedFace {
  photoId: number;
  /** The faces the photo has now. */
  faces: number;
  /** Whether it had a saved edit, and how many tags: gone with it. */
  hadEdit: boolean;
  tags: number;
}

/** The photos (by id) whose saved edits of other faces mix with face `faceId`. */
function photosMixingWith(library: Library, faceId: number): number[] {
  const rows = library.db.prepare("SELECT DISTINCT photo_id FROM edits WHERE json_extract(recipe, '$.mix.faceId') = ? AND face_id <> ?").all(faceId, faceId) as { photo_id: number }[];
  return rows.map((r) => r.photo_id);
}

/** `history` without face `faceId`'s recipes. (One that mixes with it is dropped as it is
 * read, once the face is gone: Library editHistoryOf.) */
function historyWithout(history: EditHistory, faceId: number): EditHistory {
  const without = (s: EditHistory['present']) => {
    const { [String(faceId)]: _gone, ...recipes } = s.recipes;
    return { ...s, recipes };
  };
  return { past: history.past.map(without), present: without(history.present), future: history.future.map(without) };
}

/** Takes face `faceId` out of its photo, with its edit and tags, in one transaction. */
export function removeFace(library: Library, faceId: number): RemovedFace {
  return library.transaction(() => {
    const face = library.face(faceId);
    if (!face) throw new RangeError(`no face with id ${faceId} in the library`);
    const mixing = photosMixingWith(library, faceId);
    if (mixing.length) {
      const names = mixing.slice(0, 3).map((id) => library.photo(id)?.path ?? `photo ${id}`);
      const more = mixing.length > 3 ? ` and ${mixing.length - 3} more` : '';
      throw new FaceInUseError(`face ${faceId} is mixed into the edit of ${names.join(', ')}${more}; take that mix out first`);
    }
    const hadEdit = library.editsOfPhoto(face.photoId).some((e) => e.faceId === faceId);
    const tags = Object.keys(library.tagsOf(faceId)).length;
    // Its photo's undo history goes on without it.
    const history = library.editHistoryOf(face.photoId);
    if (history) library.setEditHistory(face.photoId, historyWithout(history, faceId));
    library.addRemovedFaceBox(face.photoId, face.box);
    library.deleteFace(faceId); // its tags, edit and search projections go with it (ON DELETE CASCADE)
    return { photoId: face.photoId, faces: library.facesOfPhoto(face.photoId).length, hadEdit, tags };
  });
}

/** Forgets the places of the faces removed from photo `photoId` (`places`: these, by id of
 * library.removedFaces; all by default) and looks for faces again, down to the smaller size:
 * those found come back as new faces, without their old edits and tags. Returns how many
 * faces it added (found in those places, or new anywhere), and the faces the photo has now. */
export async function bringBackRemovedFaces(library: Library, engine: GlowEngine, detector: FaceDetector, photoId: number, places?: readonly number[]): Promise<{ added: number; faces: number }> {
  const removed = library.removedFaces(photoId).map((r) => r.id);
  const unknown = places?.find((id) => !removed.includes(id));
  if (unknown !== undefined) {
    const photo = library.photo(photoId);
    throw new RangeError(`${photo?.path ?? `photo ${photoId}`} has no removed face with id ${unknown}; its removed faces are ${removed.join(', ') || 'none'}`);
  }
  return addSmallerFaces(library, engine, detector, photoId, { bringBack: places ?? removed });
}
