// One photo through the recipe: decode -> detect -> align -> encode -> apply (+ mix) -> decode
// -> delta = decode(eps') - decode(eps) -> paste back at full resolution. Returns the edited
// pixels and the source's metadata; the source file is only read.
import { decodeEdit } from '../engine/edit-decode.js';
import { UndecodableLatentError, type GlowEngine } from '../engine/engine.js';
import { checksOrientation, encodePhotoFaces, looksUpsideDown } from '../engine/face-orientation.js';
import { apply, mix } from '../engine/latent.js';
import { pixelsToModel } from '../engine/pixels.js';
import { alignFace } from '../faces/align.js';
import type { FaceDetector } from '../faces/detect.js';
import type { Box } from '../faces/types.js';
import { minFaceFor } from '../faces/face-size.js';
import { decodeImage, type DecodedImage, type RgbImage } from '../imaging/decode.js';
import { attributeMargin, type SearchDirection } from '../library/attribute-search.js';
import { turnBox } from '../library/rotation.js';
import { atAnyOf } from '../library/same-place.js';
import { alignScaled, detectScaled, pasteInPlace } from './big-photo.js';

export interface FaceEditContext {
  engine: GlowEngine;
  detector: FaceDetector;
  directions: Record<string, Float32Array>;
  sliders: Record<string, number>;
  mix?: { eps: Float32Array; weights: number | number[] };
  /** Smallest face to edit, photo px; else the small-face look or the default (faces/face-size.ts). */
  minFaceSize?: number;
  smallFaces?: boolean;
  /** The library's word on a photo (photo-pixels.ts asInLibrary): the quarter turns clockwise
   * the user gave it, and the places (as turned) where the user removed a face, whose faces are
   * left alone. None by default. */
  asInLibrary?: (file: string) => { turns: number; removed: readonly Box[] };
  /** Only faces on this side of the attribute's threshold are edited (BatchSpec.faces). */
  only?: { search: SearchDirection; has: boolean };
}

export type Stage = 'decode' | 'detect' | 'align' | 'model' | 'paste' | 'encode' | 'write';
export type StageTimes = Record<Stage, number>;

export const newStageTimes = (): StageTimes => ({ decode: 0, detect: 0, align: 0, model: 0, paste: 0, encode: 0, write: 0 });

export async function timed<T>(times: StageTimes, stage: Stage, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    times[stage] += performance.now() - t0;
  }
}

/** The eps of the first (best) face in a photo or crop: the mix partner. */
export async function partnerEps(file: string, engine: GlowEngine, detector: FaceDetector): Promise<Float32Array> {
  const image = await decodeImage(file);
  const size = engine.manifest.image_size;
  const faces = await detector.detect(image, { minFaceSize: Math.max(8, Math.round(Math.min(image.width, image.height) * 0.1)) });
  if (!faces.length) throw new Error(`${file}: no face found to mix with`);
  const aligned = await alignFace(image, faces[0]!.landmarks, size);
  return engine.encode(pixelsToModel(aligned.pixels, size));
}

/** The photo with every face edited. A face on which the model cannot render even the
 * smallest part of the edit (decodeEdit) is left as it was and counted in `unedited`: one
 * such face does not cost the whole photo. A photo whose faces the finder read the wrong way
 * up (they look upside down to the model: face-orientation.ts) is edited turned half a turn,
 * and turned back: the copy keeps the source's orientation, with its faces edited upright. */
export async function editPhoto(
  file: string,
  ctx: FaceEditContext,
  times: StageTimes,
  signal?: AbortSignal,
): Promise<{ image: RgbImage; source: DecodedImage; faces: number; unedited: number; upsideDown: boolean }> {
  const { turns, removed } = ctx.asInLibrary?.(file) ?? { turns: 0, removed: [] };
  const source = await timed(times, 'decode', () => decodeImage(file, { turns }));
  let found = await findFaces(source, ctx, removed, times, signal, true);
  const upsideDown = looksUpsideDown(found.map((f) => f.uprightMargin));
  if (upsideDown) {
    turnHalfInPlace(source);
    const turned = removed.map((b) => turnBox(b, 2, source.width, source.height));
    found = await findFaces(source, ctx, turned, times, signal, false);
  }
  let unedited = 0;
  const size = ctx.engine.manifest.image_size;
  const deltas = await timed(times, 'model', () =>
    Promise.all(
      found.map(async ({ aligned, eps }) => {
        const x = pixelsToModel(aligned.pixels, size);
        const leftAlone = ctx.only && attributeMargin(eps, ctx.only.search) > 0 !== ctx.only.has;
        if (leftAlone) return { delta: new Float32Array(x.length), before: x }; // no change: not one of the faces asked for
        let edited = apply(eps, ctx.directions, ctx.sliders);
        if (ctx.mix) edited = mix(edited, ctx.mix.eps, ctx.mix.weights, ctx.engine.manifest.levels);
        const after = await decodeEdit(ctx.engine, eps, edited, { signal }).then(
          (d) => d.image,
          (err: unknown) => {
            if (!(err instanceof UndecodableLatentError)) throw err;
            unedited++;
            return x; // the face as it is
          },
        );
        // delta = decode(eps') - decode(eps), and decode(eps) is x itself: the flow is exactly
        // invertible (the engine's round-trip error is under 1e-4, a 40th of one 8-bit level),
        // so the batch saves one decoder run per face (and x is the paste's `before`).
        return { delta: Float32Array.from(after, (v, i) => v - x[i]!), before: x };
      }),
    ),
  );
  // The decoded pixels are this function's own copy (the file is only read): edit them in place.
  const image: RgbImage = source;
  await timed(times, 'paste', () => found.forEach((f, i) => pasteInPlace(image, f.aligned, deltas[i]!.delta, undefined, deltas[i]!.before)));
  if (upsideDown) turnHalfInPlace(image);
  return { image, source, faces: found.length, unedited, upsideDown };
}

/** The faces of `image` but those at `removed`: aligned, encoded, and (checkOrientation) how
 * upright they look. */
async function findFaces(image: RgbImage, ctx: FaceEditContext, removed: readonly Box[], times: StageTimes, signal: AbortSignal | undefined, checkOrientation: boolean) {
  const detected = await timed(times, 'detect', () => detectScaled(ctx.detector, image, minFaceFor(image.width, image.height, ctx)));
  const faces = detected.filter((f) => !atAnyOf(f.box, removed));
  const size = ctx.engine.manifest.image_size;
  const aligned = await timed(times, 'align', () => Promise.all(faces.map((f) => alignScaled(image, f.landmarks, size))));
  const crops = aligned.map((a) => ({ pixels: pixelsToModel(a.pixels, size), nativeSize: a.nativeSize }));
  const encoded = await timed(times, 'model', () => encodePhotoFaces(ctx.engine, crops, { signal }, checkOrientation && checksOrientation(ctx.engine)));
  return encoded.map((e, i) => ({ ...e, aligned: aligned[i]! }));
}

/** Turns an image half a turn where it lies: every pixel's place reversed. */
function turnHalfInPlace(image: RgbImage): void {
  const { data, alpha } = image;
  for (let i = 0, j = data.length - 3; i < j; i += 3, j -= 3) {
    for (let c = 0; c < 3; c++) {
      const t = data[i + c]!;
      data[i + c] = data[j + c]!;
      data[j + c] = t;
    }
  }
  alpha?.reverse();
}
