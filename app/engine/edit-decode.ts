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
}

/** decode(eps + s * (edited - eps)) for the largest s in EDIT_STRENGTHS that decodes. */
export async function decodeEdit(engine: GlowEngine, eps: Float32Array, edited: Float32Array, options: RunOptions = {}): Promise<DecodedEdit> {
  let last: unknown;
  for (const strength of EDIT_STRENGTHS) {
    const target = strength === 1 ? edited : Float32Array.from(edited, (v, i) => eps[i]! + strength * (v - eps[i]!));
    try {
      return { image: await engine.decode(target, options), strength };
    } catch (err) {
      if (!(err instanceof UndecodableLatentError)) throw err;
      last = err;
    }
  }
  throw last;
}
