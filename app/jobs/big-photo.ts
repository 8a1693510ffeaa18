// Speed-ups for full-size photos (12 MP and up) in batch work, with the same results as the
// faces module's general-purpose functions: detection on a scaled copy (landmarks scaled back),
// alignment from a scaled copy of just the face's region, and paste-back that adds the model's
// delta in place, sampling it directly over the face ellipse only.
import sharp from 'sharp';
import { affineScale, composeAffine, invertAffine } from '../faces/affine.js';
import { alignFace, alignmentTransform, type AlignedFace } from '../faces/align.js';
import type { FaceDetector } from '../faces/detect.js';
import type { Affine, Face, Landmarks, Point } from '../faces/types.js';
import type { RgbImage } from '../imaging/decode.js';

/** Photos are searched for faces at this longest side at most. */
export const DETECT_MAX_SIDE = 1600;

async function resizeRaw(image: RgbImage, region: { left: number; top: number; width: number; height: number }, width: number, height: number): Promise<RgbImage> {
  let p = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (region.left || region.top || region.width !== image.width || region.height !== image.height) p = p.extract(region);
  const data = await p.resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

const scalePoint = (p: Point, k: number): Point => [p[0] * k, p[1] * k];

/** Faces of `image` found on a copy at most DETECT_MAX_SIDE px long, in the photo's coordinates. */
export async function detectScaled(detector: FaceDetector, image: RgbImage, minFaceSize: number): Promise<Face[]> {
  const k = Math.min(1, DETECT_MAX_SIDE / Math.max(image.width, image.height));
  if (k >= 1) return detector.detect(image, { minFaceSize });
  const w = Math.max(1, Math.round(image.width * k));
  const h = Math.max(1, Math.round(image.height * k));
  const small = await resizeRaw(image, { left: 0, top: 0, width: image.width, height: image.height }, w, h);
  const kx = image.width / w;
  const found = await detector.detect(small, { minFaceSize: Math.max(16, minFaceSize / kx) });
  return found.map((f) => {
    const l = f.landmarks;
    const landmarks: Landmarks = {
      leftEye: scalePoint(l.leftEye, kx),
      rightEye: scalePoint(l.rightEye, kx),
      nose: scalePoint(l.nose, kx),
      mouthLeft: scalePoint(l.mouthLeft, kx),
      mouthRight: scalePoint(l.mouthRight, kx),
    };
    return { ...f, landmarks, box: { x: f.box.x * kx, y: f.box.y * kx, width: f.box.width * kx, height: f.box.height * kx } };
  });
}

function cropCorners(toPhoto: Affine, size: number): Point[] {
  return [
    [0, 0],
    [size, 0],
    [0, size],
    [size, size],
  ].map(([u, v]) => [toPhoto[0] * u! + toPhoto[1] * v! + toPhoto[2], toPhoto[3] * u! + toPhoto[4] * v! + toPhoto[5]] as Point);
}

/**
 * The canonical crop like alignFace, but cut from a copy of the face's region scaled so the
 * crop is about `oversample` x size px before the final filter: the cost no longer grows with
 * the photo's resolution. toPhoto / toCrop / nativeSize refer to the full photo.
 */
export async function alignScaled(image: RgbImage, landmarks: Landmarks, size: number, oversample = 4): Promise<AlignedFace> {
  const toPhoto = alignmentTransform(landmarks, size);
  const native = size * affineScale(toPhoto);
  const target = size * oversample;
  if (native <= target * 1.5) return alignFace(image, landmarks, size);
  const corners = cropCorners(toPhoto, size);
  const margin = native * 0.05;
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0])) - margin));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1])) - margin));
  const x1 = Math.min(image.width, Math.ceil(Math.max(...corners.map((c) => c[0])) + margin));
  const y1 = Math.min(image.height, Math.ceil(Math.max(...corners.map((c) => c[1])) + margin));
  if (x1 - x0 < 2 || y1 - y0 < 2) return alignFace(image, landmarks, size);
  const k = target / native;
  const sw = Math.max(2, Math.round((x1 - x0) * k));
  const sh = Math.max(2, Math.round((y1 - y0) * k));
  const small = await resizeRaw(image, { left: x0, top: y0, width: x1 - x0, height: y1 - y0 }, sw, sh);
  const kx = sw / (x1 - x0);
  const ky = sh / (y1 - y0);
  const to = (p: Point): Point => [(p[0] - x0) * kx, (p[1] - y0) * ky];
  const a = await alignFace(small, { leftEye: to(landmarks.leftEye), rightEye: to(landmarks.rightEye), nose: to(landmarks.nose), mouthLeft: to(landmarks.mouthLeft), mouthRight: to(landmarks.mouthRight) }, size);
  const full = composeAffine([1 / kx, 0, x0, 0, 1 / ky, y0], a.toPhoto);
  return { size, pixels: a.pixels, toPhoto: full, toCrop: invertAffine(full), nativeSize: size * affineScale(full) };
}

