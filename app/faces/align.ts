// Alignment to the model's canonical crop: the FFHQ recipe (Karras et al.'s dataset script),
// a similarity transform from the eye centres and mouth corners, at any output size.
// Outside the photo the crop is the photo mirrored at its edges, blurred and faded toward
// its mean colour the further out it is, instead of stretched edge pixels.
import sharp from 'sharp';
import type { RgbImage } from '../imaging/decode.js';
import { affineScale, composeAffine, invertAffine } from './affine.js';
import type { Affine, Landmarks, Point } from './types.js';
import { warpRgb } from './warp.js';

export interface AlignedFace {
  /** Output side in pixels. */
  size: number;
  /** size x size x 3 RGB. */
  pixels: Uint8Array;
  /** Crop coordinates (0..size) -> photo coordinates. */
  toPhoto: Affine;
  /** Photo coordinates -> crop coordinates (0..size). */
  toCrop: Affine;
  /** Side of the crop in photo pixels: its native resolution. */
  nativeSize: number;
}

/** FFHQ's oriented square: centre and the two half-side vectors (x along the eyes, y toward the chin). */
export function canonicalSquare(l: Landmarks): { centre: Point; x: Point; y: Point } {
  const eyeAvg: Point = [(l.leftEye[0] + l.rightEye[0]) / 2, (l.leftEye[1] + l.rightEye[1]) / 2];
  const eyeToEye: Point = [l.rightEye[0] - l.leftEye[0], l.rightEye[1] - l.leftEye[1]];
  const mouthAvg: Point = [(l.mouthLeft[0] + l.mouthRight[0]) / 2, (l.mouthLeft[1] + l.mouthRight[1]) / 2];
  const eyeToMouth: Point = [mouthAvg[0] - eyeAvg[0], mouthAvg[1] - eyeAvg[1]];
  // x = eye_to_eye - flipud(eye_to_mouth) * [-1, 1], normalised, scaled.
  let x: [number, number] = [eyeToEye[0] + eyeToMouth[1], eyeToEye[1] - eyeToMouth[0]];
  const len = Math.hypot(x[0], x[1]);
  if (!(len > 1e-6)) throw new RangeError('landmarks are degenerate (eyes and mouth coincide)');
  const scale = Math.max(Math.hypot(...eyeToEye) * 2, Math.hypot(...eyeToMouth) * 1.8);
  x = [(x[0] / len) * scale, (x[1] / len) * scale];
  const y: Point = [-x[1], x[0]];
  const centre: Point = [eyeAvg[0] + eyeToMouth[0] * 0.1, eyeAvg[1] + eyeToMouth[1] * 0.1];
  return { centre, x, y };
}

/** The similarity from crop coordinates (0..size) to the photo. */
export function alignmentTransform(l: Landmarks, size: number): Affine {
  const { centre: c, x, y } = canonicalSquare(l);
  return [(2 * x[0]) / size, (2 * y[0]) / size, c[0] - x[0] - y[0], (2 * x[1]) / size, (2 * y[1]) / size, c[1] - x[1] - y[1]];
}

/** Distance (photo px) of a point outside the photo rectangle; 0 inside. */
function outsideDistance(px: number, py: number, w: number, h: number): number {
  const dx = px < 0 ? -px : px > w ? px - w : 0;
  const dy = py < 0 ? -py : py > h ? py - h : 0;
  return Math.hypot(dx, dy);
}

function boxBlur(src: Float32Array, n: number, radius: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const pass = (from: Float32Array, to: Float32Array, horizontal: boolean) => {
    const norm = 1 / (2 * radius + 1);
    for (let line = 0; line < n; line++) {
      for (let c = 0; c < 3; c++) {
        const at = (k: number) => {
          const kk = k < 0 ? 0 : k >= n ? n - 1 : k;
          return from[(horizontal ? line * n + kk : kk * n + line) * 3 + c]!;
        };
        let sum = 0;
        for (let k = -radius; k <= radius; k++) sum += at(k);
        for (let k = 0; k < n; k++) {
          to[(horizontal ? line * n + k : k * n + line) * 3 + c] = sum * norm;
          sum += at(k + radius + 1) - at(k - radius);
        }
      }
    }
  };
  pass(src, tmp, true);
  pass(tmp, out, false);
  pass(out, tmp, true);
  pass(tmp, out, false);
  return out;
}

