// One photo through the recipe: decode -> detect -> align -> encode -> apply (+ mix) -> decode
// -> delta = decode(eps') - decode(eps) -> paste back at full resolution. Returns the edited
// pixels and the source's metadata; the source file is only read.
import { decodeEdit } from '../engine/edit-decode.js';
import { UndecodableLatentError, type GlowEngine } from '../engine/engine.js';
import { apply, mix } from '../engine/latent.js';
import { pixelsToModel } from '../engine/pixels.js';
import { alignFace } from '../faces/align.js';
import type { FaceDetector } from '../faces/detect.js';
import { decodeImage, type DecodedImage, type RgbImage } from '../imaging/decode.js';
import { alignScaled, detectScaled, pasteInPlace } from './big-photo.js';

export interface FaceEditContext {
  engine: GlowEngine;
  detector: FaceDetector;
  directions: Record<string, Float32Array>;
  sliders: Record<string, number>;
  mix?: { eps: Float32Array; weights: number | number[] };
  /** Smallest face to edit, photo px; default 4% of the shorter side (at least 40). */
  minFaceSize?: number;
  /** Quarter turns clockwise to decode a photo with: the turn the user gave it in the library
   * (photo-pixels.ts turnsOf); none by default. */
  turns?: (file: string) => number;
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

export function defaultMinFace(width: number, height: number): number {
  return Math.max(40, Math.round(Math.min(width, height) * 0.04));
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
 * such face does not cost the whole photo. */
export async function editPhoto(file: string, ctx: FaceEditContext, times: StageTimes, signal?: AbortSignal): Promise<{ image: RgbImage; source: DecodedImage; faces: number; unedited: number }> {
  const source = await timed(times, 'decode', () => decodeImage(file, { turns: ctx.turns?.(file) ?? 0 }));
  const faces = await timed(times, 'detect', () => detectScaled(ctx.detector, source, ctx.minFaceSize ?? defaultMinFace(source.width, source.height)));
  const size = ctx.engine.manifest.image_size;
  const aligned = await timed(times, 'align', () => Promise.all(faces.map((f) => alignScaled(source, f.landmarks, size))));
  let unedited = 0;
  const deltas = await timed(times, 'model', () =>
    Promise.all(
      aligned.map(async (a) => {
        const x = pixelsToModel(a.pixels, size);
        const eps = await ctx.engine.encode(x, { signal });
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
        // so the batch saves one decoder run per face.
        return Float32Array.from(after, (v, i) => v - x[i]!);
      }),
    ),
  );
  // The decoded pixels are this function's own copy (the file is only read): edit them in place.
  const image: RgbImage = source;
  await timed(times, 'paste', () => aligned.forEach((a, i) => pasteInPlace(image, a, deltas[i]!)));
  return { image, source, faces: faces.length, unedited };
}
