// Latent math in eps space (DESIGN.md, "The latent convention"). Pure functions over
// Float32Arrays; nothing here runs the model.
import type { LatentLevel } from './bundle.js';

export type Eps = Float32Array;

/** A seedable PRNG (mulberry32) so samples are reproducible from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** eps ~ N(0, T^2): a new face at temperature T (about 0.7 looks best). */
export function sample(size: number, temperature: number, random: () => number = Math.random): Eps {
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`temperature must be a finite number >= 0, got ${temperature}`);
  }
  const eps = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    // Box-Muller; 1 - u keeps log away from 0.
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    eps[i] = temperature * r * Math.cos(theta);
    if (i + 1 < size) eps[i + 1] = temperature * r * Math.sin(theta);
  }
  return eps;
}

function mean(vectors: readonly Eps[], what: string): Float64Array {
  if (vectors.length === 0) throw new RangeError(`direction needs at least one ${what} example`);
  const size = vectors[0]!.length;
  const sum = new Float64Array(size);
  for (const v of vectors) {
    if (v.length !== size) throw new RangeError(`${what} latents differ in length (${v.length} vs ${size})`);
    for (let i = 0; i < size; i++) sum[i]! += v[i]!;
  }
  for (let i = 0; i < size; i++) sum[i]! /= vectors.length;
  return sum;
}

/** Attribute direction d = mean(eps of positives) - mean(eps of negatives). */
export function direction(positives: readonly Eps[], negatives: readonly Eps[]): Eps {
  const p = mean(positives, 'positive');
  const n = mean(negatives, 'negative');
  if (p.length !== n.length) throw new RangeError(`positive and negative latents differ in length (${p.length} vs ${n.length})`);
  return Float32Array.from(p, (v, i) => v - n[i]!);
}

/** An edit: eps + sum(alpha_i * d_i). Unknown direction names are an error, not a no-op. */
export function apply(eps: Eps, directions: Readonly<Record<string, Eps>>, alphas: Readonly<Record<string, number>>): Eps {
  const out = Float32Array.from(eps);
  for (const [name, alpha] of Object.entries(alphas)) {
    const d = directions[name];
    if (!d) throw new RangeError(`unknown attribute '${name}' (known: ${Object.keys(directions).join(', ') || 'none'})`);
    if (d.length !== eps.length) throw new RangeError(`attribute '${name}' has ${d.length} values, eps has ${eps.length}`);
    if (!Number.isFinite(alpha)) throw new RangeError(`attribute '${name}' amount must be a finite number, got ${alpha}`);
    for (let i = 0; i < out.length; i++) out[i]! += alpha * d[i]!;
  }
  return out;
}

/**
 * Face mix: per level, (1 - w) * a + w * b. weights[i] is level i's share of face b (finest
 * level first), so [0, 0, 1, 1] takes coarse structure from b and fine detail from a.
 * A single number mixes every level by the same amount.
 */
export function mix(a: Eps, b: Eps, weights: number | readonly number[], levels: readonly LatentLevel[]): Eps {
  if (a.length !== b.length) throw new RangeError(`cannot mix latents of different lengths (${a.length} vs ${b.length})`);
  const perLevel = typeof weights === 'number' ? levels.map(() => weights) : weights;
  if (perLevel.length !== levels.length) {
    throw new RangeError(`mix needs ${levels.length} per-level weights, got ${perLevel.length}`);
  }
  const out = new Float32Array(a.length);
  levels.forEach((lvl, li) => {
    const w = perLevel[li]!;
    if (!Number.isFinite(w)) throw new RangeError(`mix weight for level ${li} must be a finite number, got ${w}`);
    for (let i = lvl.offset; i < lvl.offset + lvl.size; i++) out[i] = (1 - w) * a[i]! + w * b[i]!;
  });
  return out;
}
