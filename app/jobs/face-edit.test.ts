// A batch's edit of one photo (editPhoto) with the shipped model, where the face finder reads a
// face the wrong way up: the photo is edited turned half a turn, and turned back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { SHIPPED_BUNDLES, packageRoot } from '../engine/default-bundle.js';
import { GlowEngine } from '../engine/engine.js';
import { FaceDetector } from '../faces/detect.js';
import { loadBuiltinAttributes } from '../library/builtin-attributes.js';
import { editPhoto, newStageTimes, type FaceEditContext } from './face-edit.js';
import { writeTestPhoto } from './test-photos.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-face-edit-'));
let ctx: FaceEditContext;

before(async () => {
  const bundle = join(packageRoot(), SHIPPED_BUNDLES[0]!);
  const engine = await GlowEngine.open(bundle, { device: 'cpu' });
  const smiling = (await loadBuiltinAttributes(bundle, engine.manifest))!.find((a) => a.name === 'Smiling')!;
  ctx = { engine, detector: await FaceDetector.open(), directions: { Smiling: smiling.direction }, sliders: { Smiling: 0.8 } };
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
  const upright = join(dir, 'upright.png');
  const upsideDown = join(dir, 'upside-down.png');
  await writeTestPhoto(upright, { width: 400, height: 300, faces: 1, seed: 3, format: 'png' });
  await sharp(upright).rotate(180).png().toFile(upsideDown); // lossless: the same pixels, turned

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
