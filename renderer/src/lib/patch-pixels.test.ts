import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onWhite } from './patch-pixels.js';

test('onWhite composites colours on white as the studio does for the model (imaging/decode.ts), keeping the alpha', () => {
  const rgba = new Uint8ClampedArray([10, 20, 30, 255, 10, 20, 30, 128, 10, 20, 30, 0]);
  // round((c * a + 255 * (255 - a)) / 255)
  assert.deepEqual([...onWhite(rgba)], [10, 20, 30, 255, 132, 137, 142, 128, 255, 255, 255, 0]);
});
