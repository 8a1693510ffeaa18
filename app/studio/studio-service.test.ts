// The StudioApi end to end, as the UI drives it: import a folder with a bad file, open a
// photo, edit a face, tag and derive, batch and export, watching job events.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { JobInfo, PhotoDetail, StudioEvent } from '../api/contract.js';
import { defaultBundleDir } from '../engine/default-bundle.js';
import { decodeImage } from '../imaging/decode.js';
import { createBatchJob } from '../jobs/batch.js';
import { ExportOptions } from '../jobs/export.js';
import { JobStore } from '../jobs/job-store.js';
import { bundleWithAttributes } from '../jobs/test-bundle.js';
import { Library } from '../library/library.js';
import { writeBadPhotos, writeTestPhoto, writeTestPhotos } from '../jobs/test-photos.js';
import { createStudioService } from './create-studio-service.js';
import type { StudioService } from './studio-service.js';

const work = mkdtempSync(join(tmpdir(), 'glow-service-'));
const photosDir = join(work, 'photos');
let service: StudioService;
let originals: Map<string, string>;
const events: StudioEvent[] = [];

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function finished(job: JobInfo, on: StudioService = service): Promise<JobInfo> {
  for (let i = 0; i < 600; i++) {
    const now = (await on.listJobs({})).find((j) => j.id === job.id)!;
    if (now.state === 'done' || now.state === 'cancelled') return now;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${job.id} did not finish`);
}

before(async () => {
  const files = await writeTestPhotos(photosDir, 3, { width: 1200, height: 800, faces: 2, seed: 3, exif: true });
  await writeBadPhotos(photosDir);
  originals = new Map([...files, ...readdirSync(photosDir).map((f) => join(photosDir, f))].map((f) => [f, sha(f)]));
  const bundle = await bundleWithAttributes(join(work, 'bundle'));
  service = await createStudioService({ bundleDir: bundle, device: 'cpu', library: join(work, 'library.sqlite') });
  service.onEvent((e) => events.push(e));
});
after(async () => {
  await service?.close();
  rmSync(work, { recursive: true, force: true });
});

let photo: PhotoDetail;

test('importing a folder finds the faces and reports each bad file by name', async () => {
  const job = await finished(await service.importFolder({ path: photosDir }));
  assert.equal(job.kind, 'import');
  assert.equal(job.total, 6);
  assert.equal(job.failed, 3);
  assert.equal(job.newPhotos, 3);
  assert.deepEqual(job.errors.map((e) => e.file.split('/').pop()).sort(), ['bad-empty.jpg', 'bad-text.jpg', 'bad-truncated.jpg']);
  assert.ok(events.some((e) => e.type === 'job' && e.job.id === job.id), 'progress events were sent');
  const photos = await service.listPhotos({});
  assert.equal(photos.length, 3);
  assert.ok(photos.every((p) => p.faces === 2), JSON.stringify(photos.map((p) => p.faces)));
  assert.deepEqual(await service.listFolders({}), [{ path: photosDir, photos: 3 }]);
  photo = await service.getPhoto({ photoId: photos[0]!.id });
  assert.equal(photo.faceList.length, 2);
});

test('the folder chooser lists a folder on disk; one that is not there is a 404 that names it', async () => {
  const listing = await service.browseFolder({ path: work });
  assert.deepEqual(
    listing.folders.map((f) => f.name),
    ['bundle', 'photos'],
  );
  assert.equal((await service.browseFolder({ path: photosDir })).photos, 6, 'three photos and three bad files, by their names');
  await assert.rejects(service.browseFolder({ path: join(work, 'gone') }), (err: Error & { status?: number }) => err.status === 404 && err.message.includes(join(work, 'gone')));
  // "New folder…": the chooser goes into the folder made.
  const made = await service.makeFolder({ parent: work, name: 'exports' });
  assert.deepEqual([made.path, made.folders, made.photos], [join(work, 'exports'), [], 0]);
  await assert.rejects(service.makeFolder({ parent: work, name: 'a/b' }), (err: Error & { status?: number }) => err.status === 400 && /cannot name a new folder/.test(err.message));
  await assert.rejects(service.makeFolder({ parent: join(work, 'gone'), name: 'x' }), (err: Error & { status?: number }) => err.status === 404);
});

test('media: thumbnails, the upright photo and the face crop are images', async () => {
  const thumb = await service.media('thumb', photo.id);
  const full = await service.media('photo', photo.id);
  const crop = await service.media('crop', photo.faceList[0]!.id);
  assert.equal((await sharp(thumb!.body).metadata()).format, 'jpeg');
  assert.equal((await sharp(full!.body).metadata()).width, 1200);
  assert.equal((await sharp(crop!.body).metadata()).width, 32);
  assert.equal(await service.media('photo', 9999), undefined);
});

test('a slider edit changes the face and leaves the edges of its patch alone', async () => {
  const face = photo.faceList[0]!;
  const none = await service.renderFace({ faceId: face.id, recipe: { sliders: {} } });
  const smile = await service.renderFace({ faceId: face.id, recipe: { sliders: { Smiling: 1.5 } } });
  assert.deepEqual(smile.box, none.box);
  const pixels = async (layer: { image: string }) =>
    sharp(Buffer.from(layer.image.split(',')[1]!, 'base64')).raw().toBuffer();
  // RGBA: a pixel "differs" from the photo when the patch paints it at all.
  const [a, b] = await Promise.all([pixels(none), pixels(smile)]);
  const { width, height } = smile.box;
  let centreChanged = 0;
  let edgeChanged = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const differs = b[o + 3] !== 0 && (a[o + 3] === 0 || a[o] !== b[o] || a[o + 1] !== b[o + 1] || a[o + 2] !== b[o + 2]);
      const centre = Math.abs(x - width / 2) < width / 8 && Math.abs(y - height / 2) < height / 8;
      const edge = x < 2 || y < 2 || x >= width - 2 || y >= height - 2;
      if (differs && centre) centreChanged++;
      if (differs && edge) edgeChanged++;
    }
  }
  assert.ok(centreChanged > 0, 'the face changed');
  assert.equal(edgeChanged, 0, 'the patch border is the untouched photo');
  await assert.rejects(service.renderFace({ faceId: face.id, recipe: { sliders: { Wings: 1 } } }), /unknown attribute 'Wings'/);
});

test('an edit is saved as a recipe, with the mix partner', async () => {
  const [face, other] = photo.faceList;
  const saved = await service.saveEdit({ faceId: face!.id, recipe: { sliders: { Smiling: 0.5 }, mix: { faceId: other!.id, amount: 0.5 } } });
  assert.deepEqual(saved.recipe?.sliders, { Smiling: 0.5 });
  assert.equal(saved.recipe?.mix?.faceId, other!.id);
  assert.equal(saved.recipe?.mix?.amount, 0.5);
  // What the mix panel shows of the partner after a reload, wherever it is.
  assert.deepEqual(saved.mixPartner, { id: other!.id, cropUrl: other!.cropUrl, photoName: photo.name });
  assert.equal((await service.getPhoto({ photoId: photo.id })).faceList.find((f) => f.id === face!.id)!.mixPartner?.id, other!.id);
  // What Export takes when no photo is selected: the edited ones, however far the grid has loaded.
  assert.deepEqual((await service.listPhotos({ edited: true })).map((p) => p.id), [photo.id]);
  // The partner cannot be removed while the edit mixes with it (library/remove-face.test.ts: the rest).
  await assert.rejects(service.removeFace({ faceId: other!.id }), { status: 409, message: new RegExp(`face ${other!.id} is mixed into the edit of ${photo.path.replace(/[.\\]/g, '\\$&')}; take that mix out first`) });
  await assert.rejects(service.removeFace({ faceId: 999_999 }), { status: 404, message: /no face with id 999999/ });
  assert.deepEqual((await service.getPhoto({ photoId: photo.id })).removedFaces, []);
  await assert.rejects(service.bringBackFaces({ photoId: photo.id, places: [999_999] }), { status: 400, message: `${photo.path} has no removed face with id 999999; its removed faces are none` });
});

test('the photo list comes in pages', async () => {
  const all = (await service.listPhotos({})).map((p) => p.id);
  const pages = [...(await service.listPhotos({ limit: 2 })), ...(await service.listPhotos({ offset: 2, limit: 2 }))];
  assert.deepEqual(pages.map((p) => p.id), all);
  assert.equal(all.length, 3);
});

test('tagging six faces and deriving gives a direction with its quality figures', async () => {
  const faces = (await Promise.all((await service.listPhotos({})).map((p) => service.getPhoto({ photoId: p.id })))).flatMap((p) => p.faceList);
  assert.equal(faces.length, 6);
  for (const [i, f] of faces.entries()) await service.tagFace({ faceId: f.id, attribute: 'Freckles', value: i % 2 === 0 });
  const derived = await service.deriveAttribute({ name: 'Freckles', projectOut: ['Age'] });
  assert.equal(derived.positives, 3);
  assert.equal(derived.negatives, 3);
  assert.ok(derived.classifierAccuracy >= 0 && derived.classifierAccuracy <= 1);
  assert.match(derived.warnings.join(' '), /tag at least 5/);
  // Every face here is tagged, so there is none left to preview on.
  assert.deepEqual(derived.previewFaces, []);
  const attributes = await service.listAttributes({});
  assert.ok(attributes.some((a) => a.name === 'Freckles' && a.source === 'derived'));
  assert.ok(attributes.some((a) => a.name === 'Smiling' && a.source === 'builtin'));
  await assert.rejects(service.deriveAttribute({ name: 'Nobody', projectOut: [] }), /no faces .* tagged 'Nobody'/);
});

test('a derived attribute comes with untagged faces to preview it on, each with its photo', async () => {
  const faces = (await Promise.all((await service.listPhotos({})).map((p) => service.getPhoto({ photoId: p.id })))).flatMap((p) => p.faceList);
  const [yes, no] = faces;
  await service.tagFace({ faceId: yes!.id, attribute: 'Dimples', value: true });
  await service.tagFace({ faceId: no!.id, attribute: 'Dimples', value: false });
  const { previewFaces } = await service.deriveAttribute({ name: 'Dimples', projectOut: [] });
  assert.deepEqual(previewFaces.map((f) => f.id), faces.slice(2, 6).map((f) => f.id));
  for (const f of previewFaces) {
    const photo = await service.getPhoto({ photoId: f.photoId });
    assert.equal(f.photoUrl, photo.imageUrl);
    assert.deepEqual(f.box, photo.faceList.find((x) => x.id === f.id)!.box);
  }
  for (const f of [yes!, no!]) await service.tagFace({ faceId: f.id, attribute: 'Dimples', value: null });
});

test('the photo list carries each photo\'s tags: the attributes any face has, once each, sorted', async () => {
  const [face, other] = photo.faceList;
  // Every photo has one face tagged Freckles and one tagged not-Freckles (the test above).
  assert.ok((await service.listPhotos({})).every((p) => p.tags.join() === 'Freckles'));
  await service.tagFace({ faceId: face!.id, attribute: 'Zest', value: true });
  await service.tagFace({ faceId: other!.id, attribute: 'Beach', value: true });
  await service.tagFace({ faceId: other!.id, attribute: 'Zest', value: true });
  await service.tagFace({ faceId: other!.id, attribute: 'Wavy', value: false });
  // listTags: the user's own tags over the library, with faces tagged has / has not.
  assert.deepEqual(await service.listTags({}), [
    { name: 'Beach', positives: 1, negatives: 0 },
    { name: 'Freckles', positives: 3, negatives: 3 },
    { name: 'Wavy', positives: 0, negatives: 1 },
    { name: 'Zest', positives: 2, negatives: 0 },
  ]);
  const tagsById = async () => new Map((await service.listPhotos({})).map((p) => [p.id, p.tags]));
  const tagged = await tagsById();
  assert.deepEqual(tagged.get(photo.id), ['Beach', 'Freckles', 'Zest']);
  for (const [id, tags] of tagged) if (id !== photo.id) assert.deepEqual(tags, ['Freckles']);
  assert.deepEqual((await service.getPhoto({ photoId: photo.id })).tags, ['Beach', 'Freckles', 'Zest']);
  assert.deepEqual((await service.listPhotos({ tag: 'Beach' })).map((p) => [p.id, p.tags]), [[photo.id, ['Beach', 'Freckles', 'Zest']]]);
  for (const [faceId, attribute] of [[face!.id, 'Zest'], [other!.id, 'Beach'], [other!.id, 'Zest'], [other!.id, 'Wavy']] as const) {
    await service.tagFace({ faceId, attribute, value: null });
  }
  assert.deepEqual((await tagsById()).get(photo.id), ['Freckles']);
  assert.deepEqual(await service.listTags({}), [{ name: 'Freckles', positives: 3, negatives: 3 }]);
});

test('searching by attribute: the photos with a face that has it or has not, as the model reads them and the tags correct it', async () => {
  const attributes = await service.listAttributes({});
  const searchOf = (name: string) => attributes.find((a) => a.name === name)?.search;
  assert.equal(searchOf('Smiling')?.accuracy, 0.9);
  assert.equal(searchOf('Smiling')!.about, "On faces held out from the model's training, it found 18 of the 20 with it (90%), and took 3 of the 30 without it (10%) for faces with it.");
  assert.equal(searchOf('Age'), undefined, 'a built-in attribute measured nowhere is not offered');
  assert.match(searchOf('Freckles')!.about, /^On your 6 tagged faces, each left out in turn, it told \d+% right\.$/);

  const ids = async (attribute: string, has: boolean) => (await service.listPhotos({ face: { attribute, has } })).map((p) => p.id).sort();
  const all = (await service.listPhotos({})).filter((p) => p.faces > 0).map((p) => p.id).sort();
  const withIt = await ids('Smiling', true);
  const without = await ids('Smiling', false);
  assert.deepEqual([...new Set([...withIt, ...without])].sort(), all, 'every face is on one side');
  // How far to trust it: face by face; too few faces here (6) for an estimate of how many are right.
  const [yes, no] = [await service.describeFaceSearch({ attribute: 'Smiling', has: true }), await service.describeFaceSearch({ attribute: 'Smiling', has: false })];
  assert.deepEqual([yes.read, yes.found + no.found, yes.tagged, yes.likelyRight], [6, 6, 0, undefined]);
  // The user's tags have the last word: both faces of the photo tagged as not smiling.
  for (const f of photo.faceList) await service.tagFace({ faceId: f.id, attribute: 'Smiling', value: false });
  assert.ok(!(await ids('Smiling', true)).includes(photo.id));
  assert.ok((await ids('Smiling', false)).includes(photo.id));
  await service.tagFace({ faceId: photo.faceList[0]!.id, attribute: 'Smiling', value: true });
  assert.ok((await ids('Smiling', true)).includes(photo.id));
  for (const f of photo.faceList) await service.tagFace({ faceId: f.id, attribute: 'Smiling', value: null });
  // Freckles: every photo has a face tagged with it and one tagged without (the tests above).
  assert.deepEqual(await ids('Freckles', true), all);
  assert.deepEqual(await ids('Freckles', false), all);
  // With the other filters, and in pages that keep the search's order.
  assert.deepEqual((await service.listPhotos({ face: { attribute: 'Freckles', has: true }, name: photo.name })).map((p) => p.id), [photo.id]);
  // A face tagged comes before all the model reads: the last photo by path comes first, on a
  // side where the model reads another photo too (every face is on one side or the other).
  const last = (await service.getPhoto({ photoId: all.at(-1)! })).faceList[0]!;
  const has = (await ids('Smiling', true)).some((id) => id !== last.photoId);
  await service.tagFace({ faceId: last.id, attribute: 'Smiling', value: has });
  const ranked = (await service.listPhotos({ face: { attribute: 'Smiling', has } })).map((p) => p.id);
  assert.ok(ranked.length > 1, `${ranked.length} photos`);
  assert.equal(ranked[0], last.photoId);
  const paged = [];
  for (let offset = 0; offset < ranked.length; offset++) paged.push(...(await service.listPhotos({ face: { attribute: 'Smiling', has }, offset, limit: 1 })).map((p) => p.id));
  assert.deepEqual(paged, ranked);
  await service.tagFace({ faceId: last.id, attribute: 'Smiling', value: null });

  // readFace: the model's reading of one face, tags aside: the searches' answer for an untagged face.
  const smilingPhotos = await ids('Smiling', true);
  for (const photoId of all) {
    const faces = (await service.getPhoto({ photoId })).faceList;
    const reads = await Promise.all(faces.map(async (f) => (await service.readFace({ faceId: f.id })).reads));
    assert.equal(reads.some((r) => r.includes('Smiling')), smilingPhotos.includes(photoId), `photo ${photoId}: ${JSON.stringify(reads)}`);
    for (const r of reads) assert.ok(!r.includes('Age'), 'only attributes the library can be searched by');
  }
  await assert.rejects(service.readFace({ faceId: 9999 }), { status: 404 });

  // A batch of only the faces that have an attribute takes only one the library can be searched by.
  await assert.rejects(service.startBatch({ folder: photosDir, recipe: { sliders: { Smiling: 0.5 } }, outDir: join(work, 'only-age'), faces: { attribute: 'Age', has: true } }), { status: 400, message: /'Age' cannot be searched by/ });
  assert.ok(!(await service.listJobs({})).some((j) => j.outDir === join(work, 'only-age')), 'no job is left behind');
  const onlySmiling = await finished(await service.startBatch({ folder: photosDir, recipe: { sliders: { Smiling: 0.5 } }, outDir: join(work, 'only-smiling'), faces: { attribute: 'Smiling', has: true } }));
  assert.equal(onlySmiling.state, 'done');
  assert.equal(readdirSync(join(work, 'only-smiling')).filter((f) => f.endsWith('.jpg')).length, 3, 'every photo is written, edited where a face smiles');
  await assert.rejects(service.listPhotos({ face: { attribute: 'Age', has: true } }), { status: 400, message: /'Age' cannot be searched by: the model .* does not tell it well enough/ });
  await assert.rejects(service.listPhotos({ face: { attribute: 'Nope', has: true } }), { status: 404, message: /unknown attribute 'Nope'/ });
});

test('a photo with transparency: the editor gets it with its alpha, and an edit is as opaque as the photo there', async () => {
  const folder = join(work, 'see-through');
  mkdirSync(folder);
  const opaque = join(work, 'opaque.jpg');
  await writeTestPhoto(opaque, { width: 600, height: 400, faces: 1, seed: 51 }, 0);
  await sharp(opaque).ensureAlpha(0.5).png().toFile(join(folder, 'half.png'));
  await finished(await service.importFolder({ path: folder }));
  const [listed] = await service.listPhotos({ folder });
  const detail = await service.getPhoto({ photoId: listed!.id });
  assert.equal(detail.faceList.length, 1, 'its face is found (on white, as the model sees it)');
  const full = (await service.media('photo', listed!.id))!;
  assert.equal(full.contentType, 'image/webp');
  const shown = await sharp(full.body).raw().toBuffer({ resolveWithObject: true });
  assert.equal(shown.info.channels, 4);
  const alpha = shown.data[3]!;
  assert.ok(alpha > 100 && alpha < 150, `alpha ${alpha}`);
  const layer = await service.renderFace({ faceId: detail.faceList[0]!.id, recipe: { sliders: { Smiling: 1.5 } } });
  const patch = await sharp(Buffer.from(layer.image.split(',')[1]!, 'base64')).raw().toBuffer();
  const alphas = new Set<number>();
  for (let i = 3; i < patch.length; i += 4) alphas.add(patch[i]!);
  assert.deepEqual([...alphas].sort((a, b) => a - b), [0, alpha], 'unchanged pixels transparent, changed ones as the photo');
  // An opaque photo is still a JPEG.
  assert.equal((await service.media('photo', photo.id))!.contentType, 'image/jpeg');
  await service.removeFolder({ path: folder }); // (the tests after this one count the library's photos)
});

test('a batch preview: a face of each photo the batch would edit, in its order; with "only", the faces the model reads that way', async () => {
  const photos = (await service.listPhotos({ folder: photosDir })).filter((p) => p.faces > 0).sort((a, b) => (a.path < b.path ? -1 : 1));
  assert.equal(photos.length, 3);
  const first = await service.previewBatch({ folder: photosDir, count: 4 });
  assert.deepEqual(first.map((f) => f.photoId), photos.map((p) => p.id));
  for (const f of first) {
    assert.equal(f.id, (await service.getPhoto({ photoId: f.photoId })).faceList[0]!.id, 'the first face of the photo');
    assert.match(f.photoUrl, /^\/media\/photo\//);
  }
  assert.deepEqual((await service.previewBatch({ folder: photosDir, count: 2 })).map((f) => f.photoId), photos.slice(0, 2).map((p) => p.id));
  assert.deepEqual((await service.previewBatch({ photoIds: [photos[2]!.id], count: 4 })).map((f) => f.photoId), [photos[2]!.id]);
  // Only the faces the model reads as smiling, or as not (tags aside, as the batch reads them).
  const reads = async (faceId: number) => (await service.readFace({ faceId })).reads.includes('Smiling');
  const smiling = await service.previewBatch({ folder: photosDir, faces: { attribute: 'Smiling', has: true }, count: 8 });
  const not = await service.previewBatch({ folder: photosDir, faces: { attribute: 'Smiling', has: false }, count: 8 });
  for (const f of smiling) assert.ok(await reads(f.id), `face ${f.id}`);
  for (const f of not) assert.ok(!(await reads(f.id)), `face ${f.id}`);
  assert.deepEqual(new Set([...smiling, ...not].map((f) => f.photoId)), new Set(photos.map((p) => p.id)), 'every photo has a face on one side or the other');
  await assert.rejects(service.previewBatch({ count: 4 }), { status: 400, message: /needs a folder or photoIds/ });
  await assert.rejects(service.previewBatch({ photoIds: [9999], count: 4 }), { status: 404, message: /no photo with id 9999/ });
  await assert.rejects(service.previewBatch({ folder: photosDir, faces: { attribute: 'Age', has: true }, count: 4 }), { status: 400 });
});

test('a batch edits every photo into the output folder and never touches the originals', async () => {
  const out = join(work, 'batch-out');
  const job = await finished(await service.startBatch({ folder: photosDir, recipe: { sliders: { Smiling: 0.8 } }, outDir: out, export: { format: 'jpeg', quality: 90, metadata: 'strip', nameTemplate: '{name}-{attrs}' } }));
  assert.equal(job.done, 3);
  assert.equal(job.failed, 3);
  assert.deepEqual(readdirSync(out).sort(), ['.glow-studio-output', 'photo-000-Smiling+0.8.jpg', 'photo-001-Smiling+0.8.jpg', 'photo-002-Smiling+0.8.jpg']);
  for (const [file, hash] of originals) assert.equal(sha(file), hash, `${file} was modified`);
});

test('export writes the saved edits, keeping or stripping EXIF', async () => {
  const keep = await finished(await service.exportPhotos({ photoIds: [photo.id], outDir: join(work, 'keep'), export: { format: 'jpeg', quality: 90, metadata: 'keep', nameTemplate: '{name}' } }));
  const strip = await finished(await service.exportPhotos({ photoIds: [photo.id], outDir: join(work, 'strip'), export: { format: 'jpeg', quality: 90, metadata: 'strip', nameTemplate: '{name}' } }));
  assert.equal(keep.done, 1);
  assert.equal(strip.done, 1);
  const kept = await sharp(join(work, 'keep', 'photo-000.jpg')).metadata();
  const stripped = await sharp(join(work, 'strip', 'photo-000.jpg')).metadata();
  assert.ok(kept.exif, 'EXIF kept');
  assert.equal(stripped.exif, undefined, 'EXIF stripped');
  assert.ok(existsSync(join(work, 'keep', 'photo-000.jpg')));
  await assert.rejects(
    service.exportPhotos({ photoIds: [photo.id], outDir: photosDir, export: { format: 'jpeg', quality: 90, metadata: 'keep', nameTemplate: '{name}' } }),
    (err: Error & { status?: number }) => err.status === 400 && /the output folder .* holds the photos to edit/.test(err.message),
  );
});

test('the brush mask is saved with the photo, and export takes the edit back where it paints', async () => {
  const face = photo.faceList[0]!;
  const { x, y, width, height } = face.box;
  const exportTo = async (dir: string) => {
    const job = await finished(await service.exportPhotos({ photoIds: [photo.id], outDir: join(work, dir), export: { format: 'png', quality: 90, metadata: 'strip', nameTemplate: '{name}' } }));
    assert.equal(job.done, 1);
    return sharp(join(work, dir, 'photo-000.png')).removeAlpha().raw().toBuffer();
  };
  const original = (await decodeImage(photo.path)).data;
  // Mean difference inside the face box.
  const inFace = (a: Uint8Array, b: Uint8Array) => {
    let sum = 0;
    let n = 0;
    for (let r = Math.ceil(y); r < y + height; r++) {
      for (let c = Math.ceil(x); c < x + width; c++) {
        for (let k = 0; k < 3; k++) sum += Math.abs(a[(r * photo.width + c) * 3 + k]! - b[(r * photo.width + c) * 3 + k]!);
        n += 3;
      }
    }
    return sum / n;
  };
  const unmasked = await exportTo('mask-none');
  assert.ok(inFace(unmasked, original) > 1, `the edit changes the face (${inFace(unmasked, original).toFixed(2)})`);
  // One stroke across the whole face box.
  const stroke = { points: [x - width, y + height / 2, x + 2 * width, y + height / 2], size: height * 2 };
  assert.deepEqual((await service.saveMask({ photoId: photo.id, strokes: [stroke] })).strokes, [stroke]);
  assert.deepEqual((await service.getPhoto({ photoId: photo.id })).mask, [stroke]);
  const masked = await exportTo('mask-face');
  assert.equal(inFace(masked, original), 0, 'under the mask the photo is as it was');
  await service.saveMask({ photoId: photo.id, strokes: [] });
  assert.deepEqual((await service.getPhoto({ photoId: photo.id })).mask, []);
  await assert.rejects(service.saveMask({ photoId: 999_999, strokes: [] }), /no photo with id 999999/);
});

test('the editor\'s undo history of a photo is kept in the library', async () => {
  const faceId = String(photo.faceList[0]!.id);
  const state = (smile: number) => ({ recipes: { [faceId]: { sliders: { Smiling: smile }, mix: null } }, mask: [] });
  assert.deepEqual(await service.getEditHistory({ photoId: photo.id }), { history: null });
  const history = { past: [state(0)], present: state(0.4), future: [] };
  await service.saveEditHistory({ photoId: photo.id, history });
  assert.deepEqual(await service.getEditHistory({ photoId: photo.id }), { history });
  await assert.rejects(service.getEditHistory({ photoId: 999_999 }), /no photo with id 999999/);
  await assert.rejects(service.saveEditHistory({ photoId: 999_999, history }), /no photo with id 999999/);
});

test('a paused batch made with another model is not resumed with this one', async () => {
  // A batch left paused by a session that ran another model (the user has since switched).
  const library = Library.open(join(work, 'library.sqlite'));
  let jobId: number;
  try {
    ({ jobId } = await createBatchJob(library, {
      source: photosDir,
      out: join(work, 'other-model-out'),
      recipe: { sliders: { Smiling: 0.5 } },
      bundle: join(work, 'other-bundle'),
      modelId: 'another-model',
      export: ExportOptions.parse({}),
    }));
  } finally {
    library.close();
  }
  await assert.rejects(service.controlJob({ jobId, action: 'resume' }), (err: Error & { status?: number }) => {
    assert.equal(err.status, 409);
    assert.match(err.message, /started with model another-model and the studio now runs/);
    return true;
  });
  assert.ok(!existsSync(join(work, 'other-model-out')), 'nothing was written');
});

test('a look for smaller faces in every photo of the library is a job: the faces it added, and one at a time', async () => {
  const before = (await service.status({})).faces;
  const job = await service.lookForSmallerFaces({});
  assert.equal(job.kind, 'faces');
  assert.equal((await service.lookForSmallerFaces({})).id, job.id, 'while it runs, it is the answer');
  const done = await finished(job);
  assert.equal(done.state, 'done');
  assert.equal(done.total, (await service.listPhotos({})).length);
  const added = (await service.status({})).faces - before;
  assert.deepEqual(done.facesAdded?.faces, added);
  assert.ok(done.facesAdded!.photos <= added);
});

test('turning a photo: its size, image URL and pixels are those of the turned photo, in the editor, export and batches', async () => {
  const before = await service.getPhoto({ photoId: photo.id });
  assert.match(before.imageUrl, /\/photo\/\d+\?v=0$/);
  await service.media('photo', photo.id); // in the renderer's cache: turning must drop it
  const turned = (await service.rotatePhoto({ photoId: photo.id, turns: 1 })).photo;
  assert.deepEqual([turned.width, turned.height], [800, 1200]);
  assert.match(turned.imageUrl, /\/photo\/\d+\?v=1$/, 'a new URL, so the UI does not show the cached image');
  assert.match(turned.thumbUrl, /\?v=1$/);
  assert.equal(turned.faces, turned.faceList.length);
  assert.equal((await sharp((await service.media('photo', photo.id))!.body).metadata()).width, 800);
  assert.ok(events.some((e) => e.type === 'status'), 'the status (face count) is sent again');
  const exported = await finished(await service.exportPhotos({ photoIds: [photo.id], outDir: join(work, 'turned'), export: { format: 'jpeg', quality: 90, metadata: 'keep', nameTemplate: '{name}' } }));
  assert.equal(exported.done, 1);
  const meta = await sharp(join(work, 'turned', 'photo-000.jpg')).metadata();
  assert.deepEqual([meta.width, meta.height, meta.orientation ?? 1], [800, 1200, 1], 'exported turned, upright (EXIF orientation reset)');
  const batch = await finished(await service.startBatch({ photoIds: [photo.id], recipe: { sliders: { Smiling: 0.5 } }, outDir: join(work, 'turned-batch') }));
  assert.equal(batch.done, 1);
  const out = readdirSync(join(work, 'turned-batch')).find((f) => f.endsWith('.jpg'))!;
  assert.equal((await sharp(join(work, 'turned-batch', out)).metadata()).width, 800, 'a batch edits the photo turned');

  const back = (await service.rotatePhoto({ photoId: photo.id, turns: 3 })).photo;
  assert.deepEqual([back.width, back.height, back.faces], [1200, 800, 2]);
  assert.match(back.imageUrl, /\?v=0$/);
  await assert.rejects(service.rotatePhoto({ photoId: photo.id, turns: 4 }), /rotatePhoto: turns/);
  // Upright, with its faces found: no turn shows more upright faces, so none is offered.
  assert.equal((await service.findUprightTurns({ photoId: photo.id })).turns, 0);
  await assert.rejects(service.findUprightTurns({ photoId: 999_999 }), /no photo with id 999999/);
  await assert.rejects(service.rotatePhoto({ photoId: 999_999, turns: 1 }), /no photo with id 999999/);
  for (const [file, hash] of originals) assert.equal(sha(file), hash, `${file} was modified`);
});

test('faces another model encoded are encoded again as a job with progress, after a switch of model (or an update of it)', async () => {
  const lib = Library.open(join(work, 'library.sqlite'));
  const faces = () => lib.photosUnder('').flatMap((p) => lib.facesOfPhoto(p.id));
  try {
    const key = faces()[0]!.modelId;
    // As if another model (the shipped one before an update, say) had encoded them all.
    lib.transaction(() => faces().forEach((f) => lib.setFaceLatent(f.id, 'another-model@000000000000', { transform: f.transform, eps: lib.faceEps(f.id) })));
    const photosWithFaces = new Set(faces().map((f) => f.photoId)).size;
    const seen = events.length;
    await service.updateSettings({});
    const job = (await service.listJobs({})).find((j) => j.kind === 'reencode');
    assert.ok(job, 'a re-encoding job runs');
    const done = await finished(job);
    assert.deepEqual([done.state, done.done, done.failed, done.total], ['done', photosWithFaces, 0, photosWithFaces]);
    assert.ok(events.slice(seen).some((e) => e.type === 'job' && e.job.id === job.id && e.job.state === 'running'), 'with progress events');
    assert.deepEqual(new Set(faces().map((f) => f.modelId)), new Set([key]));
    // Nothing left to encode: the next switch starts no job.
    await service.updateSettings({});
    assert.equal((await service.listJobs({})).filter((j) => j.kind === 'reencode').length, 1);
  } finally {
    lib.close();
  }
});

test('the studio looks for new photos in the folders imported as it opens, unless its settings say not to; the photo order is kept', async () => {
  const root = join(work, 'at-open');
  const library = join(work, 'at-open.sqlite');
  await writeTestPhotos(root, 1, { width: 600, height: 400, faces: 1, seed: 41 });
  const open = () => createStudioService({ bundleDir: join(work, 'bundle'), device: 'cpu', library });
  const first = await open();
  try {
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await first.listJobs({}), [], 'nothing imported yet: nothing to look in');
    await finished(await first.importFolder({ path: root }), first);
  } finally {
    await first.close();
  }
  await writeTestPhoto(join(root, 'new.jpg'), { width: 600, height: 400, faces: 1, seed: 42 }, 0);
  const second = await open();
  try {
    let look: JobInfo | undefined;
    for (let i = 0; i < 100 && !look; i++) {
      look = (await second.listJobs({})).find((j) => j.automatic);
      if (!look) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(look, 'a look for new photos started');
    const done = await finished(look, second);
    assert.deepEqual([done.kind, done.state, done.newPhotos, done.total], ['import', 'done', 1, 2]);
    assert.equal((await second.listPhotos({ folder: root })).length, 2);
    const off = await second.updateSettings({ lookForNewPhotos: false });
    assert.equal(off.lookForNewPhotos, false);
    assert.equal((await second.updateSettings({ photoOrder: 'newest' })).photoOrder, 'newest');
    assert.equal((await second.updateSettings({ smallFaces: true })).smallFaces, true);
  } finally {
    await second.close();
  }
  await writeTestPhoto(join(root, 'newer.jpg'), { width: 600, height: 400, faces: 1, seed: 43 }, 0);
  const third = await open();
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const jobs = await third.listJobs({});
    assert.equal(jobs.filter((j) => j.state === 'running').length, 0, 'turned off: no look');
    assert.ok(!jobs.some((j) => j.automatic), "an earlier opening's look is an import like the others");
    assert.equal((await third.listPhotos({ folder: root })).length, 2);
    assert.equal((await third.getSettings({})).photoOrder, 'newest', 'the photo order is kept too');
    assert.equal((await third.getSettings({})).smallFaces, true, 'and the small-face look');
  } finally {
    await third.close();
  }
});

test('the model and device chosen in the settings are kept in the library for the next launch (library/studio-settings.test.ts has the rest)', async () => {
  const bundle = (await service.getSettings({})).bundleDir;
  const chosen = await service.updateSettings({ device: 'cpu' });
  assert.deepEqual(chosen, { bundleDir: bundle, device: 'cpu', shippedBundleDir: defaultBundleDir(), lookForNewPhotos: true, photoOrder: 'name', smallFaces: false });

  const library = join(work, 'library.sqlite');
  const again = await createStudioService({ library }); // nothing named at launch: the saved settings
  try {
    assert.deepEqual(await again.getSettings({}), chosen);
    assert.equal((await again.status({})).model.bundleDir, bundle);
  } finally {
    await again.close();
  }
});

test('a photo whose file went: opening it says so and where, also once a look for new photos marked it missing', async () => {
  const folder = join(work, 'going');
  const [kept, gone] = await writeTestPhotos(folder, 2, { width: 600, height: 400, faces: 1, seed: 21 });
  await finished(await service.importFolder({ path: folder }));
  try {
    const id = (await service.listPhotos({ folder })).find((p) => p.path === gone)!.id;
    assert.equal((await service.getPhoto({ photoId: id })).error, undefined);
    rmSync(gone!);
    const opened = await service.getPhoto({ photoId: id });
    assert.equal(opened.error, `its file is not there: ${gone}. It was moved, renamed or deleted, or it is on a drive that is not mounted`);
    assert.equal(opened.faceList.length, 1, 'its faces are still in the library');
    await assert.rejects(service.media('photo', id), (err: Error) => err.message.includes(`${gone}: file not found`));
    // The other one renamed meanwhile: found at its new name, and counted so.
    const renamed = join(folder, 'renamed.jpg');
    renameSync(kept!, renamed);
    const look = await finished(await service.rescanFolders({ folder }));
    assert.deepEqual([look.newPhotos, look.movedPhotos], [0, 1]);
    assert.deepEqual((await service.listPhotos({ folder })).map((p) => p.path), [renamed], 'the gone one, marked missing, is out of the views');
    assert.match((await service.getPhoto({ photoId: id })).error ?? '', /its file is not there/, 'still opens, saying why');
  } finally {
    await service.removeFolder({ path: folder });
    rmSync(folder, { recursive: true, force: true });
  }
});

test('removing a folder takes its photos out of the library and leaves the files; never while a job works on them', async () => {
  // A photo new to the folder: its import does real work, during which removing is refused.
  await writeTestPhotos(join(photosDir, 'later'), 1, { width: 600, height: 400, faces: 1, seed: 9 });
  const importing = await service.importFolder({ path: photosDir });
  // The import is claimed, so another process (glow-studio remove) sees it too; released at the end.
  const reader = Library.open(join(work, 'library.sqlite'));
  try {
    assert.deepEqual(new JobStore(reader).workingUnder(photosDir), { id: importing.id, kind: 'import', holder: 'this process' });
    await assert.rejects(service.removeFolder({ path: photosDir }), (err: Error & { status?: number }) => err.status === 409 && err.message.includes(`cannot remove ${photosDir} from the library while an import works on its photos`));
    await finished(importing);
    assert.equal(new JobStore(reader).workingUnder(photosDir), undefined);
  } finally {
    reader.close();
  }

  const photos = await service.listPhotos({});
  const expected = {
    folder: photosDir,
    photos: photos.length,
    faces: photos.reduce((n, p) => n + p.faces, 0),
    editedPhotos: photos.filter((p) => p.edited).length,
    mixesOutside: 0,
  };
  assert.ok(expected.photos === 4 && expected.editedPhotos > 0, JSON.stringify(expected));

  const told = await service.removeFolder({ path: photosDir + '/', dryRun: true });
  assert.deepEqual({ ...told, taggedFaces: 0 }, { ...expected, taggedFaces: 0, removed: false });
  assert.ok(told.taggedFaces >= 6, 'the faces tagged for deriving');
  assert.equal((await service.listPhotos({})).length, 4, 'a dry run changes nothing');

  const seen = events.length;
  assert.deepEqual(await service.removeFolder({ path: photosDir }), { ...told, removed: true });
  assert.deepEqual(await service.listPhotos({}), []);
  assert.deepEqual(await service.listFolders({}), []);
  assert.equal((await service.status({})).photos, 0);
  assert.ok(events.slice(seen).some((e) => e.type === 'status' && e.status.photos === 0), 'the UI hears of it');
  assert.equal(await service.media('thumb', photos[0]!.id), undefined);
  for (const [file, hash] of originals) assert.equal(sha(file), hash, `${file} is untouched`);
  await assert.rejects(service.removeFolder({ path: photosDir }), (err: Error & { status?: number }) => err.status === 404 && err.message.includes(photosDir));

  // Importing it again brings the photos back, new, without their edits.
  await finished(await service.importFolder({ path: photosDir }));
  const back = await service.listPhotos({});
  assert.equal(back.length, 4);
  assert.ok(back.every((p) => !p.edited && p.tags.length === 0));
});

test('a face reset to no change no longer makes its photo edited (its badge, and what Export takes)', async () => {
  const [first] = await service.listPhotos({});
  const face = (await service.getPhoto({ photoId: first!.id })).faceList[0]!;
  assert.ok((await service.saveEdit({ faceId: face.id, recipe: { sliders: { Smiling: 0.5 } } })).recipe);
  assert.deepEqual((await service.listPhotos({ edited: true })).map((p) => p.id), [first!.id]);
  assert.equal((await service.saveEdit({ faceId: face.id, recipe: { sliders: { Smiling: 0 } } })).recipe, null);
  assert.deepEqual(await service.listPhotos({ edited: true }), []);
});

test('deleting a derived attribute: its slider leaves the saved edits, the attribute list and renders; built-in ones stay', async () => {
  const [first] = await service.listPhotos({});
  const face = (await service.getPhoto({ photoId: first!.id })).faceList[0]!;
  await service.saveEdit({ faceId: face.id, recipe: { sliders: { Freckles: 1, Smiling: 0.5 } } });
  const use = { name: 'Freckles', edits: 1, photos: 1, histories: 0 };
  assert.deepEqual(await service.removeAttribute({ name: 'Freckles', dryRun: true }), { ...use, removed: false });
  assert.ok((await service.listAttributes({})).some((a) => a.name === 'Freckles'), 'a dry run changes nothing');
  assert.deepEqual(await service.removeAttribute({ name: 'Freckles' }), { ...use, removed: true });
  assert.ok(!(await service.listAttributes({})).some((a) => a.name === 'Freckles'));
  assert.deepEqual((await service.getPhoto({ photoId: first!.id })).faceList[0]!.recipe?.sliders, { Smiling: 0.5 });
  await assert.rejects(service.renderFace({ faceId: face.id, recipe: { sliders: { Freckles: 1 } } }), /unknown attribute 'Freckles'/);
  await assert.rejects(service.removeAttribute({ name: 'Smiling' }), (err: Error & { status?: number }) => err.status === 404 && /built-in ones come with the model and stay/.test(err.message));
});

test('a random face: a draw the model cannot decode is drawn again, unless the user asked for that seed', async (t) => {
  // The fixture model misses seed 13 at temperature 1.5 but draws seed 14; at temperature 2 it
  // misses seeds 0 to 7 (and most others: a random seed can still land, so the draws are fixed here).
  let seeds: number[] = [];
  t.mock.method(Math, 'random', () => (seeds.shift() ?? 0) / 2 ** 31); // the service's random seeds, in turn
  await assert.rejects(service.sampleFace({ temperature: 1.5, seed: 13 }), (err: Error & { status?: number }) => err.status === 422 && /cannot draw a face from seed 13 at temperature 1\.5/.test(err.message));
  seeds = [13, 14];
  const drawn = await service.sampleFace({ temperature: 1.5 });
  assert.equal(drawn.seed, 14, 'seed 13 missed, so another was drawn');
  assert.match(drawn.image, /^data:image\/png;base64,/);
  assert.deepEqual(await service.sampleFace({ temperature: 1.5, seed: drawn.seed }), drawn, 'its seed gives it again');
  seeds = [0, 1, 2, 3, 4, 5, 6, 7];
  await assert.rejects(service.sampleFace({ temperature: 2 }), (err: Error & { status?: number }) => err.status === 422 && /Try a lower temperature/.test(err.message));
  assert.deepEqual(seeds, [], 'eight draws before giving up');
});

test('the photo list finds photos by file name, in any case, not by their folder\'s name', async () => {
  const names = async (name: string) => (await service.listPhotos({ name })).map((p) => p.path.slice(photosDir.length + 1)).sort();
  assert.deepEqual(await names('PHOTO-000'), ['later/photo-000.jpg', 'photo-000.jpg']);
  assert.deepEqual(await names(' 001 '), ['photo-001.jpg']);
  assert.deepEqual(await names('later'), [], 'the folder "later" is not a file name');
  assert.equal((await service.listPhotos({ name: '' })).length, 4, 'an empty search is no filter');
});

/** The next event `matches` takes, sent from now on (the studio polls for other processes' work). */
function nextEvent<E extends StudioEvent>(matches: (e: StudioEvent) => e is E, ms = 20_000): Promise<E> {
  const from = events.length;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const hit = events.slice(from).find(matches);
      if (hit) {
        clearInterval(timer);
        resolve(hit);
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`no such event in ${ms} ms; got ${JSON.stringify(events.slice(from).map((e) => e.type))}`));
      }
    }, 50);
  });
}

const jobEvent = (id: number, ok: (job: JobInfo) => boolean) => (e: StudioEvent): e is Extract<StudioEvent, { type: 'job' }> => e.type === 'job' && e.job.id === id && ok(e.job);

test('a job another process runs on the library shows in the studio with its progress, and keeps its folder from being removed', async () => {
  const other = Library.open(join(work, 'library.sqlite')); // another connection, as another process has
  try {
    const store = new JobStore(other);
    const folder = join(work, 'elsewhere');
    const jobId = store.create('import', { folder }, ['a', 'b', 'c', 'd'].map((n) => ({ source: join(folder, `${n}.jpg`), output: '' })));
    // Held by a live process that is not the studio's (the test runner's parent).
    other.db.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(`${hostname()}:${process.ppid}`, jobId);
    const running = await nextEvent(jobEvent(jobId, (j) => j.state === 'running'));
    assert.equal(running.job.runBy, `process ${process.ppid}`);
    assert.equal((await service.listJobs({})).find((j) => j.id === jobId)?.state, 'running', 'not taken for an interrupted job');
    await assert.rejects(service.removeFolder({ path: folder }), (err: Error & { status?: number }) => err.status === 409 && err.message.includes(`while an import works on its photos (job ${jobId})`));
    store.setDone(jobId, 0, null);
    const moved = await nextEvent(jobEvent(jobId, (j) => j.done === 1));
    assert.ok(Number.isFinite(moved.job.etaSeconds) && moved.job.rate! > 0, `its pace, as the studio sees it: ${JSON.stringify(moved.job)}`);
    store.setState(jobId, 'cancelled');
    await nextEvent(jobEvent(jobId, (j) => j.state === 'cancelled'));
    // Its owner gone, a job left running was interrupted: an import ended there (it is not
    // resumed: importing again skips the photos already in); a batch waits to be resumed.
    const left = store.create('import', { folder }, [{ source: join(folder, 'e.jpg'), output: '' }]);
    other.db.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(`${hostname()}:999999999`, left);
    assert.equal((await nextEvent(jobEvent(left, () => true))).job.state, 'cancelled');
    store.setState(left, 'cancelled');
  } finally {
    other.close();
  }
});

test('glow-studio import in a terminal: the studio shows the job to its end, and lists the photos', async () => {
  const folder = join(work, 'from-terminal');
  await writeTestPhotos(folder, 2, { width: 600, height: 400, faces: 1, seed: 21 });
  const before = (await service.status({})).photos;
  const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
  const script = `const { main } = await import(${JSON.stringify(cli)}); process.exitCode = await main(${JSON.stringify(['import', folder, '--library', join(work, 'library.sqlite')])});`;
  const ended = nextEvent((e): e is Extract<StudioEvent, { type: 'job' }> => e.type === 'job' && e.job.kind === 'import' && e.job.state === 'done' && e.job.total === 2, 60_000);
  const library = nextEvent((e): e is Extract<StudioEvent, { type: 'library' }> => e.type === 'library', 60_000);
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, output);
  assert.match(output, /imported .*from-terminal \(job \d+\): 2 photos scanned, 2 added/);
  const done = await ended;
  assert.equal(done.job.done, 2);
  await library;
  assert.equal((await service.status({})).photos, before + 2);
  assert.equal((await service.listPhotos({ folder })).length, 2);
});

test('"Look for new photos" finds the photos added to the folders imported, not to those removed; importing a removed one by hand brings it back', async () => {
  const root = join(work, 'kept-up');
  await writeTestPhotos(join(root, 'a'), 1, { width: 600, height: 400, faces: 1, seed: 31 });
  await writeTestPhotos(join(root, 'b'), 1, { width: 600, height: 400, faces: 1, seed: 32 });
  await finished(await service.importFolder({ path: root }));
  const under = async () =>
    (await service.listPhotos({}))
      .filter((p) => p.path.startsWith(root + '/'))
      .map((p) => p.path.slice(root.length + 1))
      .sort();
  assert.deepEqual(await under(), ['a/photo-000.jpg', 'b/photo-000.jpg']);
  await service.removeFolder({ path: join(root, 'b') });
  // New on disk since: a photo in a, one in b, and a new subfolder c.
  await writeTestPhoto(join(root, 'a', 'new.jpg'), { width: 600, height: 400, faces: 1, seed: 33 }, 0);
  await writeTestPhoto(join(root, 'b', 'new.jpg'), { width: 600, height: 400, faces: 1, seed: 34 }, 0);
  mkdirSync(join(root, 'c'));
  await writeTestPhoto(join(root, 'c', 'new.jpg'), { width: 600, height: 400, faces: 1, seed: 35 }, 0);
  const rescan = await finished(await service.rescanFolders({}));
  assert.equal(rescan.kind, 'import');
  assert.equal(rescan.newPhotos, 2, 'a/new.jpg and c/new.jpg; the rest were known');
  assert.deepEqual(await under(), ['a/new.jpg', 'a/photo-000.jpg', 'c/new.jpg']);
  // One folder's own: only it.
  await writeTestPhoto(join(root, 'c', 'newer.jpg'), { width: 600, height: 400, faces: 1, seed: 36 }, 0);
  await writeTestPhoto(join(root, 'a', 'newer.jpg'), { width: 600, height: 400, faces: 1, seed: 37 }, 0);
  await finished(await service.rescanFolders({ folder: join(root, 'c') }));
  assert.deepEqual(await under(), ['a/new.jpg', 'a/photo-000.jpg', 'c/new.jpg', 'c/newer.jpg']);
  // Imported by hand, the removed folder is back, and rescans look in it again.
  await finished(await service.importFolder({ path: join(root, 'b') }));
  await finished(await service.rescanFolders({}));
  assert.deepEqual(await under(), ['a/new.jpg', 'a/newer.jpg', 'a/photo-000.jpg', 'b/new.jpg', 'b/photo-000.jpg', 'c/new.jpg', 'c/newer.jpg']);
  // A folder imported before that is not there now (a drive not plugged in): a failed item
  // that names it; its photos stay.
  const drive = join(work, 'drive');
  await writeTestPhotos(drive, 1, { width: 600, height: 400, faces: 1, seed: 38 });
  await finished(await service.importFolder({ path: drive }));
  rmSync(drive, { recursive: true });
  const unplugged = await finished(await service.rescanFolders({}));
  // (The other folders' bad files are reported again too.)
  assert.match(unplugged.errors.find((e) => e.file === drive)?.message ?? 'not reported', /drive: cannot list the folder \(ENOENT\)/);
  assert.equal((await service.listPhotos({ folder: drive })).length, 1);
  // There but empty, as a drive not mounted leaves its mount point: its photos stay too.
  mkdirSync(drive);
  const unmounted = await finished(await service.rescanFolders({}));
  assert.match(unmounted.errors.find((e) => e.file === drive)?.message ?? 'not reported', /drive: no photos in the folder now \(a drive not mounted\?\); the library keeps its photos as they were/);
  assert.equal((await service.listPhotos({ folder: drive })).length, 1);
});
