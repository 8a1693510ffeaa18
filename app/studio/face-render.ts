// Renders edited faces: for the editor canvas, one face's change pasted into the photo at full
// resolution, returned as a patch (only the region around the face) to lay over the photo; for
// export, the whole photo with all its edits. Slider drags call this many times for the same
// face, so the decoded photo and the face's own reconstruction are cached.
import sharp from 'sharp';
import type { Box, FaceLayer } from '../api/contract.js';
import { decodeEdit, type EditLimit } from '../engine/edit-decode.js';
import type { GlowEngine } from '../engine/engine.js';
import { apply, mix } from '../engine/latent.js';
import { applyAffine, composeAffine, invertAffine } from '../faces/affine.js';
import type { Affine } from '../faces/types.js';
import type { DecodedImage, RgbImage } from '../imaging/decode.js';
import { pasteInPlace } from '../jobs/big-photo.js';
import { restoreMasked } from '../jobs/brush-mask.js';
import { encodeExport, exportFile, outputFormat, type ExportOptions } from '../jobs/export.js';
import { faceLatent } from '../library/face-latents.js';
import type { EditRecipe, FaceRecord, Library } from '../library/library.js';
import { decodePhoto } from '../library/photo-pixels.js';

/** Keeps the most recently used `capacity` entries. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }
  clear(): void {
    this.map.clear();
  }
}

/** The photo region the face's crop covers, clipped to the photo, in whole pixels. */
export function cropRegion(toPhoto: Affine, size: number, width: number, height: number): Box {
  const corners = [
    [0, 0],
    [size, 0],
    [0, size],
    [size, size],
  ].map(([x, y]) => applyAffine(toPhoto, [x!, y!]));
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))));
  const x1 = Math.min(width, Math.ceil(Math.max(...corners.map((c) => c[0]))));
  const y1 = Math.min(height, Math.ceil(Math.max(...corners.map((c) => c[1]))));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

function copyRegion(image: RgbImage, r: Box): RgbImage {
  const data = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y + y) * image.width + r.x) * 3;
    data.set(image.data.subarray(from, from + r.width * 3), y * r.width * 3);
  }
  return { data, width: r.width, height: r.height, ...(image.grayscale ? { grayscale: true } : {}) };
}

export class FaceRenderer {
  private readonly photos = new Lru<number, Promise<DecodedImage>>(2);
  /** decode(eps) by model and face: the face as the model reconstructs it. */
  private readonly bases = new Lru<string, Promise<Float32Array>>(16);
  /** The model's limit by model, face and edit direction (decodeEdit's limit). */
  private readonly limits = new Lru<string, EditLimit>(64);

  constructor(
    private readonly library: Library,
    private readonly engine: () => GlowEngine,
    private readonly directions: (names: readonly string[]) => Promise<Record<string, Float32Array>>,
  ) {}

  /** After a photo is turned: its pixels, its faces' reconstructions and limits are not those
   * of the photo as it is now. (Turning is rare; everything is dropped.) */
  forget(): void {
    this.photos.clear();
    this.bases.clear();
    this.limits.clear();
  }

  photo(photoId: number): Promise<DecodedImage> {
    let p = this.photos.get(photoId);
    if (!p) {
      const record = this.library.photo(photoId);
      if (!record) return Promise.reject(new RangeError(`no photo with id ${photoId} in the library`));
      p = decodePhoto(record);
      p.catch(() => undefined);
      this.photos.set(photoId, p);
    }
    return p;
  }

  private base(engine: GlowEngine, faceId: number, eps: Float32Array): Promise<Float32Array> {
    const key = `${engine.latentKey} ${faceId}`;
    let b = this.bases.get(key);
    if (!b) {
      b = engine.decode(eps);
      b.catch(() => undefined);
      this.bases.set(key, b);
    }
    return b;
  }

