// Decoding an edited latent, backing off when the edit is too strong for the model: a latent
// far from the faces the model knows can decode to non-finite pixels, or, a little closer, to
// blotches of wild colour, and a slider dragged to its end should weaken the edit, not fail
// it or show garbage.
import { UndecodableLatentError, type GlowEngine, type RunOptions } from './engine.js';

/** The fractions of the edit tried, strongest first. */
export const EDIT_STRENGTHS = [1, 0.75, 0.5, 0.25] as const;

/** What is known of the model's limit along one edit's direction: the smallest edit size (L2
 * norm of edited - eps) that failed to decode, and the largest below it that decoded. */
export interface EditLimit {
  failedAt: number;
  goodAt?: number;
}

export interface DecodedEdit {
  image: Float32Array;
  /** The fraction of the edit that was applied: 1 unless the model could not render it all. */
  strength: number;
  /** The limit as now known, once an edit along this direction has failed. */
  limit?: EditLimit;
}

export interface DecodeEditOptions extends RunOptions {
  /**
   * The limit an earlier call along this direction returned. Past it, the largest size known
   * to decode is used in one decoder run (so a slider held past the limit costs one run per
   * repaint, and the edit stops growing instead of jumping back); below it, strengths that
   * would reach the failing size are skipped.
   */
  limit?: EditLimit;
}

/**
 * Pixels (model units, valid range [-0.5, 0.5]) further than this outside the valid range are
 * the model's blotches: a plain face never leaves the range, and an edit the model renders
 * well overshoots it only a little (bright teeth, dark glasses rims).
 */
export const WILD_PIXEL = 1;
/** The share of values past WILD_PIXEL that makes a decode a failure (0.05%: a few pixels). */
export const WILD_SHARE = 0.0005;

/** Whether a decoded image shows the blotches of an edit the model cannot render. */
export function looksWild(image: Float32Array): boolean {
  let wild = 0;
  for (const v of image) if (Math.abs(v) > WILD_PIXEL) wild++;
  return wild > image.length * WILD_SHARE;
}

function norm(eps: Float32Array, edited: Float32Array): number {
  let s = 0;
  for (let i = 0; i < eps.length; i++) s += (edited[i]! - eps[i]!) ** 2;
  return Math.sqrt(s);
}

/** decode(eps + s * (edited - eps)) for the largest s in EDIT_STRENGTHS that decodes, or,
 * past a known limit, for the largest size known to decode. */
export async function decodeEdit(engine: GlowEngine, eps: Float32Array, edited: Float32Array, options: DecodeEditOptions = {}): Promise<DecodedEdit> {
  const { limit, ...run } = options;
  const size = norm(eps, edited);
  const decodeAt = async (strength: number) => {
    const image = await engine.decode(strength === 1 ? edited : Float32Array.from(edited, (v, i) => eps[i]! + strength * (v - eps[i]!)), run);
    if (looksWild(image)) throw new UndecodableLatentError();
    return image;
  };
  let failedAt = limit?.failedAt;
  let goodAt = limit?.goodAt;
  if (failedAt !== undefined && goodAt !== undefined && size >= failedAt) {
    try {
      return { image: await decodeAt(goodAt / size), strength: goodAt / size, limit: { failedAt, goodAt } };
    } catch (err) {
      if (!(err instanceof UndecodableLatentError)) throw err;
      failedAt = goodAt;
      goodAt = undefined;
    }
  }
  const smallest = EDIT_STRENGTHS[EDIT_STRENGTHS.length - 1]!;
  const strengths = EDIT_STRENGTHS.filter((s) => failedAt === undefined || s * size < failedAt || s === smallest);
  let last: unknown;
  for (const strength of strengths) {
    try {
      const image = await decodeAt(strength);
      if (failedAt === undefined) return { image, strength };
      if (strength * size < failedAt) goodAt = Math.max(goodAt ?? 0, strength * size);
      return { image, strength, limit: goodAt === undefined ? { failedAt } : { failedAt, goodAt } };
    } catch (err) {
      if (!(err instanceof UndecodableLatentError)) throw err;
      failedAt = Math.min(failedAt ?? Infinity, strength * size);
      if (goodAt !== undefined && goodAt >= failedAt) goodAt = undefined;
      last = err;
    }
  }
  throw last;
}
