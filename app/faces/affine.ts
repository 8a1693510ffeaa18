// 2x3 affine maps: apply, invert, compose, and the similarity that takes one point pair to another.
import type { Affine, Point } from './types.js';

export function applyAffine(m: Affine, p: Point): [number, number] {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError(`affine map is not invertible (det ${det})`);
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

/** outer(inner(p)) */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  const [a, b, c, d, e, f] = outer;
  const [g, h, i, j, k, l] = inner;
  return [a * g + b * j, a * h + b * k, a * i + b * l + c, d * g + e * j, d * h + e * k, d * i + e * l + f];
}

/** Scale of a similarity transform (length multiplier). */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/**
 * A rotated square window: maps window pixels (0..size) to the photo, centred on `centre`,
 * covering `side` photo pixels, rotated by `angle` radians.
 */
export function squareWindow(centre: Point, side: number, angle: number, size: number): Affine {
  const k = side / size;
  const cos = Math.cos(angle) * k;
  const sin = Math.sin(angle) * k;
  const h = size / 2;
  return [cos, -sin, centre[0] - cos * h + sin * h, sin, cos, centre[1] - sin * h - cos * h];
}
