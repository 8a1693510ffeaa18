// Bilinear resampling of an RGB photo through an affine map (output pixel -> source point).
import type { RgbImage } from '../imaging/decode.js';
import type { Affine } from './types.js';

/** What a sample outside the photo gets: black, or the photo mirrored at its edges. */
export type Edge = 'zero' | 'reflect';

function reflect(x: number, size: number): number {
  const period = 2 * size;
  let r = x % period;
  if (r < 0) r += period;
  return r >= size ? period - r : r;
}

/**
 * Samples `outWidth x outHeight` pixels; output pixel (i, j) takes the photo at
 * toSource((i + 0.5, j + 0.5)). Returns interleaved RGB floats in 0..255.
 */
export function warpRgb(src: RgbImage, toSource: Affine, outWidth: number, outHeight: number, edge: Edge): Float32Array {
  const { data, width: w, height: h } = src;
  const out = new Float32Array(outWidth * outHeight * 3);
  const [a, b, c, d, e, f] = toSource;
  let o = 0;
  for (let j = 0; j < outHeight; j++) {
    const v = j + 0.5;
    for (let i = 0; i < outWidth; i++, o += 3) {
      const u = i + 0.5;
      let x = a * u + b * v + c;
      let y = d * u + e * v + f;
      const outside = x < 0 || y < 0 || x >= w || y >= h;
      if (outside) {
        if (edge === 'zero') continue;
        x = reflect(x, w);
        y = reflect(y, h);
      }
      const px = x - 0.5;
      const py = y - 0.5;
      let x0 = Math.floor(px);
      let y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      let x1 = x0 + 1;
      let y1 = y0 + 1;
      if (x0 < 0) x0 = 0;
      if (y0 < 0) y0 = 0;
      if (x1 > w - 1) x1 = w - 1;
      if (y1 > h - 1) y1 = h - 1;
      const r0 = y0 * w;
      const r1 = y1 * w;
      const p00 = (r0 + x0) * 3;
      const p01 = (r0 + x1) * 3;
      const p10 = (r1 + x0) * 3;
      const p11 = (r1 + x1) * 3;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      out[o] = data[p00]! * w00 + data[p01]! * w01 + data[p10]! * w10 + data[p11]! * w11;
      out[o + 1] = data[p00 + 1]! * w00 + data[p01 + 1]! * w01 + data[p10 + 1]! * w10 + data[p11 + 1]! * w11;
      out[o + 2] = data[p00 + 2]! * w00 + data[p01 + 2]! * w01 + data[p10 + 2]! * w10 + data[p11 + 2]! * w11;
    }
  }
  return out;
}

/** Interleaved RGB (0..255) -> planar float `value * scale + offset`, written at `target[at..]`. */
export function toPlanar(rgb: Float32Array | Uint8Array, pixels: number, scale: number, offset: number, target: Float32Array, at = 0): void {
  for (let i = 0; i < pixels; i++) {
    target[at + i] = rgb[i * 3]! * scale + offset;
    target[at + pixels + i] = rgb[i * 3 + 1]! * scale + offset;
    target[at + 2 * pixels + i] = rgb[i * 3 + 2]! * scale + offset;
  }
}
