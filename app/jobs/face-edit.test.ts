// A batch's edit of one photo (editPhoto) with the shipped model, where the face finder reads a
// face the wrong way up: the photo is edited turned half a turn, and turned back; and the batch
// names the photos it edited so.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { SHIPPED_BUNDLES, packageRoot } from '../engine/default-bundle.js';
import { GlowEngine } from '../engine/engine.js';
import { FaceDetector } from '../faces/detect.js';
import { loadBuiltinAttributes } from '../library/builtin-attributes.js';
import { Library } from '../library/library.js';
import { BatchRunner, createBatchJob } from './batch.js';
import { ExportOptions } from './export.js';
import { editPhoto, newStageTimes, type FaceEditContext } from './face-edit.js';
import { jobInfo } from './job-info.js';
import { JobStore } from './job-store.js';
import { writeTestPhoto } from './test-photos.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-face-edit-'));
const photos = join(dir, 'photos');
const upright = join(photos, 'upright.png');
const upsideDown = join(photos, 'upside-down.png');
const bundle = join(packageRoot(), SHIPPED_BUNDLES[0]!);
let ctx: FaceEditContext;

before(async () => {
  const engine = await GlowEngine.open(bundle, { device: 'cpu' });
  const smiling = (await loadBuiltinAttributes(bundle, engine.manifest))!.find((a) => a.name === 'Smiling')!;
  ctx = { engine, detector: await FaceDetector.open(), directions: { Smiling: smiling.direction }, sliders: { Smiling: 0.8 } };
  mkdirSync(photos);
  await writeTestPhoto(upright, { width: 400, height: 300, faces: 1, seed: 3, format: 'png' });
  await sharp(upright).rotate(180).png().toFile(upsideDown); // lossless: the same pixels, turned
});
after(async () => {
  await ctx?.detector.close();
  await ctx?.engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const meanDiff = (a: Uint8Array, b: Uint8Array) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};

test('a photo whose face the finder reads the wrong way up is edited turned half a turn, and keeps its orientation', async () => {
  const a = await editPhoto(upright, ctx, newStageTimes());
  const b = await editPhoto(upsideDown, ctx, newStageTimes());
  assert.deepEqual([a.upsideDown, a.faces], [false, 1]);
  assert.deepEqual([b.upsideDown, b.faces], [true, 1], 'the face was found read the wrong way up, then found again upright');
  assert.deepEqual([b.image.width, b.image.height], [400, 300]);

  // The upside-down photo's copy is the upright photo's copy, turned: the same edit, upright.
  const turnedBack = await sharp(b.image.data, { raw: { width: 400, height: 300, channels: 3 } }).rotate(180).raw().toBuffer();
  assert.ok(meanDiff(turnedBack, a.image.data) < 0.01, `differs from the upright photo's edit by ${meanDiff(turnedBack, a.image.data)} levels`);
  const source = await sharp(upsideDown).removeAlpha().raw().toBuffer();
  assert.ok(meanDiff(b.image.data, source) > 0.1, 'and it is edited');
});

test('a batch names the photos it edited turned, and only those', async () => {
  const library = Library.open(join(dir, 'library.sqlite'));
  try {
    const spec = { source: photos, out: join(dir, 'out'), recipe: { sliders: ctx.sliders }, bundle, modelId: ctx.engine.latentKey, export: ExportOptions.parse({}) };
    const { jobId } = await createBatchJob(library, spec);
    const summary = await new BatchRunner(library, jobId, ctx).run();
    assert.deepEqual([summary.state, summary.counts.done], ['done', 2]);
    assert.deepEqual(jobInfo(new JobStore(library), jobId).upsideDown, [upsideDown]);
  } finally {
    library.close();
  }
});
