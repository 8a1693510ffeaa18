// Paste-back: the model's change to an aligned face, added to the full-resolution photo.
// The delta (3 x S x S, model units, pixel = (x + 0.5) * 256 - 0.5, so one unit = 256 levels)
// is upsampled to the crop's native resolution, warped back through the inverse alignment and
// blended with a feathered face mask (times an optional user mask). Pixels where the mask is
// zero are copied unchanged; the source photo is never modified.
import type { RgbImage } from '../imaging/decode.js';
import { composeAffine } from './affine.js';
import type { AlignedFace } from './align.js';

/** A per-pixel weight over the whole photo, 0..1 (a brush mask). */
export interface UserMask {
  data: Float32Array;
  width: number;
  height: number;
}

export interface PasteOptions {
  userMask?: UserMask;
  /** Feather width of the face mask as a share of the ellipse radius (default 0.3). */
  feather?: number;
}

// The face ellipse in canonical-crop units (0..1): FFHQ crops put the eyes near y = 0.47 and
// the mouth near y = 0.75, the cheeks near x = 0.25 and 0.75.
const ELLIPSE = { cx: 0.5, cy: 0.56, rx: 0.3, ry: 0.38 };

/** Face mask weight at canonical-crop point (s, t), 0..1: 1 inside, smooth fall-off across the feather band. */
export function faceMaskWeight(s: number, t: number, feather = 0.3): number {
  const r = Math.hypot((s - ELLIPSE.cx) / ELLIPSE.rx, (t - ELLIPSE.cy) / ELLIPSE.ry);
  const inner = 1 - feather / 2;
  const outer = 1 + feather / 2;
  if (r <= inner) return 1;
  if (r >= outer) return 0;
  const k = (outer - r) / (outer - inner);
  return k * k * (3 - 2 * k);
}

function upsamplePlanar(delta: Float32Array, s: number, n: number): Float32Array {
  if (n === s) return delta;
  const out = new Float32Array(3 * n * n);
  const k = s / n;
  for (let j = 0; j < n; j++) {
    const py = Math.min(s - 1, Math.max(0, (j + 0.5) * k - 0.5));
    const y0 = Math.floor(py);
    const y1 = Math.min(s - 1, y0 + 1);
    const fy = py - y0;
    for (let i = 0; i < n; i++) {
      const px = Math.min(s - 1, Math.max(0, (i + 0.5) * k - 0.5));
      const x0 = Math.floor(px);
      const x1 = Math.min(s - 1, x0 + 1);
      const fx = px - x0;
      for (let c = 0; c < 3; c++) {
        const b = c * s * s;
        const top = delta[b + y0 * s + x0]! * (1 - fx) + delta[b + y0 * s + x1]! * fx;
        const bottom = delta[b + y1 * s + x0]! * (1 - fx) + delta[b + y1 * s + x1]! * fx;
        out[c * n * n + j * n + i] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

/** Returns a new photo with `delta` (the model's change to `face`) blended in. */
export function pasteDelta(photo: RgbImage, face: Pick<AlignedFace, 'toPhoto' | 'toCrop' | 'size' | 'nativeSize'>, delta: Float32Array, options: PasteOptions = {}): RgbImage {
  const s = Math.round(Math.sqrt(delta.length / 3));
  if (s < 1 || 3 * s * s !== delta.length) throw new RangeError(`delta must hold 3 x S x S values, got ${delta.length}`);
  for (let i = 0; i < delta.length; i++) {
    if (!Number.isFinite(delta[i]!)) throw new RangeError(`delta holds a non-finite value at index ${i}`);
  }
  const mask = options.userMask;
  if (mask && (mask.width !== photo.width || mask.height !== photo.height || mask.data.length !== photo.width * photo.height)) {
    throw new RangeError(`user mask is ${mask.width}x${mask.height} (${mask.data.length} values), the photo is ${photo.width}x${photo.height}`);
  }
  const feather = options.feather ?? 0.3;
  const n = Math.max(s, Math.min(4096, Math.round(face.nativeSize)));
  const up = upsamplePlanar(delta, s, n);
  const plane = n * n;
  // photo -> native crop pixels (0..n)
  const toNative = composeAffine([n / face.size, 0, 0, 0, n / face.size, 0], face.toCrop);
  const out = new Uint8Array(photo.data); // copy: pixels outside the mask stay bit-identical
  // Photo-space bounds of the crop square.
  const corners = [
    [0, 0],
    [face.size, 0],
    [0, face.size],
    [face.size, face.size],
  ].map(([u, v]) => [face.toPhoto[0] * u! + face.toPhoto[1] * v! + face.toPhoto[2], face.toPhoto[3] * u! + face.toPhoto[4] * v! + face.toPhoto[5]] as const);
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))));
  const x1 = Math.min(photo.width, Math.ceil(Math.max(...corners.map((c) => c[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))));
  const y1 = Math.min(photo.height, Math.ceil(Math.max(...corners.map((c) => c[1]))));
  const [a, b, c, d, e, f] = toNative;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const u = a * (x + 0.5) + b * (y + 0.5) + c;
      const v = d * (x + 0.5) + e * (y + 0.5) + f;
      if (u < 0 || v < 0 || u >= n || v >= n) continue;
      let m = faceMaskWeight(u / n, v / n, feather);
      if (mask) m *= Math.min(1, Math.max(0, mask.data[y * photo.width + x]!));
      if (m <= 0) continue;
      const px = Math.min(n - 1, Math.max(0, u - 0.5));
      const py = Math.min(n - 1, Math.max(0, v - 0.5));
      const ix = Math.min(n - 2, Math.floor(px));
      const iy = Math.min(n - 2, Math.floor(py));
      const fx = n > 1 ? px - ix : 0;
      const fy = n > 1 ? py - iy : 0;
      const o = (y * photo.width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const base = ch * plane + Math.max(0, iy) * n + Math.max(0, ix);
        const top = up[base]! * (1 - fx) + (n > 1 ? up[base + 1]! * fx : 0);
        const bottom = n > 1 ? up[base + n]! * (1 - fx) + up[base + n + 1]! * fx : top;
        const change = (top * (1 - fy) + bottom * fy) * 256 * m;
        const value = Math.round(photo.data[o + ch]! + change);
        out[o + ch] = value < 0 ? 0 : value > 255 ? 255 : value;
      }
    }
  }
  return { data: out, width: photo.width, height: photo.height };
}
