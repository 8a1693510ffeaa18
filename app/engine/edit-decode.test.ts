import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEdit } from './edit-decode.js';
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

test('a known failing size skips the strengths that reach it', async () => {
  const calls: number[][] = [];
  const first = await decodeEdit(engineFailingAbove(2.5, calls), eps, edited);
  assert.equal(first.failedAt, 3); // 0.75 of the size-4 edit failed
  calls.length = 0;
  const again = await decodeEdit(engineFailingAbove(2.5, calls), eps, edited, { knownFailure: first.failedAt });
  assert.equal(again.strength, 0.5);
  assert.deepEqual(calls, [[2, 1]]);
});
