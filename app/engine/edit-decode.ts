// Decoding an edited latent, backing off when the edit is too strong for the model: a latent
// far from the faces the model knows can decode to non-finite pixels, and a slider dragged to
// its end should weaken the edit, not fail it.
import { UndecodableLatentError, type GlowEngine, type RunOptions } from './engine.js';

/** The fractions of the edit tried, strongest first. */
export const EDIT_STRENGTHS = [1, 0.75, 0.5, 0.25] as const;

export interface DecodedEdit {
  image: Float32Array;
  /** The fraction of the edit that was applied: 1 unless the model could not render it all. */
  strength: number;
  /** The smallest edit size (L2 norm of edited - eps) that failed to decode, if one did. */
  failedAt?: number;
}

export interface DecodeEditOptions extends RunOptions {
  /**
   * An edit size known to fail along this edit's direction (an earlier call's failedAt):
   * strengths that reach it are skipped, so a slider held past the model's limit costs one
   * decoder run per repaint, not four.
   */
  knownFailure?: number;
}

function norm(eps: Float32Array, edited: Float32Array): number {
  let s = 0;
  for (let i = 0; i < eps.length; i++) s += (edited[i]! - eps[i]!) ** 2;
  return Math.sqrt(s);
}

/** decode(eps + s * (edited - eps)) for the largest s in EDIT_STRENGTHS that decodes. */
export async function decodeEdit(engine: GlowEngine, eps: Float32Array, edited: Float32Array, options: DecodeEditOptions = {}): Promise<DecodedEdit> {
  const { knownFailure, ...run } = options;
  const size = norm(eps, edited);
  const smallest = EDIT_STRENGTHS[EDIT_STRENGTHS.length - 1]!;
  const strengths = EDIT_STRENGTHS.filter((s) => knownFailure === undefined || s * size < knownFailure || s === smallest);
  let failedAt: number | undefined;
  let last: unknown;
  for (const strength of strengths) {
    const target = strength === 1 ? edited : Float32Array.from(edited, (v, i) => eps[i]! + strength * (v - eps[i]!));
    try {
      const image = await engine.decode(target, run);
      return failedAt === undefined ? { image, strength } : { image, strength, failedAt };
    } catch (err) {
      if (!(err instanceof UndecodableLatentError)) throw err;
      failedAt = strength * size;
      last = err;
    }
  }
  throw last;
}
