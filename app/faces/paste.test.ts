import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RgbImage } from '../imaging/decode.js';
import { applyAffine } from './affine.js';
import { alignFace, type AlignedFace } from './align.js';
import { FaceDetector } from './detect.js';
import { composePhoto } from './fixtures/compose.js';
import { faceMaskWeight, pasteDelta, pasteDeltas } from './paste.js';

const S = 64;
let photo: RgbImage;
let pristine: Uint8Array;
let faces: AlignedFace[];

before(async () => {
  photo = await composePhoto(1600, 1200, [
    { size: 300, x: 450, y: 500 },
    { size: 180, x: 1200, y: 700, angle: -20 },
  ]);
  pristine = new Uint8Array(photo.data);
  const detector = await FaceDetector.open();
  try {
    const found = await detector.detect(photo);
    assert.equal(found.length, 2);
    found.sort((a, b) => a.box.x - b.box.x); // faces[0] is the big one on the left
    faces = await Promise.all(found.map((f) => alignFace(photo, f.landmarks, S)));
  } finally {
    await detector.close();
  }
});

after(() => {
  assert.deepEqual(photo.data, pristine, 'the source photo was never modified');
});

/** The face-mask weight each photo pixel gets from one aligned face. */
function maskAt(face: AlignedFace, x: number, y: number): number {
  const [u, v] = applyAffine(face.toCrop, [x + 0.5, y + 0.5]);
  if (u < 0 || v < 0 || u >= face.size || v >= face.size) return 0;
  return faceMaskWeight(u / face.size, v / face.size);
}

describe('pasteDelta', () => {
  test('align then paste with zero change leaves the photo unchanged', () => {
    const out = pasteDeltas(photo, faces.map((face) => ({ face, delta: new Float32Array(3 * S * S) })));
    let worst = 0;
    for (let i = 0; i < out.data.length; i++) worst = Math.max(worst, Math.abs(out.data[i]! - photo.data[i]!));
    assert.ok(worst <= 1, `max change ${worst} levels (allowed 1/255)`);
    assert.deepEqual(out.data, photo.data, 'in fact bit-identical');
  });

  test('changes the face by the delta and keeps pixels outside the mask bit-identical', () => {
    const face = faces[0]!;
    const delta = new Float32Array(3 * S * S).fill(0.1); // +25.6 levels
    const out = pasteDelta(photo, face, delta);
    let changedOutside = 0;
    let inside = 0;
    let insideOk = 0;
    for (let y = 0; y < photo.height; y += 1) {
      for (let x = 0; x < photo.width; x += 1) {
        const o = (y * photo.width + x) * 3;
        const m = maskAt(face, x, y);
        if (m === 0) {
          if (out.data[o] !== photo.data[o] || out.data[o + 1] !== photo.data[o + 1] || out.data[o + 2] !== photo.data[o + 2]) changedOutside++;
        } else if (m === 1) {
          inside++;
          const expected = Math.min(255, photo.data[o]! + 25.6);
          if (Math.abs(out.data[o]! - expected) <= 1) insideOk++;
        }
      }
    }
    assert.equal(changedOutside, 0, 'pixels outside the mask changed');
    assert.ok(inside > 10000, `${inside} pixels fully inside the mask`);
    assert.equal(insideOk, inside, 'every fully-masked pixel moved by the delta');
  });

  test('a user mask of zeros keeps the photo as it was; a half mask changes one side only', () => {
    const face = faces[0]!;
    const delta = new Float32Array(3 * S * S).fill(-0.2);
    const zero = { data: new Float32Array(photo.width * photo.height), width: photo.width, height: photo.height };
    assert.deepEqual(pasteDelta(photo, face, delta, { userMask: zero }).data, photo.data);
    const half = { data: new Float32Array(photo.width * photo.height), width: photo.width, height: photo.height };
    for (let y = 0; y < photo.height; y++) for (let x = 0; x < 450; x++) half.data[y * photo.width + x] = 1;
    const out = pasteDelta(photo, face, delta, { userMask: half });
    let changedRight = 0;
    let changedLeft = 0;
    for (let y = 0; y < photo.height; y++) {
      for (let x = 0; x < photo.width; x++) {
        const o = (y * photo.width + x) * 3;
        if (out.data[o] === photo.data[o]) continue;
        if (x < 450) changedLeft++;
        else changedRight++;
      }
    }
    assert.equal(changedRight, 0);
    assert.ok(changedLeft > 1000, `${changedLeft} pixels changed left of x = 450`);
  });

  test('refuses a delta of the wrong shape or with NaN, and a mask of the wrong size', () => {
    const face = faces[0]!;
    assert.throws(() => pasteDelta(photo, face, new Float32Array(100)), /3 x S x S values, got 100/);
    const nan = new Float32Array(3 * S * S);
    nan[5] = Number.NaN;
    assert.throws(() => pasteDelta(photo, face, nan), /non-finite value at index 5/);
    const mask = { data: new Float32Array(4), width: 2, height: 2 };
    assert.throws(() => pasteDelta(photo, face, new Float32Array(3 * S * S), { userMask: mask }), /user mask is 2x2/);
  });
});
