// The library grid's keyboard moves (grid-keys.ts), on a grid of 10 tiles, 4 to a row:
//   0 1 2 3
//   4 5 6 7
//   8 9
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridTarget } from './grid-keys.js';

const all = (_index: number) => true;
const move = (at: number, key: string, focusable = all) => gridTarget(at, key, 4, 10, focusable);

test('arrows move by a tile or a row; Home and End go to the ends; other keys do not move', () => {
  assert.deepEqual([move(5, 'ArrowLeft'), move(5, 'ArrowRight'), move(5, 'ArrowUp'), move(5, 'ArrowDown')], [4, 6, 1, 9]);
  assert.deepEqual([move(5, 'Home'), move(5, 'End')], [0, 9]);
  assert.equal(move(5, 'a'), undefined);
});

test('at the edges the focus stays, but down from above a short last row goes to the last tile', () => {
  assert.deepEqual([move(0, 'ArrowLeft'), move(2, 'ArrowUp'), move(9, 'ArrowRight'), move(9, 'ArrowDown')], [0, 2, 9, 9]);
  assert.equal(move(6, 'ArrowDown'), 9, 'no tile under 6: the last one');
  assert.equal(move(3, 'ArrowRight'), 4, 'the row wraps');
});

test('a tile that cannot take the focus is passed over in the way the key goes', () => {
  const broken = new Set([5, 9]);
  const ok = (i: number) => !broken.has(i);
  assert.deepEqual([move(4, 'ArrowRight', ok), move(6, 'ArrowLeft', ok), move(1, 'ArrowDown', ok)], [6, 4, 6]);
  assert.equal(move(8, 'ArrowRight', ok), 8, 'nothing to go to: it stays');
  assert.equal(move(0, 'End', ok), 8);
});
