// The library file: schema versions and migration, typed rows, float16 latents, WAL readers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { sample, seededRandom } from '../engine/latent.js';
import { decodeFloat16, encodeFloat16 } from './float16.js';
import { Library } from './library.js';
import { libraryPath, userDataDir } from './location.js';
import { SCHEMA_VERSION } from './migrations.js';
import { testFace, withLibrary } from './test-library.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-library-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A photo row as the import adds one. */
const PHOTO = { path: '/p/b.jpg', hash: 'h', size: 5, mtimeMs: 2, width: 10, height: 10, orientation: 1 };

test('the library lives in the user data folder unless --library or GLOW_STUDIO_LIBRARY says otherwise', () => {
  assert.equal(userDataDir('linux', { XDG_DATA_HOME: '/x/data' }, '/home/u'), '/x/data/glow-studio');
  assert.equal(userDataDir('linux', {}, '/home/u'), '/home/u/.local/share/glow-studio');
  assert.equal(userDataDir('darwin', {}, '/Users/u'), '/Users/u/Library/Application Support/glow-studio');
  assert.match(userDataDir('win32', { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'C:\\Users\\u'), /Roaming.glow-studio$/);
  assert.equal(libraryPath('/tmp/mine'), '/tmp/mine/library.sqlite');
  assert.equal(libraryPath(undefined, { GLOW_STUDIO_LIBRARY: '/tmp/env.sqlite' }), '/tmp/env.sqlite');
});

test('float16 latents round-trip within half precision', () => {
  const eps = sample(3072, 1, seededRandom(3));
  eps[0] = 0;
  eps[1] = -0;
  eps[2] = 65504;
  eps[3] = 1e-6;
  const back = decodeFloat16(encodeFloat16(eps), eps.length);
  assert.equal(encodeFloat16(eps).length, 2 * 3072);
  for (let i = 0; i < eps.length; i++) assert.ok(Math.abs(back[i]! - eps[i]!) <= Math.max(1e-7, Math.abs(eps[i]!) * 2 ** -11), `${eps[i]} -> ${back[i]}`);
  assert.throws(() => decodeFloat16(Buffer.alloc(10), 6), /holds 5 values, expected 6/);
});

test('a library made by the v1 schema migrates to the current one and keeps its rows', () => {
  const file = join(dir, 'old.sqlite');
  const v1 = Library.open(file, { schemaVersion: 1 });
  assert.equal(v1.schemaVersion, 1);
  const eps = sample(3072, 0.7, seededRandom(1));
  // Write as the v1 studio did (no missing / source / quality / jobs).
  v1.db.prepare("INSERT INTO photos (path, hash, size, mtime_ms, width, height) VALUES ('/p/a.jpg', 'abc', 10, 1, 640, 480)").run();
  v1.db
    .prepare("INSERT INTO faces (photo_id, box, landmarks, transform, score, model_id, eps) VALUES (1, ?, ?, '[1,0,0,0,1,0]', 0.9, 'm1', ?)")
    .run(JSON.stringify(testFace(eps).box), JSON.stringify(testFace(eps).landmarks), encodeFloat16(eps));
  v1.db.prepare("INSERT INTO tags (face_id, attribute, value) VALUES (1, 'freckles', 1)").run();
  v1.db.prepare("INSERT INTO attributes (name, model_id, direction, positives, negatives) VALUES ('freckles', 'm1', ?, 6, 7)").run(Buffer.alloc(3072 * 4));
  assert.throws(() => v1.db.prepare('SELECT * FROM jobs').all(), /no such table: jobs/);
  v1.close();

  const lib = Library.open(file);
  try {
    assert.equal(lib.openedAtVersion, 1);
    assert.equal(lib.schemaVersion, SCHEMA_VERSION);
    assert.equal(lib.integrityCheck(), 'ok');
    const photo = lib.photoByPath('/p/a.jpg')!;
    assert.equal(photo.missing, false);
    assert.equal(lib.facesOfPhoto(photo.id)[0]!.landmarks.leftEye[0], 40);
    assert.deepEqual(lib.tagged('freckles'), [{ faceId: 1, has: true }]);
    const [attr] = lib.attributes('m1');
    assert.equal(attr!.source, 'derived');
    assert.deepEqual(attr!.quality, {});
    assert.equal(attr!.direction.length, 3072);
    assert.deepEqual(lib.db.prepare('SELECT count(*) AS n FROM jobs').get(), { n: 0 });
  } finally {
    lib.close();
  }
  // A library from a newer studio is refused with a clear message.
  const newer = new Database(file);
  newer.pragma('user_version = 99');
  newer.close();
  assert.throws(() => Library.open(file), /schema version 99, newer than this studio understands/);
});

test('photos, faces, tags, attributes and edits round-trip through the typed API', () => {
  const lib = Library.open(join(dir, 'api.sqlite'));
  try {
    assert.equal(lib.db.pragma('journal_mode', { simple: true }), 'wal');
    const id = lib.addPhoto({ path: '/p/b.jpg', hash: 'h', size: 5, mtimeMs: 2, width: 10, height: 10, orientation: 6 });
    const eps = sample(3072, 0.7, seededRandom(2));
    const [f1, f2] = lib.setFaces(id, 'm1', [testFace(eps), testFace(eps)]);
    assert.ok(Math.abs(lib.faceEps(f1!, 3072)[5]! - eps[5]!) < 1e-2, 'Math.abs(lib.faceEps(f1!, 3072)[5]! - eps[5]!) < 1e-2');
    lib.setTag(f1!, 'smile', true);
    lib.setTag(f2!, 'smile', false);
    lib.setTag(f2!, 'smile', true); // re-tagging replaces
    assert.deepEqual(lib.tagCounts(), [{ attribute: 'smile', has: 2, hasNot: 0 }]);
    assert.throws(() => lib.setTag(999, 'smile', true), /no face with id 999/);
    lib.saveEdit(id, f1!, { sliders: { smile: 0.5 }, mix: { faceId: f2!, weights: [0, 0, 1] } });
    assert.deepEqual(lib.editsOfPhoto(id)[0]!.recipe.sliders, { smile: 0.5 });
    assert.throws(() => lib.saveEdit(id, f1!, { sliders: { smile: Infinity } }));
    lib.saveEdit(id, f2!, { sliders: { smile: 0 }, mix: { faceId: f1!, weights: [0, 0, 0] } });
    assert.deepEqual(lib.editsOfPhoto(id).map((e) => e.faceId), [f1], 'a recipe that changes nothing is no edit');
    lib.saveEdit(id, f1!, { sliders: {} });
    assert.deepEqual(lib.editsOfPhoto(id), [], 'and saving one removes the edit (Reset face)');
    lib.saveEdit(id, f1!, { sliders: { smile: 0.5 }, mix: { faceId: f2!, weights: [0, 0, 1] } });
    // The brush mask: kept with the photo, dropped when the photo's content changes.
    lib.setMask(id, [{ points: [1, 2, 3, 4], size: 5 }]);
    assert.deepEqual(lib.maskOf(id), [{ points: [1, 2, 3, 4], size: 5 }]);
    assert.throws(() => lib.setMask(id, [{ points: [1], size: 5 }]));
    lib.replacePhoto(id, { path: '/p/b.jpg', hash: 'h2', size: 6, mtimeMs: 3, width: 10, height: 10, orientation: 1 });
    assert.deepEqual(lib.maskOf(id), []);
    // A damaged JSON column names the row.
    lib.db.prepare("UPDATE faces SET box = '{\"x\": 1}' WHERE id = ?").run(f2!);
    assert.throws(() => lib.face(f2!), /faces row \d+ box: .*width/);
  } finally {
    lib.close();
  }
});

test('a photo keeps the editor\'s undo history until it is turned or its file changes', () => {
  withLibrary(dir, 'history.sqlite', (lib) => {
    const id = lib.addPhoto(PHOTO);
    assert.equal(lib.editHistoryOf(id), null);
    const state = (smile: number) => ({ recipes: { '7': { sliders: { Smiling: smile }, mix: null } }, mask: [] });
    const history = { past: [state(0)], present: state(0.5), future: [state(1)] };
    lib.setEditHistory(id, history);
    assert.deepEqual(lib.editHistoryOf(id), history);
    assert.throws(() => lib.setEditHistory(id, { ...history, present: { recipes: { seven: state(1).recipes['7'] }, mask: [] } }));

    lib.setTurns(id, 1, 10, 10, Buffer.from('t'));
    assert.equal(lib.editHistoryOf(id), null, 'a turn: its states hold the faces and strokes of the photo unturned');
    lib.setEditHistory(id, history);
    lib.replacePhoto(id, { ...PHOTO, hash: 'h2' });
    assert.equal(lib.editHistoryOf(id), null, 'a changed file');

    lib.db.prepare('INSERT INTO edit_histories (photo_id, history) VALUES (?, ?)').run(id, JSON.stringify({ past: 'not a list' }));
    assert.equal(lib.editHistoryOf(id), null, 'one that does not parse is dropped, not an error');
  });
});

test('a photo kept upright as it is stays so until it is turned or its file changes', () => {
  withLibrary(dir, 'kept.sqlite', (lib) => {
    const [a, b] = [lib.addPhoto(PHOTO), lib.addPhoto({ ...PHOTO, path: '/p/l.jpg' })];
    assert.deepEqual([...lib.keptUpright([a, b])], []);
    lib.keepUpright(a);
    assert.deepEqual([...lib.keptUpright([a, b])], [a]);
    lib.setTurns(a, 1, 10, 10, Buffer.from('t'));
    assert.deepEqual([...lib.keptUpright([a])], [], 'turned: judged afresh');
    lib.keepUpright(a);
    lib.replacePhoto(a, { ...PHOTO, hash: 'h2' });
    assert.deepEqual([...lib.keptUpright([a])], [], 'a changed file');
  });
});

test('a reader queries while a writer holds a long transaction (WAL)', () => {
  const file = join(dir, 'wal.sqlite');
  const writer = Library.open(file);
  const reader = Library.open(file, { readonly: true });
  try {
    writer.addPhoto({ path: '/p/1.jpg', hash: 'a', size: 1, mtimeMs: 1, width: 1, height: 1, orientation: 1 });
    writer.db.exec('BEGIN IMMEDIATE');
    writer.addPhoto({ path: '/p/2.jpg', hash: 'b', size: 1, mtimeMs: 1, width: 1, height: 1, orientation: 1 });
    assert.equal(reader.countPhotos(), 1); // sees the committed state, does not wait
    writer.db.exec('COMMIT');
    assert.equal(reader.countPhotos(), 2);
  } finally {
    reader.close();
    writer.close();
  }
});
