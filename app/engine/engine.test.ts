import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { AbortError, GlowEngine } from './engine.js';
import { DeviceError } from './execution-provider.js';
import { fixtureDir, maxAbsDiff, testImage } from './test-support.js';

describe('GlowEngine on the fixture bundle', () => {
  let engine: GlowEngine;
  before(async () => {
    engine = await GlowEngine.open(fixtureDir, { device: 'auto' });
  });
  after(() => engine.close());

  test('reports the execution provider that ran (auto falls back to CPU here)', () => {
    assert.ok(['cpu', 'cuda'].includes(engine.provider));
    if (engine.provider === 'cpu') assert.match(engine.fallbackReason ?? '', /CUDA/);
  });

  test('encode then decode reproduces the image to 1e-4', async () => {
    const image = testImage(engine.imageLength);
    const eps = await engine.encode(image);
    assert.equal(eps.length, engine.manifest.eps_size);
    const back = await engine.decode(eps);
    assert.ok(maxAbsDiff(image, back) < 1e-4, `round-trip error ${maxAbsDiff(image, back)}`);
  });

  test('concurrent requests are batched and each caller gets its own result', async () => {
    const images = Array.from({ length: 10 }, (_, i) => testImage(engine.imageLength, i + 10));
    const alone = await engine.encode(images[3]!);
    const before = { ...engine.stats };
    const all = await Promise.all(images.map((im) => engine.encode(im)));
    const runs = engine.stats.runs - before.runs;
    assert.equal(engine.stats.items - before.items, 10);
    assert.ok(runs < 10, `10 concurrent encodes took ${runs} model runs`);
    assert.ok(maxAbsDiff(all[3]!, alone) < 1e-5);
  });

  test('a pending request can be cancelled without disturbing the others', async () => {
    const controller = new AbortController();
    const eps = await engine.encode(testImage(engine.imageLength));
    const first = engine.decode(eps);
    const cancelled = engine.decode(eps, { signal: controller.signal });
    const last = engine.decode(eps);
    controller.abort();
    await assert.rejects(cancelled, AbortError);
    const [a, b] = await Promise.all([first, last]);
    assert.ok(maxAbsDiff(a, b) === 0);
  });

  test('requests sharing a signal add one abort listener, and aborting releases them all', async () => {
    // A batch's signal covers every face in progress: a listener per request had Node warn of a
    // leak (MaxListenersExceededWarning) on a photo of 20 faces.
    const controller = new AbortController();
    const eps = await engine.encode(testImage(engine.imageLength));
    const shared = Array.from({ length: 20 }, () => engine.decode(eps, { signal: controller.signal }));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    const other = engine.decode(eps);
    controller.abort();
    for (const request of shared) await assert.rejects(request, AbortError);
    assert.equal((await other).length, engine.imageLength);
  });

  test('a latent that decodes to non-finite values is an error, not a broken image', async () => {
    const wild = new Float32Array(engine.manifest.eps_size).fill(1e30);
    await assert.rejects(engine.decode(wild), /cannot decode this latent .* smaller slider amounts/);
  });

  test('an input of the wrong length is refused with the expected size', async () => {
    await assert.rejects(engine.encode(new Float32Array(5)), /5 values, the model expects 3072/);
  });

  test('inference runs off the event loop', async () => {
    const eps = await engine.encode(testImage(engine.imageLength));
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 16 }, () => engine.decode(eps)));
    clearInterval(timer);
    // 200 ms is the UI's long-task budget (a loaded CI machine adds scheduling noise).
    assert.ok(longestGap < 200, `event loop stalled for ${longestGap.toFixed(0)} ms`);
  });
});

test('device "cuda" fails with a clear message where CUDA cannot load', async (t) => {
  let engine: GlowEngine | undefined;
  try {
    engine = await GlowEngine.open(fixtureDir, { device: 'cuda' });
  } catch (err) {
    assert.ok(err instanceof DeviceError);
    assert.match(err.message, /CUDA execution provider unavailable: .+ choose the cpu device/);
    return;
  }
  t.diagnostic('CUDA loaded on this machine');
  assert.equal(engine.provider, 'cuda');
  await engine.close();
});

test('device "cpu" never tries CUDA', async () => {
  const engine = await GlowEngine.open(fixtureDir, { device: 'cpu' });
  assert.equal(engine.provider, 'cpu');
  assert.equal(engine.fallbackReason, undefined);
  await engine.close();
});