/** The change in brightness alone (Rec. 601 luma, in all three planes): a black-and-white
 * photo's face gets the model's edit without the colour the model would add. */
function grayDelta(delta: Float32Array, plane: number): Float32Array {
  const gray = new Float32Array(delta.length);
  for (let i = 0; i < plane; i++) {
    const y = 0.299 * delta[i]! + 0.587 * delta[i + plane]! + 0.114 * delta[i + 2 * plane]!;
    gray[i] = gray[i + plane] = gray[i + 2 * plane] = y;
  }
  return gray;
}

/** Where the model's change to a pixel is this large (levels, the mean over its channels), the
 * photo's own fine detail there starts to give way to the model's face (HAND_OVER_FULL: all of
 * it). Below, the change is added to the photo's detail, which it keeps. */
export const HAND_OVER_FROM = 24;
export const HAND_OVER_FULL = 64;

/**
 * Adds `delta` (3 x S x S model units, the change to `face`'s crop) to `photo` in place,
 * weighted by the feathered face mask; only pixels under the mask are touched.
 *
 * With `before` (3 x S x S: the model's own rendering of the face unedited, decode(eps)), the
 * photo's detail finer than the model's crop (the photo less `before` at that pixel) gives way
 * where the change is large (HAND_OVER_FROM to HAND_OVER_FULL): a face mixed with another one,
 * or a mouth turned to a smile, then shows the model's face there instead of the new shape
 * over the old one's edges (teeth, eyes and lips twice).
 */