/** Blends crop pixels that fall outside the photo toward a blurred copy and the mean colour. */
function softenOutside(crop: Float32Array, n: number, toPhoto: Affine, image: RgbImage): void {
  // The crop is convex: if its four corners are inside the photo, every pixel is.
  const inside = [0, n].every((u) =>
    [0, n].every((v) => outsideDistance(toPhoto[0] * u + toPhoto[1] * v + toPhoto[2], toPhoto[3] * u + toPhoto[4] * v + toPhoto[5], image.width, image.height) === 0),
  );
  if (inside) return;
  const dist = new Float32Array(n * n);
  let any = false;
  for (let j = 0, i = 0; j < n; j++) {
    for (let k = 0; k < n; k++, i++) {
      const u = k + 0.5;
      const v = j + 0.5;
      dist[i] = outsideDistance(toPhoto[0] * u + toPhoto[1] * v + toPhoto[2], toPhoto[3] * u + toPhoto[4] * v + toPhoto[5], image.width, image.height);
      if (dist[i]! > 0) any = true;
    }
  }
  if (!any) return;
  const side = n * affineScale(toPhoto); // crop side in photo px
  const blurred = boxBlur(crop, n, Math.max(1, Math.round(n * 0.02)));
  const mean = [0, 0, 0];
  for (let i = 0; i < n * n; i++) for (let c = 0; c < 3; c++) mean[c]! += crop[i * 3 + c]! / (n * n);
  for (let i = 0; i < n * n; i++) {
    const d = dist[i]!;
    if (d <= 0) continue;
    const wBlur = Math.min(1, d / (0.02 * side));
    const wMean = Math.min(0.6, d / (0.4 * side));
    for (let c = 0; c < 3; c++) {
      const o = i * 3 + c;
      const b = crop[o]! + (blurred[o]! - crop[o]!) * wBlur;
      crop[o] = b + (mean[c]! - b) * wMean;
    }
  }
}

/**
 * The photo region under the crop, shrunk by sharp (area-correct, antialiased) to `scale`, so
 * the bilinear warp that follows samples at about one source pixel per crop pixel.
 */
async function shrunkRegion(image: RgbImage, toPhoto: Affine, n: number, scale: number): Promise<{ source: RgbImage; toSource: Affine }> {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [u, v] of [[0, 0], [n, 0], [0, n], [n, n]] as const) {
    xs.push(toPhoto[0] * u + toPhoto[1] * v + toPhoto[2]);
    ys.push(toPhoto[3] * u + toPhoto[4] * v + toPhoto[5]);
  }
  const pad = 0.1 * (Math.max(...xs) - Math.min(...xs));
  const left = Math.max(0, Math.floor(Math.min(...xs) - pad));
  const top = Math.max(0, Math.floor(Math.min(...ys) - pad));
  const right = Math.min(image.width, Math.ceil(Math.max(...xs) + pad));
  const bottom = Math.min(image.height, Math.ceil(Math.max(...ys) + pad));
  if (right - left < 2 || bottom - top < 2) return { source: image, toSource: toPhoto };
  const width = Math.max(2, Math.round((right - left) * scale));
  const height = Math.max(2, Math.round((bottom - top) * scale));
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  const sx = width / (right - left);
  const sy = height / (bottom - top);
  return {
    source: { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height },
    toSource: composeAffine([sx, 0, -left * sx, 0, sy, -top * sy], toPhoto),
  };
}

/** Cuts the canonical crop of the face with `landmarks` out of `image`, `size` px square. */
export async function alignFace(image: RgbImage, landmarks: Landmarks, size: number): Promise<AlignedFace> {
  if (!Number.isInteger(size) || size < 8 || size > 4096) throw new RangeError(`crop size must be a whole number from 8 to 4096, got ${size}`);
  const toPhoto = alignmentTransform(landmarks, size);
  const nativeSize = size * affineScale(toPhoto);
  // Work at twice the output size at most: a big face is first shrunk by sharp (antialiased),
  // then warped bilinearly, then reduced to `size` with lanczos.
  const n = Math.max(size, Math.min(2 * size, Math.round(nativeSize)));
  const toPhotoN = composeAffine(toPhoto, [size / n, 0, 0, 0, size / n, 0]);
  const scale = n / nativeSize;
  const { source, toSource } = scale < 0.9 ? await shrunkRegion(image, toPhotoN, n, scale) : { source: image, toSource: toPhotoN };
  const crop = warpRgb(source, toSource, n, n, 'reflect');
  softenOutside(crop, n, toPhotoN, image);
  const clamped = new Uint8ClampedArray(crop.length);
  for (let i = 0; i < crop.length; i++) clamped[i] = Math.round(crop[i]!);
  const bytes = new Uint8Array(clamped.buffer);
  let pixels = bytes;
  if (n !== size) {
    const out = await sharp(bytes, { raw: { width: n, height: n, channels: 3 } }).resize(size, size, { kernel: 'lanczos3' }).raw().toBuffer();
    pixels = new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  return { size, pixels, toPhoto, toCrop: invertAffine(toPhoto), nativeSize };
}
