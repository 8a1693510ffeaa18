// The batch context the studio and the CLI both build: the recipe's directions by the caller's
// lookup, the mix partner's latent, the job's smallest face.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { GlowEngine } from '../engine/engine.js';
import { fixtureDir } from '../engine/test-support.js';
import { FaceDetector } from '../faces/detect.js';
import { Library } from '../library/library.js';
import { createBatchJob } from './batch.js';
import { batchContext } from './batch-context.js';
import { ExportOptions } from './export.js';
import { writeTestPhotos } from './test-photos.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-batch-context-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the context holds the looked-up directions, the partner latent, the weights and the smallest face', async () => {
  const [partner] = await writeTestPhotos(join(dir, 'photos'), 1, { width: 320, height: 240, faces: 1 });
  const library = Library.open(join(dir, 'library.sqlite'));
  const engine = await GlowEngine.open(fixtureDir, { device: 'cpu' });
  const detector = await FaceDetector.open();
  try {
    const m = engine.manifest;
    const spec = {
      source: join(dir, 'photos'),
      out: join(dir, 'out'),
      recipe: { sliders: { smile: 0.5, Age: -1 }, mix: { with: partner!, weights: [0.25, 0.5] } },
      bundle: fixtureDir,
      modelId: m.model_id,
      export: ExportOptions.parse({}),
      minFace: 64,
    };
    const { jobId } = await createBatchJob(library, spec);
    const asked: string[][] = [];
    const direction = new Float32Array(m.eps_size).fill(1);
    const { spec: read, context } = await batchContext(library, jobId, {
      engine,
      detector,
      directions: async (names) => {
        asked.push([...names]);
        return Object.fromEntries(names.map((n) => [n, direction]));
      },
    });
    assert.deepEqual(asked, [['smile', 'Age']]);
    assert.deepEqual(read.recipe, spec.recipe);
    assert.deepEqual(Object.keys(context.directions), ['smile', 'Age']);
    assert.deepEqual(context.sliders, { smile: 0.5, Age: -1 });
    assert.equal(context.minFaceSize, 64);
    assert.deepEqual(context.mix?.weights, [0.25, 0.5]);
    assert.equal(context.mix?.eps.length, m.eps_size);

    const { jobId: plain } = await createBatchJob(library, { ...spec, out: join(dir, 'out-plain'), recipe: { sliders: {} }, minFace: undefined });
    const bare = await batchContext(library, plain, { engine, detector, directions: () => ({}) });
    assert.equal(bare.context.mix, undefined);
    assert.equal(bare.context.minFaceSize, undefined);
    assert.equal(bare.context.smallFaces, undefined);
    const { jobId: small } = await createBatchJob(library, { ...spec, out: join(dir, 'out-small'), recipe: { sliders: {} }, minFace: undefined, smallFaces: true });
    assert.equal((await batchContext(library, small, { engine, detector, directions: () => ({}) })).context.smallFaces, true);

    const unknown = () => {
      throw new RangeError("unknown attribute 'smile'");
    };
    await assert.rejects(batchContext(library, jobId, { engine, detector, directions: unknown }), /unknown attribute 'smile'/);
  } finally {
    await detector.close();
    await engine.close();
    library.close();
  }
});
