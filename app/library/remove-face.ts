// Taking a face out of a photo's faces: a false find (a pattern on a shirt, a face on a poster)
// or a face the user never wants edited. Its edit and tags go with it, and its place is kept
// (removed_faces) so that looking for faces again (smaller-faces.ts, rotation.ts) does not
// bring it back; bringBackRemovedFaces forgets those places and looks again.
// A face another face's saved edit mixes with is refused: that edit would no longer render.
import type { GlowEngine } from '../engine/engine.js';
import type { FaceDetector } from '../faces/detect.js';
import { EditRecipe, type Library } from './library.js';
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

/** The face's id as a mix partner in a recipe's JSON: rows without it are not read. */
const asPartner = (faceId: number) => `"faceId":${faceId}`;

/** The photos (by id) whose saved edits of other faces mix with face `faceId`. */
function photosMixingWith(library: Library, faceId: number): number[] {
  const rows = library.db.prepare('SELECT photo_id, face_id, recipe FROM edits WHERE face_id <> ? AND instr(recipe, ?) > 0').all(faceId, asPartner(faceId)) as { photo_id: number; face_id: number; recipe: string }[];
  const mixing = rows.filter((r) => EditRecipe.parse(JSON.parse(r.recipe)).mix?.faceId === faceId);
  return [...new Set(mixing.map((r) => r.photo_id))];
}

/** `history` without face `faceId`'s recipes; null where a state mixes another face with it
 * (undoing into that state could not be rendered). */
function historyWithout(history: EditHistory, faceId: number): EditHistory | null {
  const states = [...history.past, history.present, ...history.future];
  if (states.some((s) => Object.values(s.recipes).some((r) => r.mix?.faceId === faceId))) return null;
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
    // Other photos' undo histories may mix with it; its own photo's history loses its recipes.
    const histories = library.db.prepare('SELECT photo_id FROM edit_histories WHERE photo_id = ? OR instr(history, ?) > 0').all(face.photoId, asPartner(faceId)) as { photo_id: number }[];
    for (const { photo_id } of histories) {
      const history = library.editHistoryOf(photo_id);
      if (history) library.setEditHistory(photo_id, historyWithout(history, faceId));
    }
    library.addRemovedFaceBox(face.photoId, face.box);
    library.deleteFace(faceId); // its tags, edit and search projections go with it (ON DELETE CASCADE)
    return { photoId: face.photoId, faces: library.facesOfPhoto(face.photoId).length, hadEdit, tags };
  });
}

/** Forgets the places of the faces removed from photo `photoId` and looks for faces again,
 * down to the smaller size: those found come back as new faces, without their old edits and
 * tags. Returns how many came back, and the faces the photo has now. */
export async function bringBackRemovedFaces(library: Library, engine: GlowEngine, detector: FaceDetector, photoId: number): Promise<{ added: number; faces: number }> {
  if (!library.photo(photoId)) throw new RangeError(`no photo with id ${photoId} in the library`);
  library.setRemovedFaceBoxes(photoId, []);
  return addSmallerFaces(library, engine, detector, photoId);
}
