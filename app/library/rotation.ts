// Turning a photo in the library, for one the face finder reads wrong: on its side or upside
// down with no EXIF orientation to say so (the finder expects faces upright). The file is
// never touched: the library keeps the quarter turns, and every decode of a library photo
// applies them (photo-pixels.ts), so the editor, export and batches see the photo turned.
// Turning finds the faces again; a face found again where it was keeps its id, tags and edits,
// and the brush mask turns with the photo.
import sharp from 'sharp';
import type { GlowEngine } from '../engine/engine.js';
import { looksUpsideDown } from '../engine/face-orientation.js';
import type { FaceDetector } from '../faces/detect.js';
import { eyeAngle } from '../faces/facemesh.js';
import { iou } from '../faces/nms.js';
import type { Box, Point } from '../faces/types.js';
import type { RgbImage } from '../imaging/decode.js';
import { defaultMinFace } from '../faces/face-size.js';
import { detectScaled } from '../jobs/big-photo.js';
import { analyseImage } from './import.js';
import type { FacePose, Library } from './library.js';
import { decodePhoto } from './photo-pixels.js';
import { atAnyOf, SAME_FACE_IOU } from './same-place.js';

/** A face whose eye line is within this many degrees of vertical lies on its side. */
const SIDEWAYS_DEGREES = 30;

/**
 * The quarter turns clockwise that would set a photo's faces upright: 1 or 3 when every one of
 * them lies on its side the same way (the finder finds faces turned 90 degrees, and its
 * landmarks say so); 2 when, taken together, they look upside down to the model (the finder
 * reads an upside-down face as upright: face-orientation.ts); 0 otherwise: upright, mixed, no
 * faces, or not measured.
 */
export function uprightTurns(faces: readonly FacePose[]): 0 | 1 | 2 | 3 {
  if (!faces.length) return 0;
  const rolls = faces.map((f) => (eyeAngle(f.landmarks) * 180) / Math.PI); // clockwise positive
  if (rolls.every((r) => Math.abs(r - 90) <= SIDEWAYS_DEGREES)) return 3; // rolled clockwise: turn back
  if (rolls.every((r) => Math.abs(r + 90) <= SIDEWAYS_DEGREES)) return 1;
  if (looksUpsideDown(faces.map((f) => f.uprightMargin))) return 2;
  return 0;
}

/** The photos among `photoIds` whose faces all lie on their side the same way or look upside
 * down, with the turn that sets them upright (uprightTurns), but for those the user keeps as
 * they are (Library.keepUpright); two queries. */
export function photosToTurnUpright(library: Library, photoIds: readonly number[]): Map<number, 1 | 2 | 3> {
  const toTurn = new Map<number, 1 | 2 | 3>();
  const kept = library.keptUpright(photoIds);
  for (const [photoId, faces] of library.facePosesOfPhotos(photoIds)) {
    if (kept.has(photoId)) continue;
    const turns = uprightTurns(faces);
    if (turns) toTurn.set(photoId, turns);
  }
  return toTurn;
}

/** A face whose eye line is within this many degrees of horizontal is upright. */
const UPRIGHT_DEGREES = 45;

/**
 * The quarter turns clockwise (1 to 3) that set a photo's faces upright, and how many faces
 * that finds: the turn it is marked with (uprightTurns) where it is; else, for a photo in which
 * no face was found, the turn at which the face finder finds the most upright faces. Turns 0
 * when no turn finds more than the photo as it is: the finder reads an upside-down face as
 * upright too, so an unmarked photo whose faces were found is left alone.
 */
export async function findUprightTurns(library: Library, detector: FaceDetector, photoId: number): Promise<{ turns: number; faces: number }> {
  const photo = library.photo(photoId);
  if (!photo) throw new RangeError(`no photo with id ${photoId} in the library`);
  const marked = photosToTurnUpright(library, [photoId]).get(photoId);
  if (marked) return { turns: marked, faces: library.facesOfPhoto(photoId).length };
  const image = await decodePhoto(photo);
  let best = { turns: 0, faces: 0 };
  for (const turns of [0, 2, 1, 3]) {
    const turned = turns ? await turnPixels(image, turns) : image;
    const faces = await detectScaled(detector, turned, defaultMinFace(turned.width, turned.height));
    const upright = faces.filter((f) => Math.abs(f.roll) <= UPRIGHT_DEGREES).length;
    if (upright > best.faces) best = { turns, faces: upright };
  }
  return best;
}

