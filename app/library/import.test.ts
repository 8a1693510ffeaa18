// Importing a folder: faces and latents stored; a rescan reads nothing it already has; a
// changed file is analysed again; a moved file is recognised by its hash and keeps its faces.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { writeBadPhotos, writeTestPhoto, writeTestPhotos } from '../jobs/test-photos.js';
import type { PhotoOrder } from '../api/contract.js';
import { listPhotos, mediaUrls } from '../studio/library-views.js';
import { hashFile, importFolder } from './import.js';
import { Library } from './library.js';
import { fixtureModels } from './test-library.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-import-'));
const photos = join(dir, 'photos');
const models = fixtureModels();
let files: string[];

before(async () => {
  files = await writeTestPhotos(photos, 4, { width: 400, height: 300, faces: 1 }, 2);
  await writeBadPhotos(photos);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('photos from different time zones order by the instant they were taken, and show their own wall clock; a library from before zones reads them at its next import', async () => {
  const zones = join(dir, 'zones');
  mkdirSync(zones);
  // Taken at 12:00 in Paris in summer (10:00 UTC), and at 11:00 by a camera that records no zone.
  const exif = (date: string, zone?: string) => ({ IFD2: { DateTimeOriginal: date, ...(zone ? { OffsetTimeOriginal: zone } : {}) } });
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#789' } }).jpeg().withExif(exif('2023:07:01 12:00:00', '+02:00')).toFile(join(zones, 'paris.jpg'));
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#987' } }).jpeg().withExif(exif('2023:07:01 11:00:00')).toFile(join(zones, 'camera.jpg'));
  const listed = (lib: Library) => listPhotos(lib, mediaUrls('/'), { order: 'newest', offset: 0, limit: 10 }).map((p) => `${p.name} ${new Date(p.takenMs!).toISOString().slice(11, 16)}`);
  const file = join(dir, 'zones.sqlite');
  // First as a library from before zones (schema 18) has them: the wall clock alone, read.
  const old = Library.open(file, { schemaVersion: 18 });
  try {
    const add = old.db.prepare('INSERT INTO photos (path, name_key, hash, size, mtime_ms, width, height, taken_ms, date_read) VALUES (?, ?, ?, ?, ?, 64, 48, ?, 1)');
    for (const [name, wall] of [['paris.jpg', Date.UTC(2023, 6, 1, 12)], ['camera.jpg', Date.UTC(2023, 6, 1, 11)]] as const) {
      const f = join(zones, name);
      add.run(f, name, await hashFile(f), statSync(f).size, statSync(f).mtimeMs, wall);
    }
  } finally {
    old.close();
  }
  const lib = Library.open(file);
  try {
    assert.deepEqual(listed(lib), ['paris.jpg 12:00', 'camera.jpg 11:00'], 'by the wall clock, until read again');
    assert.equal(lib.photoByPath(join(zones, 'paris.jpg'))!.dateRead, false, 'to be read again for its zone');
    assert.equal((await importFolder(lib, zones, models.engine, models.detector)).unchanged, 2);
    assert.deepEqual(listed(lib), ['camera.jpg 11:00', 'paris.jpg 12:00'], 'Paris at 12:00 was 10:00 UTC: earlier; each shows its own clock');
    assert.equal(lib.photoByPath(join(zones, 'paris.jpg'))!.takenMs, Date.UTC(2023, 6, 1, 12));
  } finally {
    lib.close();
  }
  const fresh = Library.open(join(dir, 'zones-fresh.sqlite'));
  try {
    await importFolder(fresh, zones, models.engine, models.detector);
    assert.deepEqual(listed(fresh), ['camera.jpg 11:00', 'paris.jpg 12:00'], 'a new import reads the zone at once');
  } finally {
    fresh.close();
  }
});

test('import is incremental: new, unchanged, changed, moved and missing photos', async () => {
  const lib = Library.open(join(dir, 'lib.sqlite'));
  try {
    const first = await importFolder(lib, photos, models.engine, models.detector);
    assert.deepEqual([first.scanned, first.added, first.unchanged, first.failed.length], [7, 4, 0, 3]);
    assert.equal(first.faces, 4);
    assert.match(first.failed.map((f) => f.error).join('\n'), /bad-empty\.jpg: file is empty/);
    const photo = lib.photoByPath(files[0]!)!;
    assert.deepEqual([photo.width, photo.height], [400, 300]);
    assert.ok(lib.thumbnail(photo.id)!.length > 100, 'lib.thumbnail(photo.id)!.length > 100');
    const [face] = lib.facesOfPhoto(photo.id);
    assert.equal(face!.modelId, models.engine.latentKey);
    assert.match(face!.modelId, /^fixture-tiny-32@[0-9a-f]{12}$/);
    assert.equal(lib.faceEps(face!.id, models.engine.manifest.eps_size).length, 3072);
    lib.setTag(face!.id, 'smile', true);

    const again = await importFolder(lib, photos, models.engine, models.detector);
    assert.deepEqual([again.added, again.changed, again.moved, again.unchanged], [0, 0, 0, 4]);

    // Touched but identical: the hash says unchanged. Rewritten: analysed again.
    const t = statSync(files[1]!).mtime;
    utimesSync(files[1]!, t, new Date(t.getTime() + 5000));
    await writeTestPhoto(files[2]!, { width: 400, height: 300, faces: 2, seed: 1 });
    // Moved to another subfolder: same row, same faces, same tags.
    const moved = join(photos, 'set-1', 'renamed.jpg');
    renameSync(files[0]!, moved);
    rmSync(files[3]!);
    const third = await importFolder(lib, photos, models.engine, models.detector);
    assert.deepEqual([third.added, third.changed, third.moved, third.unchanged, third.missing], [0, 1, 1, 1, 1]);
    const after = lib.photoByPath(moved)!;
    assert.equal(after.id, photo.id);
    assert.deepEqual(lib.tagged('smile'), [{ faceId: face!.id, has: true }]);
    const pair = lib.facesOfPhoto(lib.photoByPath(files[2]!)!.id);
    assert.equal(pair.length, 2);
    assert.ok(pair[0]!.box.x < pair[1]!.box.x, 'faces are numbered left to right');
    assert.equal(lib.photoByPath(files[3]!)!.missing, true);
    assert.equal(lib.integrityCheck(), 'ok');
  } finally {
    lib.close();
  }
});

test('the date taken: read from EXIF at import, and at the next import for a library from before dates; the listing orders by it', async () => {
  const dated = join(dir, 'dated');
  const names = await writeTestPhotos(dated, 4, { width: 400, height: 300, faces: 1, exif: true }); // 2020 + 0, 37, 74, 10 days
  const undated = join(dated, 'no-date.jpg');
  await writeTestPhoto(undated, { width: 400, height: 300, faces: 1 });
  utimesSync(undated, new Date('2019-06-01T12:00:00Z'), new Date('2019-06-01T12:00:00Z')); // older than all: its file's date
  const taken = (days: number, index: number) => Date.UTC(2020, 0, 1 + days, 9, 30, index); // exifDate
  const listed = (lib: Library, order: PhotoOrder) => listPhotos(lib, mediaUrls('/'), { order, offset: 0, limit: 10 }).map((p) => p.name);

  const lib = Library.open(join(dir, 'dated.sqlite'));
  try {
    await importFolder(lib, dated, models.engine, models.detector);
    assert.deepEqual(names.map((f) => lib.photoByPath(f)!.takenMs), [taken(0, 0), taken(37, 1), taken(74, 2), taken(10, 3)]);
    assert.equal(lib.photoByPath(undated)!.takenMs, undefined);
    assert.deepEqual(listed(lib, 'newest'), ['photo-002.jpg', 'photo-001.jpg', 'photo-003.jpg', 'photo-000.jpg', 'no-date.jpg']);
    assert.deepEqual(listed(lib, 'oldest'), ['no-date.jpg', 'photo-000.jpg', 'photo-003.jpg', 'photo-001.jpg', 'photo-002.jpg']);
    assert.deepEqual(listed(lib, 'name'), ['no-date.jpg', 'photo-000.jpg', 'photo-001.jpg', 'photo-002.jpg', 'photo-003.jpg']);
  } finally {
    lib.close();
  }

  // The same photos in a library from before v15: no dates until an import reads them again,
  // unchanged as they are.
  const file = join(dir, 'before-dates.sqlite');
  const old = Library.open(file, { schemaVersion: 14 });
  try {
    const add = old.db.prepare('INSERT INTO photos (path, hash, size, mtime_ms, width, height) VALUES (?, ?, ?, ?, 400, 300)');
    for (const f of [...names, undated]) add.run(f, await hashFile(f), statSync(f).size, statSync(f).mtimeMs);
  } finally {
    old.close();
  }
  const migrated = Library.open(file);
  try {
    const before = migrated.photoByPath(names[2]!)!;
    assert.deepEqual([before.dateRead, before.takenMs], [false, undefined]);
    assert.deepEqual(listed(migrated, 'name'), ['no-date.jpg', 'photo-000.jpg', 'photo-001.jpg', 'photo-002.jpg', 'photo-003.jpg'], 'name keys made by the migration');
    const summary = await importFolder(migrated, dated, models.engine, models.detector);
    assert.equal(summary.unchanged, 5, 'not analysed again');
    const read = migrated.photoByPath(names[2]!)!;
    assert.deepEqual([read.dateRead, read.takenMs], [true, taken(74, 2)]);
    assert.equal(migrated.photoByPath(undated)!.dateRead, true);
    assert.deepEqual(listed(migrated, 'newest'), ['photo-002.jpg', 'photo-001.jpg', 'photo-003.jpg', 'photo-000.jpg', 'no-date.jpg']);
  } finally {
    migrated.close();
  }
});
