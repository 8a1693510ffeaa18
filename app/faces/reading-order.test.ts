import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readingOrder } from './reading-order.js';

const face = (name: string, x: number, y: number, size = 100) => ({ name, box: { x, y, width: size, height: size } });
const names = (faces: { name: string }[]) => faces.map((f) => f.name).join(' ');

test('a grid of faces is numbered row by row, each row left to right', () => {
  // Slightly uneven rows, listed in the detector's arbitrary order.
  const grid = [face('b2', 260, 330), face('a3', 500, 20), face('b1', 10, 310), face('a1', 0, 0), face('b3', 520, 300), face('a2', 250, 35)];
  assert.equal(names(readingOrder(grid)), 'a1 a2 a3 b1 b2 b3');
});

test('people standing side by side at different heights stay one row', () => {
  const row = [face('tall', 400, 0), face('short', 0, 45, 90), face('middle', 200, 20)];
  assert.equal(names(readingOrder(row)), 'short middle tall');
});

test('a row of children in front, lower and smaller, is read after the adults', () => {
  const photo = [face('child2', 300, 260, 70), face('adult1', 0, 0, 120), face('child1', 100, 250, 70), face('adult2', 250, 10, 120)];
  assert.equal(names(readingOrder(photo)), 'adult1 adult2 child1 child2');
});

test('no faces, no rows; the input is left as it was', () => {
  assert.deepEqual(readingOrder([]), []);
  const input = [face('b', 200, 0), face('a', 0, 0)];
  readingOrder(input);
  assert.equal(names(input), 'b a');
});
