// The batch's fast paths give what the faces module's general functions give.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../engine/latent.js';
import { alignFace } from '../faces/align.js';
import { composePhoto } from '../faces/fixtures/compose.js';
import { pasteDelta } from '../faces/paste.js';
import type { Landmarks } from '../faces/types.js';
import { alignScaled, pasteInPlace } from './big-photo.js';

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
