// The batch's fast paths give what the faces module's general functions give.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../engine/latent.js';
import { alignFace } from '../faces/align.js';
import { composePhoto } from '../faces/fixtures/compose.js';
import { pasteDelta } from '../faces/paste.js';
import type { Landmarks } from '../faces/types.js';
import { pixelsToModel } from '../engine/pixels.js';
import { alignScaled, HAND_OVER_FROM, HAND_OVER_FULL, pasteInPlace } from './big-photo.js';

const landmarks = (cx: number, cy: number, w: number): Landmarks => ({
  leftEye: [cx - 0.2 * w, cy - 0.1 * w],
  rightEye: [cx + 0.2 * w, cy - 0.08 * w],
  nose: [cx, cy + 0.05 * w],
  mouthLeft: [cx - 0.15 * w, cy + 0.25 * w],
  mouthRight: [cx + 0.15 * w, cy + 0.26 * w],
});

test('alignScaled matches alignFace on a big face (mean error under 2 levels)', async () => {
  const photo = await composePhoto(1600, 1200, [{ size: 700, x: 800, y: 600 }]);
  const l = landmarks(800, 600, 700);
  const [slow, fast] = await Promise.all([alignFace(photo, l, 64), alignScaled(photo, l, 64)]);
  let err = 0;
  for (let i = 0; i < slow.pixels.length; i++) err += Math.abs(slow.pixels[i]! - fast.pixels[i]!);
  assert.ok(err / slow.pixels.length < 2, `mean error ${err / slow.pixels.length}`);
  // The scaled region can be a fraction of a pixel off square: agree to 0.5% in scale and a
  // quarter of a crop pixel in position.
  const scale = Math.hypot(slow.toPhoto[0], slow.toPhoto[1]);
  for (let i = 0; i < 6; i++) {
    const tolerance = i % 3 === 2 ? 0.25 * scale : 0.005 * scale;
    assert.ok(Math.abs(slow.toPhoto[i]! - fast.toPhoto[i]!) < tolerance, `toPhoto ${slow.toPhoto} vs ${fast.toPhoto}`);
  }
});

test('pasteInPlace adds the same change as pasteDelta (within rounding)', async () => {
  const photo = await composePhoto(600, 400, [{ size: 200, x: 300, y: 200 }]);
  const face = await alignFace(photo, landmarks(300, 200, 200), 32);
  const random = seededRandom(3);
  // A smooth delta, as the model's changes are.
  const delta = Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => 0.05 * Math.sin((i % 32) / 5) + 0.01 * (random() - 0.5));
  const expected = pasteDelta(photo, face, delta);
  const copy = { data: Uint8Array.from(photo.data), width: photo.width, height: photo.height };
  pasteInPlace(copy, face, delta);
  let worst = 0;
  let changed = 0;
  for (let i = 0; i < copy.data.length; i++) {
    worst = Math.max(worst, Math.abs(copy.data[i]! - expected.data[i]!));
    if (copy.data[i] !== photo.data[i]) changed++;
  }
  assert.ok(changed > 1000, 'changed > 1000');
  assert.ok(worst <= 3, `largest difference ${worst}`);
});

test('pasteInPlace keeps a black-and-white photo black and white: the change in brightness, not the colour', async () => {
  const colour = await composePhoto(600, 400, [{ size: 200, x: 300, y: 200 }]);
  const data = new Uint8Array(colour.data.length);
  for (let i = 0; i < data.length; i += 3) data[i] = data[i + 1] = data[i + 2] = Math.round((colour.data[i]! + colour.data[i + 1]! + colour.data[i + 2]!) / 3);
  const photo = { data, width: colour.width, height: colour.height, grayscale: true };
  const face = await alignFace(photo, landmarks(300, 200, 200), 32);
  // A strongly coloured change: red up, blue down.
  const delta = Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => (i < 1024 ? 0.1 : i >= 2048 ? -0.05 : 0.02));
  const before = Uint8Array.from(data);
  pasteInPlace(photo, face, delta);
  let changed = 0;
  for (let i = 0; i < data.length; i += 3) {
    assert.ok(data[i] === data[i + 1] && data[i + 1] === data[i + 2], `pixel ${i / 3} is (${data.subarray(i, i + 3).join(', ')})`);
    if (data[i] !== before[i]) changed++;
  }
  assert.ok(changed > 1000, `only ${changed} pixels changed`);
});

test("with the model's unedited face: a small change is added to the photo's detail as before; a large one hands the detail over to the model's face", async () => {
  const photo = await composePhoto(600, 400, [{ size: 200, x: 300, y: 200 }]);
  // Fine detail, far finer than the model's 32 px crop (skin, teeth and lashes are).
  const random = seededRandom(5);
  for (let i = 0; i < photo.data.length; i++) photo.data[i] = Math.max(0, Math.min(255, photo.data[i]! + Math.round((random() - 0.5) * 40)));
  const face = await alignFace(photo, landmarks(300, 200, 200), 32);
  const before = pixelsToModel(face.pixels, 32); // the model's face unedited: the crop itself
  const pasted = (delta: Float32Array, withBefore: boolean) => {
    const copy = { data: Uint8Array.from(photo.data), width: photo.width, height: photo.height };
    pasteInPlace(copy, face, delta, undefined, withBefore ? before : undefined);
    return copy.data;
  };
  // Under HAND_OVER_FROM levels: the same pixels with or without the model's face.
  const small = new Float32Array(3 * 32 * 32).fill((HAND_OVER_FROM - 4) / 256);
  assert.deepEqual(pasted(small, true), pasted(small, false));
  // Over HAND_OVER_FULL: at the face's centre the pixels are the model's face plus the change,
  // smooth as the model's 32 px face is, where the photo's own detail stays without it.
  const large = new Float32Array(3 * 32 * 32).fill(-(HAND_OVER_FULL + 16) / 256);
  const [handed, added] = [pasted(large, true), pasted(large, false)];
  const centre = face.toPhoto; // crop (16, 17) -> photo: the middle of the face ellipse
  const [cx, cy] = [Math.round(centre[0] * 16 + centre[1] * 17 + centre[2]), Math.round(centre[3] * 16 + centre[4] * 17 + centre[5])];
  // Detail: the mean step between horizontal neighbours, over a patch at the centre.
  const detail = (data: Uint8Array) => {
    let sum = 0;
    let n = 0;
    for (let y = cy - 10; y < cy + 10; y++) {
      for (let x = cx - 10; x < cx + 10; x++) {
        for (let ch = 0; ch < 3; ch++) sum += Math.abs(data[(y * photo.width + x + 1) * 3 + ch]! - data[(y * photo.width + x) * 3 + ch]!);
        n += 3;
      }
    }
    return sum / n;
  };
  assert.ok(detail(handed) < detail(added) / 2, `detail at the centre: ${detail(handed).toFixed(2)} handed over, ${detail(added).toFixed(2)} added to`);
  // Outside the face's mask, nothing moves either way.
  for (const data of [handed, added]) for (const i of [0, 3 * (photo.width * 5 + 5), data.length - 3]) assert.equal(data[i], photo.data[i]);
});
