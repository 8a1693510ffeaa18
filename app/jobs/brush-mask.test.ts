import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rasterizeMask, restoreMasked } from './brush-mask.js';

test('a stroke paints its width with round ends; a single point paints a dot', async () => {
  const alpha = await rasterizeMask([{ points: [10, 20, 50, 20], size: 8 }, { points: [80, 80], size: 10 }], 100, 100);
  const at = (x: number, y: number) => alpha[y * 100 + x]!;
  assert.equal(at(30, 20), 255); // on the line
  assert.equal(at(30, 23), 255); // inside its width
  assert.equal(at(30, 30), 0); // outside it
  assert.equal(at(8, 20), 255); // the round cap reaches past the end point
  assert.equal(at(80, 80), 255); // the dot
  assert.equal(at(90, 90), 0);
});

test('restoreMasked puts the original back where the mask paints and nowhere else', async () => {
  const width = 40;
  const height = 20;
  const original = new Uint8Array(width * height * 3).fill(10);
  const edited = { width, height, data: new Uint8Array(width * height * 3).fill(200) };
  await restoreMasked(edited, original, [{ points: [5, 10, 15, 10], size: 6 }]);
  const px = (x: number, y: number) => edited.data[(y * width + x) * 3]!;
  assert.equal(px(10, 10), 10);
  assert.equal(px(30, 10), 200);
  await restoreMasked(edited, original, []); // no strokes: nothing to do
  assert.equal(px(30, 10), 200);
});
