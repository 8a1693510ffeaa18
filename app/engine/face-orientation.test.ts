// The upside-down check's parts, and its cost on a group photo with the shipped model: one
// extra encoder item per photo (the largest face's half turn), riding in the faces' own run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { alignScaled, detectScaled } from '../jobs/big-photo.js';
import { writeTestPhoto } from '../jobs/test-photos.js';
import { FaceDetector } from '../faces/detect.js';
import { decodeImage } from '../imaging/decode.js';
import { SHIPPED_BUNDLES, packageRoot } from './default-bundle.js';
import { GlowEngine } from './engine.js';
import { checksOrientation, encodePhotoFaces, looksUpsideDown, measureUprightMargins, turnedHalf } from './face-orientation.js';
import { pixelsToModel } from './pixels.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-orientation-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('turnedHalf reverses each channel plane', () => {
  assert.deepEqual([...turnedHalf(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), 2)], [4, 3, 2, 1, 8, 7, 6, 5]);
});

test('looksUpsideDown sums the measured margins against the margin', () => {
  assert.equal(looksUpsideDown([]), false);
  assert.equal(looksUpsideDown([undefined]), false);
  assert.equal(looksUpsideDown([-0.003]), true);
  assert.equal(looksUpsideDown([-0.003, undefined, 0.002]), false);
});

test('a group photo costs one extra encoder item: the largest face decides, in the same model run', async () => {
  const engine = await GlowEngine.open(join(packageRoot(), SHIPPED_BUNDLES[0]!), { device: 'cpu' });
  const detector = await FaceDetector.open();
  try {
    assert.ok(checksOrientation(engine));
    const file = join(dir, 'three.jpg');
    await writeTestPhoto(file, { width: 900, height: 400, faces: 3, seed: 4 });
    const image = await decodeImage(file);
    const faces = await detectScaled(detector, image, 40);
    assert.equal(faces.length, 3);
    const aligned = await Promise.all(faces.map((f) => alignScaled(image, f.landmarks, 64)));
    const crops = aligned.map((a) => ({ pixels: pixelsToModel(a.pixels, 64), nativeSize: a.nativeSize }));
    const largest = crops.reduce((best, c, i) => (c.nativeSize > crops[best]!.nativeSize ? i : best), 0);

    const before = { ...engine.stats };
    const checked = await encodePhotoFaces(engine, crops);
    assert.deepEqual([engine.stats.runs - before.runs, engine.stats.items - before.items], [1, 4], 'three faces and one half turn, one run');
    assert.deepEqual(checked.map((c) => c.uprightMargin !== undefined), crops.map((_, i) => i === largest));
    assert.ok(checked[largest]!.uprightMargin! > 0.01, 'upright, decisively');
    // Every face measured: all upright; and the eps are the plain encoder's.
    const all = await measureUprightMargins(engine, crops, {}, Infinity);
    assert.ok(all.every((c) => c.uprightMargin! > 0), all.map((c) => c.uprightMargin).join(', '));
    const plain = await Promise.all(crops.map((c) => engine.encode(c.pixels)));
    plain.forEach((eps, i) => assert.deepEqual(checked[i]!.eps, eps));
  } finally {
    await detector.close();
    await engine.close();
  }
});
