// The folders a library keeps up with: imported ones are rescanned, removed ones under them left
// out, and an import by hand brings back what was removed under it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { JobStore } from '../jobs/job-store.js';
import { foldersToRescan, rememberImported, rememberRemoved } from './import-folders.js';
import { Library } from './library.js';
import { withLibrary } from './test-library.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-import-folders-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a rescan looks in the imported folders, without the folders removed under them', () => {
  withLibrary(dir, 'rules.sqlite', (lib) => {
    assert.deepEqual(foldersToRescan(lib), [], 'nothing imported yet');
    rememberImported(lib, '/p');
    rememberImported(lib, '/p/2019'); // part of /p
    rememberImported(lib, '/q');
    rememberRemoved(lib, '/p/screens');
    rememberRemoved(lib, '/p/screens/old'); // within what is removed already
    rememberRemoved(lib, '/elsewhere'); // never imported: nothing to leave out
    assert.deepEqual(foldersToRescan(lib), [
      { folder: '/p', exclude: ['/p/screens'] },
      { folder: '/q', exclude: [] },
    ]);
    // One folder's own "Look for new photos".
    assert.deepEqual(foldersToRescan(lib, '/p/screens'), [{ folder: '/p/screens', exclude: [] }]);
    assert.deepEqual(foldersToRescan(lib, '/p/2019'), [{ folder: '/p/2019', exclude: [] }]);

    // A folder under a removed one, imported by hand, is kept up with on its own.
    rememberImported(lib, '/p/screens/keep');
    assert.deepEqual(foldersToRescan(lib), [
      { folder: '/p', exclude: ['/p/screens'] },
      { folder: '/p/screens/keep', exclude: [] },
      { folder: '/q', exclude: [] },
    ]);
    // Importing the removed folder by hand brings it back into /p's rescans.
    rememberImported(lib, '/p/screens');
    assert.deepEqual(foldersToRescan(lib), [
      { folder: '/p', exclude: [] },
      { folder: '/q', exclude: [] },
    ]);
    // Removing an imported folder: it is no longer rescanned, nor anything under it.
    rememberRemoved(lib, '/p');
    assert.deepEqual(foldersToRescan(lib), [{ folder: '/q', exclude: [] }]);
    // A sibling whose name starts the same is another folder.
    rememberRemoved(lib, '/q-old');
    rememberImported(lib, '/qq');
    assert.deepEqual(foldersToRescan(lib), [
      { folder: '/q', exclude: [] },
      { folder: '/qq', exclude: [] },
    ]);
  });
});

test('a library from before learns the folders it imported from its import jobs, those with photos still', () => {
  const file = join(dir, 'old.sqlite');
  const old = Library.open(file, { schemaVersion: 11 }); // before v12 (library_folders)
  try {
    const store = new JobStore(old);
    for (const folder of ['/p', '/p/2019', '/gone', '/q']) store.create('import', { folder }, []);
    store.create('batch', { source: '/r', out: '/r/edited' }, []);
    // (Rows as v11 had them: Library.addPhoto writes the columns of today's schema.)
    const add = old.db.prepare('INSERT INTO photos (path, hash, size, mtime_ms, width, height) VALUES (?, ?, 1, 1, 10, 10)');
    for (const path of ['/p/a.jpg', '/p/2019/b.jpg', '/q/c.jpg', '/r/d.jpg']) add.run(path, path);
  } finally {
    old.close();
  }
  withLibrary(dir, 'old.sqlite', (lib) => {
    assert.deepEqual(foldersToRescan(lib), [
      { folder: '/p', exclude: [] },
      { folder: '/q', exclude: [] },
    ]);
  });
});
