// A library made with one model, opened with another: the latent-space key tells them apart
// even under the same model id, and each face is encoded again (with its own alignment) the
// first time it is needed, keeping its id, tags and edits; the user's derived attributes
// are derived again from their tags.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { latentKey, type Manifest } from '../engine/bundle.js';
import { FIXTURE_BUNDLE, packageRoot, SHIPPED_BUNDLES } from '../engine/default-bundle.js';
import { GlowEngine } from '../engine/engine.js';
import { pixelsToModel } from '../engine/pixels.js';
import { FaceDetector } from '../faces/detect.js';
import { decodeImage } from '../imaging/decode.js';
import { alignScaled } from '../jobs/big-photo.js';
import { writeTestPhotos } from '../jobs/test-photos.js';
import { FaceRenderer } from '../studio/face-render.js';
import { deriveAndSave, derivedAttributes } from './derive-and-save.js';
import { encodeStaleFaces, faceLatent } from './face-latents.js';
import { importFolder } from './import.js';
import { Library } from './library.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-latents-'));
const photos = join(dir, 'photos');
let fixture: GlowEngine;
let face64: GlowEngine;
let detector: FaceDetector;

before(async () => {
  await writeTestPhotos(photos, 6, { width: 400, height: 300, faces: 1 });
  [fixture, face64, detector] = await Promise.all([
    GlowEngine.open(join(packageRoot(), FIXTURE_BUNDLE), { device: 'cpu' }),
    GlowEngine.open(join(packageRoot(), SHIPPED_BUNDLES[0]!), { device: 'cpu' }),
    FaceDetector.open(),
  ]);
});
after(async () => {
  await Promise.all([detector?.close(), fixture?.close(), face64?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

test('the latent key changes with the network files, not with the id alone or the extras', () => {
  const manifest = (files: Record<string, string>) => ({ model_id: 'face-64', files: Object.fromEntries(Object.entries(files).map(([role, c]) => [role, { path: role, sha256: c.repeat(64) }])) }) as unknown as Manifest;
  const shipped = latentKey(manifest({ encoder: 'a', decoder: 'b', weights: 'c', attributes: 'd' }));
  assert.match(shipped, /^face-64@[0-9a-f]{12}$/);
  assert.equal(latentKey(manifest({ encoder: 'a', decoder: 'b', weights: 'c', attributes: 'e' })), shipped, 'new attributes: the same latents');
  assert.notEqual(latentKey(manifest({ encoder: 'a', decoder: 'b', weights: 'f', attributes: 'd' })), shipped, 'retrained weights under the same id');
  assert.notEqual(fixture.latentKey, face64.latentKey);
});

test('faces encoded by another model are encoded again on first use, and keep their tags and edits', async () => {
  const lib = Library.open(join(dir, 'switch.sqlite'));
  try {
    const first = await importFolder(lib, photos, fixture, detector);
    assert.equal(first.faces, 6);
    const faces = lib.photosUnder('').flatMap((p) => lib.facesOfPhoto(p.id));
    faces.forEach((f, i) => lib.setTag(f.id, 'Freckles', i % 2 === 0));
    const [face] = faces;
    lib.saveEdit(face!.photoId, face!.id, { sliders: { Freckles: 0.5 } });
    await deriveAndSave(lib, fixture, 'Freckles', { method: 'mean' });

    // The user switches to face-64: the face is encoded for it, aligned at its 64 px.
    const { face: now, eps } = await faceLatent(lib, face64, face!.id);
    assert.equal(now.id, face!.id);
    assert.equal(now.modelId, face64.latentKey);
    assert.equal(eps.length, face64.manifest.eps_size);
    const image = await decodeImage(lib.photo(face!.photoId)!.path);
    const aligned = await alignScaled(image, face!.landmarks, 64);
    assert.deepEqual(now.transform, aligned.toPhoto);
    assert.notDeepEqual(now.transform, face!.transform, 'the 32 px alignment was replaced');
    // The stored latent decodes to the face's crop (float16 storage: to about a level).
    const back = await face64.decode(eps);
    const crop = pixelsToModel(aligned.pixels, 64);
    const err = back.reduce((m, v, i) => Math.max(m, Math.abs(v - crop[i]!)), 0);
    assert.ok(err < 0.02, `reconstruction error ${err}`);
    assert.equal(lib.tagged('Freckles').length, 6, 'tags kept');
    assert.deepEqual(lib.editsOfPhoto(face!.photoId)[0]!.recipe, { sliders: { Freckles: 0.5 } }, 'edit kept');

    // A rescan with face-64 encodes the other five, once.
    const rescan = await importFolder(lib, photos, face64, detector);
    assert.deepEqual([rescan.unchanged, rescan.added, rescan.reencoded], [6, 0, 5]);
    assert.equal((await importFolder(lib, photos, face64, detector)).reencoded, 0);
    assert.equal(await encodeStaleFaces(lib, face64, face!.photoId), 0);

    // The derived attribute is derived again, in face-64's latent space.
    const derived = await derivedAttributes(lib, face64, async () => ({}));
    assert.deepEqual(
      derived.map((d) => [d.name, d.modelId, d.direction.length, d.positives, d.negatives, d.quality.method]),
      [['Freckles', face64.latentKey, face64.manifest.eps_size, 3, 3, 'mean']],
    );
    assert.equal(lib.attributes(fixture.latentKey).length, 1, "the fixture's own is kept for a switch back");

    // And the photo exports with face-64 through the one rendering path.
    const directions = async (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, derived[0]!.direction]));
    const edited = await new FaceRenderer(lib, () => face64, directions).editedPhoto(face!.photoId);
    assert.equal(edited.data.length, image.data.length);
    assert.ok(edited.data.some((v, i) => v !== image.data[i]), 'the edit changed the face');
  } finally {
    lib.close();
  }
});