async function turnPixels(image: RgbImage, turns: number): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .rotate(90 * turns)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Point (x, y) of a width x height photo, in that photo turned `turns` quarter turns clockwise. */
export function turnPoint([x, y]: Point, turns: number, width: number, height: number): [number, number] {
  switch (turns % 4) {
    case 1:
      return [height - y, x];
    case 2:
      return [width - x, height - y];
    case 3:
      return [y, width - x];
    default:
      return [x, y];
  }
}

/** Box `b` of a width x height photo, in that photo turned `turns` quarter turns clockwise. */
export function turnBox(b: Box, turns: number, width: number, height: number): Box {
  const [x0, y0] = turnPoint([b.x, b.y], turns, width, height);
  const [x1, y1] = turnPoint([b.x + b.width, b.y + b.height], turns, width, height);
  return { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) };
}

export interface TurnResult {
  /** The photo's quarter turns clockwise now, 0 to 3. */
  turns: number;
  /** Faces found in the turned photo. */
  faces: number;
  /** Of those, faces found before where they are now: they keep their tags and edits. */
  kept: number;
  /** Faces found before and not now: gone, with their tags and edits. */
  dropped: number;
  /** Of those, faces that had tags or an edit. */
  lost: number;
}

/** Turns library photo `photoId` by `turns` more quarter turns clockwise (1 to 3) and finds
 * its faces again: down to the small size where `smallFaces` (the import setting) or where the
 * photo has a face under the import's usual size (found by "Find smaller faces"), so that its
 * small faces are found again. */
export async function turnPhoto(library: Library, engine: GlowEngine, detector: FaceDetector, photoId: number, turns: number, { smallFaces = false } = {}): Promise<TurnResult> {
  if (!Number.isInteger(turns) || turns < 1 || turns > 3) throw new RangeError(`turns must be 1, 2 or 3 quarter turns clockwise, got ${turns}`);
  const photo = library.photo(photoId);
  if (!photo) throw new RangeError(`no photo with id ${photoId} in the library`);
  const next = (photo.turns + turns) % 4;
  const had = library.facesOfPhoto(photoId);
  const usual = defaultMinFace(photo.width, photo.height);
  const small = smallFaces || had.some((f) => Math.max(f.box.width, f.box.height) < usual);
  const found = await analyseImage(await decodePhoto({ path: photo.path, turns: next }), engine, detector, { smallFaces: small });
  const before = had.map((f) => ({ id: f.id, box: turnBox(f.box, turns, photo.width, photo.height) }));
  // Each face found now takes the old face it overlaps most, best overlaps first.
  const pairs = found.faces
    .flatMap((f, i) => before.map((b) => ({ i, id: b.id, overlap: iou(f.box, b.box) })))
    .filter((p) => p.overlap >= SAME_FACE_IOU)
    .sort((a, b) => b.overlap - a.overlap);
  const idOf = new Map<number, number>();
  const taken = new Set<number>();
  for (const p of pairs) {
    if (idOf.has(p.i) || taken.has(p.id)) continue;
    idOf.set(p.i, p.id);
    taken.add(p.id);
  }
  // A face found where the user removed one stays out (remove-face.ts).
  const removed = library.removedFaceBoxes(photoId).map((b) => turnBox(b, turns, photo.width, photo.height));
  const added = found.faces.filter((f, i) => !idOf.has(i) && !atAnyOf(f.box, removed));
  const mask = library.maskOf(photoId).map((s) => ({
    size: s.size,
    points: s.points.flatMap((_, k) => (k % 2 ? [] : turnPoint([s.points[k]!, s.points[k + 1]!], turns, photo.width, photo.height))),
  }));
  const edited = new Set(library.editsOfPhoto(photoId).map((e) => e.faceId));
  const dropped = before.filter((b) => !taken.has(b.id));
  const lost = dropped.filter((b) => edited.has(b.id) || Object.keys(library.tagsOf(b.id)).length > 0).length;
  const modelId = engine.latentKey;
  library.transaction(() => {
    // Another turn (a second window, the command line) may have landed while this one found faces.
    if (library.photo(photoId)?.turns !== photo.turns) throw new Error(`${photo.path}: the photo was turned meanwhile; nothing was changed, turn it again`);
    library.setTurns(photoId, next, found.width, found.height, found.thumbnail);
    for (const b of dropped) library.deleteFace(b.id);
    for (const [i, id] of idOf) library.updateFace(id, modelId, found.faces[i]!);
    for (const f of added) library.addFace(photoId, modelId, f);
    library.setMask(photoId, mask);
    library.setRemovedFaceBoxes(photoId, removed);
  });
  return { turns: next, faces: taken.size + added.length, kept: taken.size, dropped: dropped.length, lost };
}
