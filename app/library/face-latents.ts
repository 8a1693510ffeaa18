// A face's latent under the running model. Each face row keeps the latent of the model that
// encoded it, under that model's latentKey. After the user switches models, or the shipped
// model is updated under the same id, a face's latent is encoded again from its photo the
// first time it is needed, and stored: edits, mixes and derived attributes never read one
// model's latents with another model's decoder.
import type { GlowEngine } from '../engine/engine.js';
import { encodePhotoFaces } from '../engine/face-orientation.js';
import { pixelsToModel } from '../engine/pixels.js';
import type { RgbImage } from '../imaging/decode.js';
import { alignScaled } from '../jobs/big-photo.js';
import type { FaceRecord, Library, NewFace } from './library.js';
import { decodePhoto } from './photo-pixels.js';

/** The alignment and latent of faces of `image` (one photo's) under `engine`'s model, and how
 * upright they look to it (face-orientation.ts). */
export async function encodeFaces(image: RgbImage, faces: readonly Pick<FaceRecord, 'landmarks'>[], engine: GlowEngine): Promise<Pick<NewFace, 'transform' | 'eps' | 'uprightMargin'>[]> {
  const size = engine.manifest.image_size;
  const aligned = await Promise.all(faces.map((f) => alignScaled(image, f.landmarks, size)));
  const encoded = await encodePhotoFaces(engine, aligned.map((a) => ({ pixels: pixelsToModel(a.pixels, size), nativeSize: a.nativeSize })));
  return encoded.map((e, i) => ({ transform: aligned[i]!.toPhoto, ...e }));
}

/** Encodes again, with the running model, the faces of one photo that another model
 * encoded. Returns how many. */
export async function encodeStaleFaces(library: Library, engine: GlowEngine, photoId: number): Promise<number> {
  const stale = library.facesOfPhoto(photoId).filter((f) => f.modelId !== engine.latentKey);
  if (!stale.length) return 0;
  const photo = library.photo(photoId);
  if (!photo) throw new RangeError(`no photo with id ${photoId} in the library`);
  let pixels: RgbImage;
  try {
    pixels = await decodePhoto(photo);
  } catch (err) {
    throw new Error(`${photo.path}: its faces were encoded by another model and must be encoded again, but the photo cannot be read (${(err as Error).message})`);
  }
  const encoded = await encodeFaces(pixels, stale, engine);
  library.transaction(() => stale.forEach((f, i) => library.setFaceLatent(f.id, engine.latentKey, encoded[i]!)));
  return stale.length;
}

/** The face's record and latent under the running model (encoding it again if needed). */
export async function faceLatent(library: Library, engine: GlowEngine, faceId: number): Promise<{ face: FaceRecord; eps: Float32Array }> {
  let face = library.face(faceId);
  if (!face) throw new RangeError(`no face with id ${faceId} in the library`);
  if (face.modelId !== engine.latentKey) {
    await encodeStaleFaces(library, engine, face.photoId);
    face = library.face(faceId)!;
  }
  return { face, eps: library.faceEps(faceId, engine.manifest.eps_size) };
}