  /** The model's change to the face under `recipe` (3 x S x S, model units), the model's face
   * unedited (decode(eps): the paste's hand-over, big-photo.ts), the fraction of the edit the
   * model could render (decodeEdit), and the face as the running model aligns it
   * (face-latents.ts may have just encoded it again). */
  async delta(faceId: number, recipe: EditRecipe): Promise<{ face: FaceRecord; delta: Float32Array; before: Float32Array; strength: number }> {
    const engine = this.engine();
    const m = engine.manifest;
    const { face, eps } = await faceLatent(this.library, engine, faceId);
    let edited = apply(eps, await this.directions(Object.keys(recipe.sliders)), recipe.sliders);
    if (recipe.mix) edited = mix(edited, (await faceLatent(this.library, engine, recipe.mix.faceId)).eps, recipe.mix.weights, m.levels);
    // Dragging one slider keeps the direction: a size that failed a moment ago fails again.
    const key = JSON.stringify([engine.latentKey, faceId, Object.keys(recipe.sliders).sort(), recipe.mix ?? null]);
    const limit = this.limits.get(key);
    // No edit (the editor asks for one to warm these caches when a face is selected): the
    // face as it is, without a decoder run.
    const noEdit = Object.values(recipe.sliders).every((v) => v === 0) && !recipe.mix;
    const [after, before] = await Promise.all([noEdit ? null : decodeEdit(engine, eps, edited, limit ? { limit } : {}), this.base(engine, faceId, eps)]);
    if (!after) return { face, delta: new Float32Array(before.length), before, strength: 1 };
    if (after.limit) this.limits.set(key, after.limit);
    return { face, delta: Float32Array.from(after.image, (v, i) => v - before[i]!), before, strength: after.strength };
  }

  async render(faceId: number, recipe: EditRecipe): Promise<FaceLayer> {
    const t0 = performance.now();
    const known = this.library.face(faceId);
    if (!known) throw new RangeError(`no face with id ${faceId} in the library`);
    const [photo, { face, delta, before, strength }] = await Promise.all([this.photo(known.photoId), this.delta(faceId, recipe)]);
    const size = this.engine().manifest.image_size;
    const region = cropRegion(face.transform, size, photo.width, photo.height);
    const original = copyRegion(photo, region);
    const patch = copyRegion(photo, region);
    // The same face, in the patch's coordinates.
    const toPhoto = composeAffine([1, 0, -region.x, 0, 1, -region.y], face.transform);
    pasteInPlace(patch, { toPhoto, toCrop: invertAffine(toPhoto), size }, delta, undefined, before);
    // Opaque only where the edit changed a pixel: everywhere else the canvas keeps showing
    // the photo itself, exactly. (In a photo with transparency, as opaque as the photo there:
    // the model edits it on white, and an export keeps its alpha.)
    const rgba = new Uint8Array(patch.width * patch.height * 4);
    for (let i = 0, j = 0, k = 0; i < patch.data.length; i += 3, j += 4, k++) {
      rgba[j] = patch.data[i]!;
      rgba[j + 1] = patch.data[i + 1]!;
      rgba[j + 2] = patch.data[i + 2]!;
      const changed = patch.data[i] !== original.data[i] || patch.data[i + 1] !== original.data[i + 1] || patch.data[i + 2] !== original.data[i + 2];
      const opacity = photo.alpha ? photo.alpha[(region.y + Math.floor(k / patch.width)) * photo.width + region.x + (k % patch.width)]! : 255;
      rgba[j + 3] = changed ? opacity : 0;
    }
    const png = await sharp(rgba, { raw: { width: patch.width, height: patch.height, channels: 4 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    return { faceId, box: region, image: `data:image/png;base64,${png.toString('base64')}`, ms: Math.round(performance.now() - t0), strength };
  }

  /** The photo with its saved edits at full resolution, as the editor shows it: each edited
   * face's change pasted in, then the brush mask's strokes given back to the original. The
   * one rendering behind every export (the studio's and the CLI's). */
  async editedPhoto(photoId: number): Promise<DecodedImage> {
    const record = this.library.photo(photoId);
    if (!record) throw new RangeError(`no photo with id ${photoId} in the library`);
    const image = await decodePhoto(record); // its own copy: pasting writes into it
    const mask = this.library.maskOf(photoId);
    const original = mask.length ? Uint8Array.from(image.data) : undefined;
    const size = this.engine().manifest.image_size;
    for (const edit of this.library.editsOfPhoto(photoId)) {
      const { face, delta, before } = await this.delta(edit.faceId, edit.recipe);
      pasteInPlace(image, { toPhoto: face.transform, toCrop: invertAffine(face.transform), size }, delta, undefined, before);
    }
    if (original) await restoreMasked(image, original, mask);
    return image;
  }

  /** Writes the edited photo to `target` (or the free name beside it, exportFile); returns
   * the path written. */
  async exportPhoto(photoId: number, target: string, options: ExportOptions): Promise<string> {
    const image = await this.editedPhoto(photoId);
    return exportFile(target, await encodeExport(image, outputFormat(options, image.file), options, image.metadata));
  }
}
