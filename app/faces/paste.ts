// Paste-back: the model's change to an aligned face, added to the full-resolution photo.
// The delta (3 x S x S, model units, pixel = (x + 0.5) * 256 - 0.5, so one unit = 256 levels)
// is upsampled bilinearly to the crop's native resolution and warped back through the inverse
// alignment in one step (each photo pixel samples the delta at its own crop position), then
// blended with a feathered face mask times an optional user mask. Pixels where the mask is
// zero are copied unchanged; the source photo is never modified.
import type { RgbImage } from '../imaging/decode.js';
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

export interface FaceEdit {
  face: Pick<AlignedFace, 'toPhoto' | 'toCrop' | 'size'>;
  /** 3 x S x S, planar, model units. */
  delta: Float32Array;
}

// The face ellipse in canonical-crop units (0..1): FFHQ crops put the eyes near y = 0.47 and
// the mouth near y = 0.75, the cheeks near x = 0.25 and 0.75.
const ELLIPSE = { cx: 0.5, cy: 0.56, rx: 0.3, ry: 0.38 };

/** Face mask weight at canonical-crop point (s, t), 0..1: 1 inside, smooth fall-off across the feather band. */
export function faceMaskWeight(s: number, t: number, feather = 0.3): number {
  const dx = (s - ELLIPSE.cx) / ELLIPSE.rx;
  const dy = (t - ELLIPSE.cy) / ELLIPSE.ry;
  const r2 = dx * dx + dy * dy;
  const inner = 1 - feather / 2;
  const outer = 1 + feather / 2;
  if (r2 <= inner * inner) return 1;
  if (r2 >= outer * outer) return 0;
  const r = Math.sqrt(r2);
  const k = (outer - r) / (outer - inner);
  return k * k * (3 - 2 * k);
}

function checkEdit(photo: RgbImage, { delta }: FaceEdit, index: number): number {
  const s = Math.round(Math.sqrt(delta.length / 3));
  if (s < 1 || 3 * s * s !== delta.length) throw new RangeError(`delta ${index} must hold 3 x S x S values, got ${delta.length}`);
  for (let i = 0; i < delta.length; i++) {
    if (!Number.isFinite(delta[i]!)) throw new RangeError(`delta ${index} holds a non-finite value at index ${i}`);
  }
  if (photo.data.length !== photo.width * photo.height * 3) throw new RangeError(`photo data holds ${photo.data.length} bytes, expected ${photo.width}x${photo.height}x3`);
  return s;
}

/** Adds one face's change into `out` (a copy of the photo, earlier faces' changes included). */
function blendInto(out: Uint8Array, width: number, height: number, edit: FaceEdit, s: number, feather: number, mask?: UserMask) {
  const { face, delta } = edit;
  const outer = 1 + feather / 2;
  // Photo-space bounds of the mask's outer ellipse box (the mask is zero beyond it).
  const sx = [ELLIPSE.cx - ELLIPSE.rx * outer, ELLIPSE.cx + ELLIPSE.rx * outer];
  const ty = [ELLIPSE.cy - ELLIPSE.ry * outer, ELLIPSE.cy + ELLIPSE.ry * outer];
  const tp = face.toPhoto;
  const corners = sx.flatMap((a) => ty.map((b) => [a * face.size, b * face.size] as const)).map(([u, v]) => [tp[0] * u + tp[1] * v + tp[2], tp[3] * u + tp[4] * v + tp[5]] as const);
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))));
  const x1 = Math.min(width, Math.ceil(Math.max(...corners.map((c) => c[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))));
  const y1 = Math.min(height, Math.ceil(Math.max(...corners.map((c) => c[1]))));
  // photo -> normalised crop (0..1)
  const k = 1 / face.size;
  const [a, b, c, d, e, f] = face.toCrop;
  const plane = s * s;
  const du = a * k;
  const dv = d * k;
  for (let y = y0; y < y1; y++) {
    const py = y + 0.5;
    // Crop position of the pixel centre, stepped along the row.
    let u = (a * (x0 + 0.5) + b * py + c) * k - du;
    let v = (d * (x0 + 0.5) + e * py + f) * k - dv;
    for (let x = x0; x < x1; x++) {
      u += du;
      v += dv;
      if (u < 0 || v < 0 || u >= 1 || v >= 1) continue;
      let m = faceMaskWeight(u, v, feather);
      if (m <= 0) continue;
      if (mask) {
        const w = mask.data[y * width + x]!;
        m *= w > 1 ? 1 : w > 0 ? w : 0;
        if (m <= 0) continue;
      }
      // Bilinear sample of the S x S delta at this crop position (pixel centres at (i + 0.5) / S).
      const gx = Math.min(s - 1, Math.max(0, u * s - 0.5));
      const gy = Math.min(s - 1, Math.max(0, v * s - 0.5));
      const ix = Math.min(Math.max(0, s - 2), Math.floor(gx));
      const iy = Math.min(Math.max(0, s - 2), Math.floor(gy));
      const fx = gx - ix;
      const fy = gy - iy;
      const ix1 = Math.min(s - 1, ix + 1);
      const iy1 = Math.min(s - 1, iy + 1);
      const o = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const base = ch * plane;
        const top = delta[base + iy * s + ix]! * (1 - fx) + delta[base + iy * s + ix1]! * fx;
        const bottom = delta[base + iy1 * s + ix]! * (1 - fx) + delta[base + iy1 * s + ix1]! * fx;
        const change = (top * (1 - fy) + bottom * fy) * 256 * m;
        if (change === 0) continue;
        const value = Math.round(out[o + ch]! + change);
        out[o + ch] = value < 0 ? 0 : value > 255 ? 255 : value;
      }
    }
  }
}

/** Returns a new photo with every face's change blended in (one copy of the photo in all). */
export function pasteDeltas(photo: RgbImage, edits: readonly FaceEdit[], options: PasteOptions = {}): RgbImage {
  const sizes = edits.map((e, i) => checkEdit(photo, e, i));
  const mask = options.userMask;
  if (mask && (mask.width !== photo.width || mask.height !== photo.height || mask.data.length !== photo.width * photo.height)) {
    throw new RangeError(`user mask is ${mask.width}x${mask.height} (${mask.data.length} values), the photo is ${photo.width}x${photo.height}`);
  }
  const feather = options.feather ?? 0.3;
  if (!(feather >= 0 && feather <= 1)) throw new RangeError(`feather must be from 0 to 1, got ${feather}`);
  const out = new Uint8Array(photo.data); // a copy: pixels outside every mask stay bit-identical
  edits.forEach((edit, i) => blendInto(out, photo.width, photo.height, edit, sizes[i]!, feather, mask));
  return { data: out, width: photo.width, height: photo.height };
}

/** Returns a new photo with `delta` (the model's change to `face`) blended in. */
export function pasteDelta(photo: RgbImage, face: FaceEdit['face'], delta: Float32Array, options: PasteOptions = {}): RgbImage {
  return pasteDeltas(photo, [{ face, delta }], options);
}
