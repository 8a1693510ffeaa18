import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEdit, looksWild } from './edit-decode.js';
import { UndecodableLatentError, type GlowEngine } from './engine.js';

/** An engine whose decoder, like a weak model's, fails on latents with any value above `limit`. */
function engineFailingAbove(limit: number, calls: number[][] = []): GlowEngine {
  return {
    decode: async (eps: Float32Array) => {
      calls.push([...eps]);
      if (eps.some((v) => Math.abs(v) > limit)) throw new UndecodableLatentError();
      return eps.map((v) => v / 10);
    },
  } as unknown as GlowEngine;
}

const eps = Float32Array.from([0, 1]);
const edited = Float32Array.from([4, 1]);

test('an edit the model can render is decoded as asked', async () => {
  const r = await decodeEdit(engineFailingAbove(10), eps, edited);
  assert.equal(r.strength, 1);
  assert.deepEqual([...r.image], [0.4, 0.1].map((v) => Math.fround(v)));
});

test('a too-strong edit is weakened to the strongest fraction that decodes', async () => {
  const calls: number[][] = [];
  const r = await decodeEdit(engineFailingAbove(2.5, calls), eps, edited);
  assert.equal(r.strength, 0.5);
  assert.deepEqual(calls, [[4, 1], [3, 1], [2, 1]]);
});

test('when nothing decodes, or the engine fails otherwise, the error comes through', async () => {
  await assert.rejects(decodeEdit(engineFailingAbove(0.5), eps, edited), UndecodableLatentError);
  const broken = { decode: async () => Promise.reject(new Error('the engine was closed')) } as unknown as GlowEngine;
  await assert.rejects(decodeEdit(broken, eps, edited), /the engine was closed/);
});

test('a known limit: below it, strengths that reach the failing size are skipped', async () => {
  const calls: number[][] = [];
  const first = await decodeEdit(engineFailingAbove(2.5, calls), eps, edited);
  assert.deepEqual(first.limit, { failedAt: 3, goodAt: 2 }); // 0.75 of the size-4 edit failed, 0.5 decoded
  calls.length = 0;
  const smaller = await decodeEdit(engineFailingAbove(2.5, calls), eps, Float32Array.from([2.4, 1]), { limit: { failedAt: 3 } });
  assert.equal(smaller.strength, 1);
  assert.deepEqual(calls, [[2.4, 1]].map((c) => c.map(Math.fround)));
});

test('past a known limit, the largest size known to decode, in one run', async () => {
  const calls: number[][] = [];
  const r = await decodeEdit(engineFailingAbove(2.5, calls), eps, Float32Array.from([5, 1]), { limit: { failedAt: 3, goodAt: 2 } });
  assert.equal(r.strength, 2 / 5);
  assert.deepEqual(calls, [[2, 1]]);
  assert.deepEqual(r.limit, { failedAt: 3, goodAt: 2 });
});

test('a decode with blotches of wild colour counts as a failure too', async () => {
  // Like a weak model just short of failing: finite, but far outside the valid range.
  const calls: number[] = [];
  const engine = {
    decode: async (e: Float32Array) => {
      calls.push(e[0]!);
      return Float32Array.from({ length: 4000 }, (_, i) => (i < 10 && e[0]! > 2.5 ? 3 : 0.1));
    },
  } as unknown as GlowEngine;
  const r = await decodeEdit(engine, eps, edited);
  assert.equal(r.strength, 0.5);
  assert.deepEqual(calls, [4, 3, 2]);
  assert.deepEqual(r.limit, { failedAt: 3, goodAt: 2 });
});

test('looksWild: a few overshooting pixels are an edit, a blotch is not', () => {
  const image = new Float32Array(10_000).fill(0.2);
  image.fill(0.9, 0, 500); // bright teeth: inside the overshoot an edit may have
  image.fill(-1.2, 500, 504); // four stray values
  assert.equal(looksWild(image), false);
  image.fill(2, 600, 610);
  assert.equal(looksWild(image), true);
});