export function pasteInPlace(photo: RgbImage, face: Pick<AlignedFace, 'toPhoto' | 'toCrop' | 'size'>, delta: Float32Array, feather = 0.3, before?: Float32Array): void {
  const s = Math.round(Math.sqrt(delta.length / 3));
  if (s < 2 || 3 * s * s !== delta.length) throw new RangeError(`delta must hold 3 x S x S values, got ${delta.length}`);
  if (before && before.length !== delta.length) throw new RangeError(`before must hold as many values as delta (${delta.length}), got ${before.length}`);
  const plane = s * s;
  if (photo.grayscale) {
    delta = grayDelta(delta, plane);
    if (before) before = grayDelta(before, plane);
  }
  const n = face.size;
  // The mask is zero outside this part of the crop (ellipse centre 0.5, 0.56; radii 0.3, 0.38).
  const grow = 1 + feather / 2;
  const u0 = (0.5 - 0.3 * grow) * n;
  const u1 = (0.5 + 0.3 * grow) * n;
  const v0 = (0.56 - 0.38 * grow) * n;
  const v1 = (0.56 + 0.38 * grow) * n;
  const corners = [
    [u0, v0],
    [u1, v0],
    [u0, v1],
    [u1, v1],
  ].map(([u, v]) => [face.toPhoto[0] * u! + face.toPhoto[1] * v! + face.toPhoto[2], face.toPhoto[3] * u! + face.toPhoto[4] * v! + face.toPhoto[5]]);
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]!))));
  const x1 = Math.min(photo.width, Math.ceil(Math.max(...corners.map((c) => c[0]!))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]!))));
  const y1 = Math.min(photo.height, Math.ceil(Math.max(...corners.map((c) => c[1]!))));
  const [a, b, c, d, e, f] = face.toCrop;
  const k = s / n; // crop px -> delta px
  // faceMaskWeight (faces/paste.ts) inlined, without Math.hypot, everything stepped along the row.
  const inner = 1 - feather / 2;
  const outer = 1 + feather / 2;
  const innerSq = inner * inner;
  const outerSq = outer * outer;
  const exStep = a / n / 0.3;
  const eyStep = d / n / 0.38;
  const data = photo.data;
  for (let y = y0; y < y1; y++) {
    const u0r = a * (x0 + 0.5) + b * (y + 0.5) + c;
    const v0r = d * (x0 + 0.5) + e * (y + 0.5) + f;
    // Mask coordinates (ellipse units) and delta coordinates, linear along the row.
    const ex0 = (u0r / n - 0.5) / 0.3;
    const ey0 = (v0r / n - 0.56) / 0.38;
    // Columns where ex^2 + ey^2 < outer^2: solve the quadratic in t = x - x0.
    const qa = exStep * exStep + eyStep * eyStep;
    const qb = 2 * (ex0 * exStep + ey0 * eyStep);
    const qc = ex0 * ex0 + ey0 * ey0 - outerSq;
    const disc = qb * qb - 4 * qa * qc;
    if (disc <= 0 || qa <= 0) continue;
    const root = Math.sqrt(disc);
    const t0 = Math.max(0, Math.floor((-qb - root) / (2 * qa)));
    const t1 = Math.min(x1 - x0, Math.ceil((-qb + root) / (2 * qa)) + 1);
    let ex = ex0 + t0 * exStep;
    let ey = ey0 + t0 * eyStep;
    let px = (u0r + t0 * a) * k - 0.5;
    let py = (v0r + t0 * d) * k - 0.5;
    const pxStep = a * k;
    const pyStep = d * k;
    let o = (y * photo.width + x0 + t0) * 3;
    for (let t = t0; t < t1; t++, ex += exStep, ey += eyStep, px += pxStep, py += pyStep, o += 3) {
      const r2 = ex * ex + ey * ey;
      if (r2 >= outerSq) continue;
      let m = 256;
      if (r2 > innerSq) {
        const w = (outer - Math.sqrt(r2)) / (outer - inner);
        m = 256 * w * w * (3 - 2 * w);
      }
      const cx = px < 0 ? 0 : px > s - 1 ? s - 1 : px;
      const cy = py < 0 ? 0 : py > s - 1 ? s - 1 : py;
      const ix = cx >= s - 1 ? s - 2 : cx | 0;
      const iy = cy >= s - 1 ? s - 2 : cy | 0;
      const fx = cx - ix;
      const fy = cy - iy;
      const b00 = (1 - fx) * (1 - fy);
      const b01 = fx * (1 - fy);
      const b10 = (1 - fx) * fy;
      const b11 = fx * fy;
      const q = iy * s + ix;
      // The change at this pixel, in levels, before the mask (only where the hand-over may apply).
      const q1 = q + plane;
      const q2 = q1 + plane;
      const d0 = before ? (delta[q]! * b00 + delta[q + 1]! * b01 + delta[q + s]! * b10 + delta[q + s + 1]! * b11) * 256 : 0;
      const d1 = before ? (delta[q1]! * b00 + delta[q1 + 1]! * b01 + delta[q1 + s]! * b10 + delta[q1 + s + 1]! * b11) * 256 : 0;
      const d2 = before ? (delta[q2]! * b00 + delta[q2 + 1]! * b01 + delta[q2 + s]! * b10 + delta[q2 + s + 1]! * b11) * 256 : 0;
      const size = (Math.abs(d0) + Math.abs(d1) + Math.abs(d2)) / 3;
      if (!before || size <= HAND_OVER_FROM) {
        // The change added to the photo's own pixel (the same arithmetic with or without `before`).
        const w00 = b00 * m;
        const w01 = b01 * m;
        const w10 = b10 * m;
        const w11 = b11 * m;
        for (let ch = 0, qc = q; ch < 3; ch++, qc += plane) {
          const value = data[o + ch]! + delta[qc]! * w00 + delta[qc + 1]! * w01 + delta[qc + s]! * w10 + delta[qc + s + 1]! * w11 + 0.5;
          data[o + ch] = value <= 0 ? 0 : value >= 255 ? 255 : value | 0;
        }
        continue;
      }
      // A large change: the photo's detail gives way to the model's unedited face (plus the change).
      const mask = m / 256;
      const g = size >= HAND_OVER_FULL ? 1 : (size - HAND_OVER_FROM) / (HAND_OVER_FULL - HAND_OVER_FROM);
      const give = g * g * (3 - 2 * g);
      for (let ch = 0, qc = q; ch < 3; ch++, qc += plane) {
        const model = (before[qc]! * b00 + before[qc + 1]! * b01 + before[qc + s]! * b10 + before[qc + s + 1]! * b11) * 256 + 127.5;
        const own = data[o + ch]!;
        const value = own + mask * ((ch === 0 ? d0 : ch === 1 ? d1 : d2) - give * (own - model)) + 0.5;
        data[o + ch] = value <= 0 ? 0 : value >= 255 ? 255 : value | 0;
      }
    }
  }
}
