// An ended import keeps, of the photos the library knew, only their number; what it says of
// itself (counts, new photos, unreadable files) stays the same.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Library } from '../library/library.js';
import { withLibrary } from '../library/test-library.js';
import { jobInfo } from './job-info.js';
import { JobStore } from './job-store.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-known-photos-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An import of six photos: three the library knew, one new with two faces, one unreadable, one not reached. */
function importJob(store: JobStore): number {
  const id = store.create('import', { folder: '/p' }, ['a', 'b', 'c', 'new', 'bad', 'later'].map((n) => ({ source: `/p/${n}.jpg`, output: '' })));
  for (const idx of [0, 1, 2]) store.setImported(id, idx, null);
  store.setImported(id, 3, 2);
  store.setFailed(id, 4, '/p/bad.jpg: not an image');
  return id;
}

const rows = (lib: Library, id: number) => lib.db.prepare('SELECT count(*) FROM job_items WHERE job_id = ?').pluck().get(id);

test('an ended import keeps its counts, new photos and failures, without a row for each photo the library knew', () => {
  withLibrary(dir, 'ended.sqlite', (lib) => {
    const store = new JobStore(lib);
    const id = importJob(store);
    store.setState(id, 'cancelled');
    const before = jobInfo(store, id);
    assert.deepEqual([before.done, before.failed, before.total, before.newPhotos], [4, 1, 6, 1]);
    store.forgetKnownPhotos(id);
    assert.deepEqual(jobInfo(store, id), before);
    assert.equal(rows(lib, id), 3, 'the new photo, the unreadable one and the one not reached');
    store.forgetKnownPhotos(id); // again: nothing more to forget
    assert.deepEqual(jobInfo(store, id), before);
  });
});

test('a library from before forgets the known photos of its ended imports, not of a batch or an import still running', () => {
  const file = join(dir, 'old.sqlite');
  const old = Library.open(file, { schemaVersion: 13 }); // before v14 (known_items)
  let ended = 0;
  let running = 0;
  let batch = 0;
  try {
    const store = new JobStore(old);
    ended = importJob(store);
    store.setState(ended, 'done');
    running = importJob(store);
    batch = store.create('batch', { source: '/p', out: '/p/edited' }, [{ source: '/p/a.jpg', output: '/p/edited/a.jpg' }]);
    store.setImported(batch, 0, null);
  } finally {
    old.close();
  }
  withLibrary(dir, 'old.sqlite', (lib) => {
    const store = new JobStore(lib);
    assert.deepEqual([rows(lib, ended), rows(lib, running), rows(lib, batch)], [3, 6, 1]);
    const info = jobInfo(store, ended);
    assert.deepEqual([info.done, info.failed, info.total, info.newPhotos], [4, 1, 6, 1]);
  });
});
