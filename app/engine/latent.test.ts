import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LatentLevel } from './bundle.js';
import { apply, direction, mix, sample, seededRandom } from './latent.js';

const levels: LatentLevel[] = [
  { level: 0, shape: [2, 2, 2], offset: 0, size: 8 },
  { level: 1, shape: [4, 1, 1], offset: 8, size: 4 },
];

test('samples have mean 0 and standard deviation T', () => {
  const eps = sample(200_000, 0.7, seededRandom(5));
  const mean = eps.reduce((s, v) => s + v, 0) / eps.length;
  const std = Math.sqrt(eps.reduce((s, v) => s + (v - mean) ** 2, 0) / eps.length);
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.7) < 0.01, `std ${std}`);
});

test('the same seed gives the same face; temperature 0 gives the mean face', () => {
  assert.deepEqual(sample(11, 1, seededRandom(3)), sample(11, 1, seededRandom(3)));
  assert.notDeepEqual(sample(11, 1, seededRandom(3)), sample(11, 1, seededRandom(4)));
  assert.ok(sample(10, 0).every((v) => v === 0));
  assert.throws(() => sample(10, -1), /temperature must be a finite number >= 0, got -1/);
});

test('a direction is the difference of the mean latents', () => {
  const pos = [Float32Array.of(1, 2), Float32Array.of(3, 4)];
  const neg = [Float32Array.of(0, 0), Float32Array.of(1, 1), Float32Array.of(2, 2)];
  assert.deepEqual(direction(pos, neg), Float32Array.of(1, 2));
  assert.throws(() => direction([], neg), /at least one positive example/);
  assert.throws(() => direction(pos, [Float32Array.of(1)]), /differ in length/);
});

test('an edit adds alpha times each direction, and unknown names are errors', () => {
  const eps = Float32Array.of(1, 1, 1);
  const dirs = { smile: Float32Array.of(1, 0, 0), age: Float32Array.of(0, 2, 0) };
  assert.deepEqual(apply(eps, dirs, { smile: 0.5, age: -1 }), Float32Array.of(1.5, -1, 1));
  assert.deepEqual(eps, Float32Array.of(1, 1, 1), 'the input latent is not modified');
  assert.throws(() => apply(eps, dirs, { beard: 1 }), /unknown attribute 'beard' \(known: smile, age\)/);
  assert.throws(() => apply(eps, dirs, { smile: Number.NaN }), /finite number/);
});

test('mix blends per level: coarse from one face, detail from the other', () => {
  const a = new Float32Array(12).fill(0);
  const b = new Float32Array(12).fill(1);
  const coarseFromB = mix(a, b, [0, 1], levels);
  assert.deepEqual([...coarseFromB.slice(0, 8)], new Array(8).fill(0));
  assert.deepEqual([...coarseFromB.slice(8)], new Array(4).fill(1));
  assert.ok(mix(a, b, 0.25, levels).every((v) => v === 0.25));
  assert.throws(() => mix(a, b, [1], levels), /needs 2 per-level weights, got 1/);
  assert.throws(() => mix(a, new Float32Array(3), 1, levels), /different lengths/);
});
