// The face model the studio ships: it loads, its attributes load, and it encodes exactly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveAttributes } from '../jobs/recipe.js';
import { loadBuiltinAttributes } from '../library/builtin-attributes.js';
import { packageRoot, SHIPPED_BUNDLES } from './default-bundle.js';
import { GlowEngine } from './engine.js';
import { sample, seededRandom } from './latent.js';
import { modelToPixels, pixelsToModel } from './pixels.js';
import { maxAbsDiff } from './test-support.js';

const shipped = SHIPPED_BUNDLES.map((b) => join(packageRoot(), b)).filter((dir) => existsSync(join(dir, 'manifest.json')));

test('a face model is shipped', () => {
  assert.ok(shipped.length > 0, `none of ${SHIPPED_BUNDLES.join(', ')} exists`);
});

const ENGINE = fileURLToPath(new URL('./engine.ts', import.meta.url));

for (const dir of shipped) {
  test(`${dir.split('/').pop()}: closing the engine while cancelled runs are still in the worker exits cleanly`, () => {
    // What Ctrl-C in a batch does: runs cancelled mid-way, then close(). Stopping the worker
    // thread inside onnxruntime's native run aborted the process (in a child, so this test
    // can see it happen).
    const script = `
      const { GlowEngine } = await import(${JSON.stringify(ENGINE)});
      const engine = await GlowEngine.open(${JSON.stringify(dir)}, { device: 'cpu' });
      const stop = new AbortController();
      const runs = Array.from({ length: 8 }, () => engine.encode(new Float32Array(engine.imageLength), { signal: stop.signal }).catch((e) => e.name));
      await new Promise((r) => setTimeout(r, 30));
      stop.abort();
      console.log((await Promise.all(runs)).join(','));
      await engine.close();
      console.log('closed');`;
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /AbortError/);
    assert.match(r.stdout, /^closed$/m);
  });

  test(`${dir.split('/').pop()} takes at most 40 MB on disk`, () => {
    const bytes = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .reduce((sum, e) => sum + statSync(join(e.parentPath ?? e.path, e.name)).size, 0);
    assert.ok(bytes <= 40e6, `${(bytes / 1e6).toFixed(1)} MB`);
  });

  test(`${dir.split('/').pop()} loads, with its built-in attributes, and round-trips a face`, async () => {
    const engine = await GlowEngine.open(dir, { device: 'cpu' });
    try {
      const m = engine.manifest;
      const attributes = await loadBuiltinAttributes(dir, m);
      const names = (attributes ?? []).map((a) => a.name);
      for (const name of ['Smiling', 'Eyeglasses', 'Blond_Hair', 'Age', 'Beard']) assert.ok(names.includes(name), `attribute ${name} is shipped`);
      // More beard is a positive amount: Beard is No_Beard reversed (its counts swapped).
      const byName = (n: string) => attributes!.find((a) => a.name === n)!;
      assert.deepEqual(Array.from(byName('Beard').direction.slice(0, 64)), Array.from(byName('No_Beard').direction.slice(0, 64), (v) => -v));
      assert.deepEqual([byName('Beard').positives, byName('Beard').negatives], [byName('No_Beard').negatives, byName('No_Beard').positives]);
      // The studio offers Beard alone; No_Beard stays for the recipes that name it.
      assert.deepEqual([byName('No_Beard').supersededBy, byName('Beard').supersededBy], ['Beard', undefined]);
      assert.equal(resolveAttributes(['beard'], attributes, [], { bundleDir: dir, modelId: m.model_id }).names.beard, 'Beard');
      // The library can be searched by the attributes the model tells on held-out faces
      // (bench/faces/bench-attribute-search.ts); Beard's search is No_Beard's, sides swapped.
      for (const name of ['Smiling', 'Eyeglasses', 'Male']) assert.ok((byName(name).search?.heldOut.balancedAccuracy ?? 0) >= 0.75, `${name} can be searched by`);
      const [beard, noBeard] = [byName('Beard').search!, byName('No_Beard').search!];
      assert.equal(beard.threshold, -noBeard.threshold);
      assert.deepEqual([beard.heldOut.positives, beard.heldOut.found + noBeard.heldOut.falseAlarms], [noBeard.heldOut.negatives, noBeard.heldOut.negatives]);
      assert.ok(typeof m.metrics?.val_bpd === 'number', 'the manifest states validation bits/dim');
      const face = await engine.decode(sample(m.eps_size, 0.7, seededRandom(3)));
      const x = pixelsToModel(modelToPixels(face, m.image_size), m.image_size);
      const back = await engine.decode(await engine.encode(x));
      assert.ok(maxAbsDiff(x, back) < 1e-4, `round-trip error ${maxAbsDiff(x, back)}`);
    } finally {
      await engine.close();
    }
  });
}
