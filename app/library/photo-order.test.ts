// The name order: as a file manager sorts names (any case, numbers by value, a folder's own
// photos together).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { nameKey } from './photo-order.js';

const byKey = (paths: string[]) => [...paths].sort((a, b) => (nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : 0));

test('numbers sort by value, letters in any case, leading zeros as the number', () => {
  const names = ['IMG_10.jpg', 'img_2.jpg', 'IMG_1.jpg', 'Beach.jpg', 'apple.jpg', 'IMG_0003.jpg', 'photo 100.png', 'photo 20.png'];
  assert.deepEqual(byKey(names), ['apple.jpg', 'Beach.jpg', 'IMG_1.jpg', 'img_2.jpg', 'IMG_0003.jpg', 'IMG_10.jpg', 'photo 20.png', 'photo 100.png']);
});

test("a folder's own photos come before those of a folder whose name goes on", () => {
  const paths = [join('/p', 'trip 2', 'a.jpg'), join('/p', 'trip', 'z.jpg'), join('/p', 'trip', 'sub', 'b.jpg'), join('/p', 'trip-old', 'c.jpg')];
  assert.deepEqual(byKey(paths), [join('/p', 'trip', 'sub', 'b.jpg'), join('/p', 'trip', 'z.jpg'), join('/p', 'trip 2', 'a.jpg'), join('/p', 'trip-old', 'c.jpg')]);
});
