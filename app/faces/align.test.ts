import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { decodeImage, type RgbImage } from '../imaging/decode.js';
import { applyAffine, composeAffine, invertAffine } from './affine.js';
import { alignFace, alignmentTransform } from './align.js';
import { ASTRONAUT } from './fixtures/compose.js';
import type { Landmarks, Point } from './types.js';

// Landmarks of astronaut.jpg read by eye from a 4x zoom (see detect.test.ts).
const ASTRONAUT_LANDMARKS: Landmarks = { leftEye: [202, 101], rightEye: [247, 103], nose: [224, 129], mouthLeft: [204, 142], mouthRight: [244, 143] };

function mapLandmarks(l: Landmarks, f: (p: Point) => Point): Landmarks {
  return { leftEye: f(l.leftEye), rightEye: f(l.rightEye), nose: f(l.nose), mouthLeft: f(l.mouthLeft), mouthRight: f(l.mouthRight) };
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

describe('alignmentTransform', () => {
  const l: Landmarks = { leftEye: [100, 100], rightEye: [140, 100], nose: [120, 125], mouthLeft: [105, 150], mouthRight: [135, 150] };

  test('puts the eyes and mouth where the FFHQ recipe does, at any size', () => {
    for (const size of [64, 256, 1024]) {
      // FFHQ for this face: centre (120, 105), half-side 90, so the crop spans (30, 15)..(210, 195).
      const toUnit = composeAffine([1 / size, 0, 0, 0, 1 / size, 0], invertAffine(alignmentTransform(l, size)));
      const inv = (p: Point) => applyAffine(toUnit, p);
      const near = (p: Point, q: Point) => assert.ok(Math.hypot(p[0] - q[0], p[1] - q[1]) < 1e-9, `${p} vs ${q}`);
      near(inv(l.leftEye), [70 / 180, 85 / 180]);
      near(inv(l.rightEye), [110 / 180, 85 / 180]);
      near(inv(l.mouthLeft), [75 / 180, 135 / 180]);
    }
  });

  test('is a similarity, and the same crop whatever the face roll', () => {
    const t = alignmentTransform(l, 64);
    assert.ok(Math.abs(t[0] - t[4]) < 1e-12 && Math.abs(t[1] + t[3]) < 1e-12, 'rotation + uniform scale');
    const angle = (30 * Math.PI) / 180;
    const rot = ([x, y]: Point): Point => [Math.cos(angle) * x - Math.sin(angle) * y + 7, Math.sin(angle) * x + Math.cos(angle) * y - 3];
    const r = alignmentTransform(mapLandmarks(l, rot), 64);
    for (const p of [[0, 0], [64, 0], [32, 50]] as Point[]) {
      const a = rot(applyAffine(t, p));
      const b = applyAffine(r, p);
      assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1]) < 1e-9);
    }
  });
});

describe('alignFace', () => {
  test('returns the crop with its transform and inverse', async () => {
    const image = await decodeImage(ASTRONAUT);
    const a = await alignFace(image, ASTRONAUT_LANDMARKS, 64);
    assert.equal(a.pixels.length, 64 * 64 * 3);
    const round = composeAffine(a.toCrop, a.toPhoto);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => assert.ok(Math.abs(round[i]! - v) < 1e-9));
    assert.ok(a.nativeSize > 150 && a.nativeSize < 250, `native size ${a.nativeSize}`);
  });

  test('gives the same upright crop for a photo turned 30 degrees', async () => {
    const image = await decodeImage(ASTRONAUT);
    const turned = await sharp(ASTRONAUT).rotate(30, { background: '#000' }).raw().toBuffer({ resolveWithObject: true });
    const rotated: RgbImage = { data: new Uint8Array(turned.data), width: turned.info.width, height: turned.info.height };
    const t = Math.PI / 6;
    const rot = ([x, y]: Point): Point => [
      rotated.width / 2 + Math.cos(t) * (x - 256) - Math.sin(t) * (y - 256),
      rotated.height / 2 + Math.sin(t) * (x - 256) + Math.cos(t) * (y - 256),
    ];
    const a = await alignFace(image, ASTRONAUT_LANDMARKS, 128);
    const b = await alignFace(rotated, mapLandmarks(ASTRONAUT_LANDMARKS, rot), 128);
    const diff = meanAbsDiff(a.pixels, b.pixels);
    assert.ok(diff < 8, `mean difference ${diff.toFixed(2)} levels`);
  });

  test('a big face shrunk to a small crop matches the full-resolution crop scaled down', async () => {
    const image = await decodeImage(ASTRONAUT);
    const big = await alignFace(image, ASTRONAUT_LANDMARKS, 200); // about native: no pre-shrink
    const small = await alignFace(image, ASTRONAUT_LANDMARKS, 32); // shrunk by sharp first
    const ref = await sharp(big.pixels, { raw: { width: 200, height: 200, channels: 3 } }).resize(32, 32, { kernel: 'lanczos3' }).raw().toBuffer();
    const diff = meanAbsDiff(small.pixels, new Uint8Array(ref));
    assert.ok(diff < 4, `mean difference ${diff.toFixed(2)} levels`);
  });

  test('mirrors the photo past its edge instead of stretching the edge pixels', async () => {
    // A horizontal ramp: column x has value 2x. Edge stretching would give 0 left of x = 0.
    const w = 200;
    const h = 200;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(Math.min(255, 2 * x), (y * w + x) * 3, (y * w + x) * 3 + 3);
    const image: RgbImage = { data, width: w, height: h };
    const l: Landmarks = { leftEye: [30, 90], rightEye: [70, 90], nose: [50, 110], mouthLeft: [35, 140], mouthRight: [65, 140] };
    const size = 180; // native resolution: one crop pixel per photo pixel
    const a = await alignFace(image, l, size);
    // Crop pixel whose centre maps to photo x = -25, mid-height.
    const [u, v] = applyAffine(a.toCrop, [-25, 100]);
    const value = a.pixels[(Math.floor(v) * size + Math.floor(u)) * 3]!;
    assert.ok(value > 20 && value < 110, `outside pixel ${value}: expected the mirrored ramp (about 50), blurred toward the mean`);
    // Inside the photo the crop is the photo itself.
    const [ui, vi] = applyAffine(a.toCrop, [100.5, 100.5]);
    const inside = a.pixels[(Math.floor(vi) * size + Math.floor(ui)) * 3]!;
    assert.ok(Math.abs(inside - 200) <= 3, `inside pixel ${inside}, expected about 200`);
  });

  test('refuses a bad size', async () => {
    const image = await decodeImage(ASTRONAUT);
    await assert.rejects(alignFace(image, ASTRONAUT_LANDMARKS, 0), /crop size must be a whole number/);
    await assert.rejects(alignFace(image, ASTRONAUT_LANDMARKS, 64.5), /crop size/);
  });
});
