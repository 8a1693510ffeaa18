// Removing a folder from the library: its photos and its subfolders', with everything hanging
// off them, and nothing of a sibling folder whose name starts the same.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { testFace, withLibrary } from './test-library.js';
import { folderContents, removeFolder } from './remove-folder.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-remove-folder-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const face = testFace();

test('removing a folder takes its photos and its subfolders\' out of the library, with their faces, tags, edits, masks and histories', () => {
  withLibrary(dir, 'library.sqlite', (lib) => {
    const add = (path: string) => lib.addPhoto({ path, hash: path, size: 1, mtimeMs: 1, width: 10, height: 10, orientation: 1 });
    const party = add('/p/party/a.jpg');
    const nested = add('/p/party/day 2/b.jpg');
    const gone = add('/p/party/c.jpg');
    lib.setMissing(gone, true);
    const sibling = add('/p/party-edited/a.jpg');
    const [f1, f2] = [lib.addFace(party, 'm', face), lib.addFace(party, 'm', face)];
    const f3 = lib.addFace(nested, 'm', face);
    const kept = lib.addFace(sibling, 'm', face);
    const mixedOnly = lib.addFace(sibling, 'm', face);
    lib.setTag(f1, 'freckles', true);
    lib.setTag(f2, 'freckles', false);
    lib.setTag(kept, 'freckles', true);
    lib.saveEdit(party, f1, { sliders: { Smiling: 0.5 } });
    lib.saveEdit(nested, f3, { sliders: { Smiling: 1 } });
    // The sibling's faces mix with faces of the folder: they lose the mix (an edit left with
    // nothing else goes), and an undo history that mixes with one is dropped as it is read.
    lib.saveEdit(sibling, kept, { sliders: { Smiling: 1 }, mix: { faceId: f2, weights: [0.5, 0.5] } });
    lib.saveEdit(sibling, mixedOnly, { sliders: { Smiling: 0 }, mix: { faceId: f3, weights: [1, 1] } });
    const mixing = { recipes: { [String(kept)]: { sliders: {}, mix: { faceId: f2, amount: 0.5 } } }, mask: [] };
    lib.setEditHistory(sibling, { past: [], present: mixing, future: [] });
    assert.ok(lib.editHistoryOf(sibling));
    lib.setMask(party, [{ points: [1, 2, 3, 4], size: 5 }]);
    const state = { recipes: { [String(f1)]: { sliders: { Smiling: 0.5 }, mix: null } }, mask: [] };
    lib.setEditHistory(party, { past: [], present: state, future: [] });

    const expected = { folder: '/p/party', photos: 3, faces: 3, editedPhotos: 2, taggedFaces: 2, mixesOutside: 2 };
    assert.deepEqual(folderContents(lib, '/p/party'), expected, 'the counts, changing nothing');
    assert.equal(lib.photosUnder('/p/party/').length, 3);
    assert.deepEqual(removeFolder(lib, '/p/party/'), { ...expected, folder: '/p/party/' }, 'a trailing separator is the same folder');

    assert.deepEqual(lib.photosUnder('/p/').map((p) => p.path), ['/p/party-edited/a.jpg'], 'the sibling folder stays');
    assert.equal(lib.countFaces(), 2);
    assert.deepEqual(lib.tagCounts(), [{ attribute: 'freckles', has: 1, hasNot: 0 }]);
    assert.equal(lib.face(f1), undefined);
    assert.deepEqual(lib.editsOfPhoto(sibling), [{ faceId: kept, recipe: { sliders: { Smiling: 1 } } }], 'the slider stays, the mix goes; the mix alone went');
    assert.equal(lib.editHistoryOf(sibling), null);
    for (const table of ['edits', 'photo_masks', 'edit_histories', 'tags']) {
      const { n } = lib.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
      assert.equal(n, 1 - Number(table === 'photo_masks'), `${table}: only the sibling's rows are left`);
    }
    assert.deepEqual(removeFolder(lib, '/p/nowhere'), { folder: '/p/nowhere', photos: 0, faces: 0, editedPhotos: 0, taggedFaces: 0, mixesOutside: 0 });
    assert.equal(lib.integrityCheck(), 'ok');
  });
});
