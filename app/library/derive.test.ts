// Deriving an attribute from tagged latents: both methods find a planted direction, report
// leave-one-out accuracy, warn on too few examples, and project out chosen directions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sample, seededRandom } from '../engine/latent.js';
import { deriveAttribute, projectOut } from './derive.js';

const size = 768;
const random = seededRandom(7);
const signal = sample(size, 1, random);
const age = sample(size, 1, random);

function faces(count: number, sign: number): Float32Array[] {
  return Array.from({ length: count }, () => {
    const noise = sample(size, 1, random);
    const a = random() - 0.5;
    return Float32Array.from(noise, (v, i) => v + sign * 0.25 * signal[i]! + a * age[i]!);
  });
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
};

test('mean difference and the ridge classifier both find the planted direction, with leave-one-out accuracy', () => {
  const r = deriveAttribute({ positives: faces(30, 1), negatives: faces(30, -1) });
  assert.ok(r.meanDiffAccuracy >= 0.85, `mean difference accuracy ${r.meanDiffAccuracy}`);
  assert.ok(r.classifierAccuracy >= 0.85, `classifier accuracy ${r.classifierAccuracy}`);
  assert.ok(cosine(r.direction, signal) > 0.5, `cosine ${cosine(r.direction, signal)}`);
  assert.deepEqual(r.warnings, []);
  const ridge = deriveAttribute({ positives: faces(30, 1), negatives: faces(30, -1), method: 'ridge' });
  assert.equal(ridge.method, 'ridge');
  assert.ok(cosine(ridge.direction, signal) > 0.3, 'cosine(ridge.direction, signal) > 0.3');
});

test('labels that carry no signal give chance-level accuracy, and say so', () => {
  const r = deriveAttribute({ positives: faces(20, 0), negatives: faces(20, 0) });
  assert.ok(r.meanDiffAccuracy < 0.75 && r.classifierAccuracy < 0.75, `${r.meanDiffAccuracy} ${r.classifierAccuracy}`);
  assert.match(r.warnings.join(), /hardly better than guessing \(\d+% against 50%\)/);
});

test('too few examples warn; one side missing is an error', () => {
  const r = deriveAttribute({ positives: faces(3, 1), negatives: faces(8, -1) });
  assert.match(r.warnings.join(), /only 3 faces with and 8 without .* at least 5 of each/);
  assert.throws(() => deriveAttribute({ positives: faces(4, 1), negatives: [] }), /4 with and 0 without/);
});

test('projecting out a built-in direction leaves the result orthogonal to it', () => {
  const r = deriveAttribute({ positives: faces(20, 1), negatives: faces(20, -1), projectOut: [{ name: 'Age', direction: age }] });
  assert.ok(Math.abs(cosine(r.direction, age)) < 1e-5, 'Math.abs(cosine(r.direction, age)) < 1e-5');
  assert.deepEqual(r.projectedOut, ['Age']);
  const two = projectOut(signal, [age, Float32Array.from(age, (v) => 2 * v), sample(size, 1, random)]);
  assert.ok(Math.abs(cosine(two, age)) < 1e-5, 'Math.abs(cosine(two, age)) < 1e-5');
});
