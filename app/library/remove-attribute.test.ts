// Deleting a derived attribute: its directions for every model go, saved edits lose its slider
// (an edit left with nothing to change goes), histories that move it are cleared; tags stay.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Library } from './library.js';
import { testFace, withLibrary } from './test-library.js';
import { attributeUse, removeDerivedAttribute } from './remove-attribute.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-remove-attribute-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const face = testFace();

function derive(lib: Library, name: string, modelId: string): void {
  lib.saveAttribute({ name, modelId, source: 'derived', direction: new Float32Array(12), positives: 5, negatives: 5, quality: {} });
}

test('deleting a derived attribute takes its slider out of saved edits and histories, for every model; its tags stay', () => {
  withLibrary(dir, 'library.sqlite', (lib) => {
    const add = (path: string) => lib.addPhoto({ path, hash: path, size: 1, mtimeMs: 1, width: 10, height: 10, orientation: 1 });
    const [p1, p2] = [add('/p/a.jpg'), add('/p/b.jpg')];
    const [f1, f2] = [lib.addFace(p1, 'm1', face), lib.addFace(p1, 'm1', face)];
    const f3 = lib.addFace(p2, 'm1', face);
    derive(lib, 'freckles', 'm1');
    derive(lib, 'freckles', 'm2');
    derive(lib, 'dimples', 'm1');
    lib.setTag(f1, 'freckles', true);
    lib.saveEdit(p1, f1, { sliders: { freckles: 1, Smiling: 0.5 } });
    lib.saveEdit(p1, f2, { sliders: { freckles: 0.5 } });
    lib.saveEdit(p2, f3, { sliders: { dimples: 1 } });
    const state = (sliders: Record<string, number>) => ({ recipes: { [String(f1)]: { sliders, mix: null } }, mask: [] });
    lib.setEditHistory(p1, { past: [state({ freckles: 1 })], present: state({ Smiling: 0.5 }), future: [] });
    lib.setEditHistory(p2, { past: [], present: state({ dimples: 1 }), future: [] });

    const use = { name: 'freckles', edits: 2, photos: 1, histories: 1 };
    assert.deepEqual(attributeUse(lib, 'freckles'), use, 'changing nothing');
    assert.equal(lib.attributes('m1').length, 2);
    assert.deepEqual(removeDerivedAttribute(lib, 'freckles'), use);

    assert.deepEqual(lib.attributes('m1').map((a) => a.name), ['dimples']);
    assert.deepEqual(lib.attributes('m2'), [], 'the direction derived for another model goes too');
    assert.deepEqual(lib.editsOfPhoto(p1), [{ faceId: f1, recipe: { sliders: { Smiling: 0.5 } } }], 'f2 had only freckles: its edit is gone');
    assert.deepEqual(lib.editsOfPhoto(p2)[0]!.recipe.sliders, { dimples: 1 });
    assert.equal(lib.editHistoryOf(p1), null);
    assert.ok(lib.editHistoryOf(p2), 'a history without it stays');
    assert.deepEqual(lib.tagsOf(f1), { freckles: true }, 'its tags stay, to derive it again');
    assert.throws(() => removeDerivedAttribute(lib, 'freckles'), /no attribute 'freckles' of yours in the library/);
    assert.throws(() => attributeUse(lib, 'Smiling'), /built-in ones come with the model and stay/);
  });
});

test('a derived attribute named like a built-in one: deleting it leaves the edits, which move the built-in slider again', () => {
  withLibrary(dir, 'builtin-name.sqlite', (lib) => {
    const photo = lib.addPhoto({ path: '/p/a.jpg', hash: 'h', size: 1, mtimeMs: 1, width: 10, height: 10, orientation: 1 });
    const f = lib.addFace(photo, 'm1', face);
    derive(lib, 'Smiling', 'm1');
    lib.saveEdit(photo, f, { sliders: { Smiling: 1 } });
    assert.deepEqual(removeDerivedAttribute(lib, 'Smiling', { builtin: true }), { name: 'Smiling', edits: 0, photos: 0, histories: 0 });
    assert.deepEqual(lib.attributes('m1'), []);
    assert.deepEqual(lib.editsOfPhoto(photo)[0]!.recipe.sliders, { Smiling: 1 });
  });
});
