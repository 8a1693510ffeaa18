// Taking a face out of a photo: its edit and tags go, undo histories no longer hold it, a face
// mixed into another edit is refused, and looking for faces again (smaller faces, a turn) does
// not bring it back until the user asks for the removed faces back; a batch leaves it alone.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { EditHistory } from '../api/contract.js';
import { editPhoto, newStageTimes, type FaceEditContext } from '../jobs/face-edit.js';
import { writeTestPhoto } from '../jobs/test-photos.js';
import { importFolder } from './import.js';
import { Library } from './library.js';
import { asInLibrary } from './photo-pixels.js';
import { bringBackRemovedFaces, FaceInUseError, removeFace } from './remove-face.js';
import { turnPhoto } from './rotation.js';
import { addSmallerFaces } from './smaller-faces.js';
import { fixtureModels } from './test-library.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-remove-face-'));
const models = fixtureModels();
after(() => rmSync(dir, { recursive: true, force: true }));

const state = (recipes: EditHistory['present']['recipes']): EditHistory['present'] => ({ recipes, mask: [] });

test('a removed face takes its edit and tags; histories lose it; a face mixed into an edit is refused; a second look passes over it until brought back', async () => {
  const photos = join(dir, 'three');
  mkdirSync(photos);
  await writeTestPhoto(join(photos, 'group.jpg'), { width: 900, height: 400, faces: 3, seed: 5 });
  await writeTestPhoto(join(photos, 'other.jpg'), { width: 400, height: 300, faces: 1, seed: 6 });
  const library = Library.open(join(dir, 'three.sqlite'));
  try {
    await importFolder(library, photos, models.engine, models.detector);
    const group = library.photoByPath(join(photos, 'group.jpg'))!;
    const other = library.photoByPath(join(photos, 'other.jpg'))!;
    const [a, b, c] = library.facesOfPhoto(group.id);
    assert.ok(a && b && c && library.facesOfPhoto(other.id).length === 1, 'the import found the three faces and the other photo\'s one');
    library.setTag(a.id, 'smile', true);
    library.setTag(a.id, 'glasses', false);
    library.saveEdit(group.id, a.id, { sliders: { Smiling: 0.5 } });
    library.saveEdit(group.id, b.id, { sliders: {}, mix: { faceId: c.id, weights: [0.5, 0.5, 0.5, 0.5] } });
    const ids = { a: String(a.id), b: String(b.id), c: String(c.id) };
    const none = { sliders: {}, mix: null };
    library.setEditHistory(group.id, {
      past: [state({ [ids.a]: none, [ids.b]: none, [ids.c]: none }), state({ [ids.a]: { sliders: { Smiling: 0.5 }, mix: null }, [ids.b]: none, [ids.c]: none })],
      present: state({ [ids.a]: { sliders: { Smiling: 0.5 }, mix: null }, [ids.b]: { sliders: {}, mix: { faceId: c.id, amount: 0.5 } }, [ids.c]: none }),
      future: [],
    });
    // The other photo's history once mixed its face with face a; its saved edit does not.
    const [o] = library.facesOfPhoto(other.id);
    library.setEditHistory(other.id, { past: [state({ [String(o!.id)]: { sliders: {}, mix: { faceId: a.id, amount: 1 } } })], present: state({ [String(o!.id)]: none }), future: [] });

    assert.throws(() => removeFace(library, c.id), (err: Error) => err instanceof FaceInUseError && err.message.includes(join(photos, 'group.jpg')) && /take that mix out first/.test(err.message));
    assert.equal(library.facesOfPhoto(group.id).length, 3, 'refused: nothing changed');
    assert.throws(() => removeFace(library, 99_999), /no face with id 99999/);

    assert.deepEqual(removeFace(library, a.id), { photoId: group.id, faces: 2, hadEdit: true, tags: 2 });
    assert.deepEqual(library.facesOfPhoto(group.id).map((f) => f.id), [b.id, c.id]);
    assert.deepEqual(library.tagged('smile'), []);
    assert.deepEqual(library.editsOfPhoto(group.id).map((e) => e.faceId), [b.id]);
    const history = library.editHistoryOf(group.id)!;
    assert.ok([...history.past, history.present].every((s) => !(ids.a in s.recipes) && ids.b in s.recipes), 'its own photo\'s history lost its recipes only');
    assert.equal(library.editHistoryOf(other.id), null, 'a history that mixed with it is cleared: undoing into it could not render');
    assert.deepEqual(library.removedFaceBoxes(group.id), [a.box]);

    // A batch of the photo leaves the face there alone.
    const ctx: FaceEditContext = { engine: models.engine, detector: models.detector, directions: {}, sliders: {} };
    const file = join(photos, 'group.jpg');
    assert.equal((await editPhoto(file, ctx, newStageTimes())).faces, 3);
    assert.equal((await editPhoto(file, { ...ctx, asInLibrary: (f) => asInLibrary(library, f) }, newStageTimes())).faces, 2);

    // Looking again passes over its place; bringing the removed faces back finds it again, as a new face.
    assert.deepEqual(await addSmallerFaces(library, models.engine, models.detector, group.id), { added: 0, faces: 2 });
    assert.deepEqual(await bringBackRemovedFaces(library, models.engine, models.detector, group.id), { added: 1, faces: 3 });
    assert.deepEqual(library.removedFaceBoxes(group.id), []);
    const back = library.facesOfPhoto(group.id).find((f) => ![b.id, c.id].includes(f.id))!;
    assert.ok(back.id > c.id && Math.abs(back.box.x - a.box.x) < 4, `face back at x ${back.box.x}, was ${a.box.x}`);
    assert.deepEqual(library.tagsOf(back.id), {}, 'without the old tags');
  } finally {
    library.close();
  }
});

test('bringing back one removed face leaves the others out', async () => {
  const photos = join(dir, 'one-back');
  mkdirSync(photos);
  await writeTestPhoto(join(photos, 'group.jpg'), { width: 900, height: 400, faces: 3, seed: 5 });
  const library = Library.open(join(dir, 'one-back.sqlite'));
  try {
    await importFolder(library, photos, models.engine, models.detector);
    const group = library.photoByPath(join(photos, 'group.jpg'))!;
    const [a, b, c] = library.facesOfPhoto(group.id);
    assert.ok(a && b && c);
    removeFace(library, a.id);
    removeFace(library, c.id);
    const [placeA, placeC] = library.removedFaces(group.id);
    assert.deepEqual([placeA?.box, placeC?.box], [a.box, c.box], 'oldest first');
    await assert.rejects(bringBackRemovedFaces(library, models.engine, models.detector, group.id, [placeA!.id, 12_345]), {
      message: `${group.path} has no removed face with id 12345; its removed faces are ${placeA!.id}, ${placeC!.id}`,
    });

    assert.deepEqual(await bringBackRemovedFaces(library, models.engine, models.detector, group.id, [placeC!.id]), { added: 1, faces: 2 });
    assert.deepEqual(library.removedFaces(group.id), [placeA], 'face a stays out');
    const back = library.facesOfPhoto(group.id).find((f) => f.id !== b.id)!;
    assert.ok(Math.abs(back.box.x - c.box.x) < 4, `the face back is c's, at x ${back.box.x}; c was at ${c.box.x}`);
    assert.deepEqual(await bringBackRemovedFaces(library, models.engine, models.detector, group.id), { added: 1, faces: 3 });
    assert.deepEqual(library.removedFaces(group.id), []);
  } finally {
    library.close();
  }
});

test('a removed face stays out when its photo is turned and turned back, until the file changes', async () => {
  const photos = join(dir, 'turned');
  mkdirSync(photos);
  const file = join(photos, 'pair.jpg');
  await writeTestPhoto(file, { width: 600, height: 400, faces: 2, seed: 8 });
  const library = Library.open(join(dir, 'turned.sqlite'));
  try {
    await importFolder(library, photos, models.engine, models.detector);
    const photo = library.photoByPath(file)!;
    const [first, second] = library.facesOfPhoto(photo.id);
    assert.ok(first && second);
    removeFace(library, first.id);
    // Half a turn (these faces are not found upside down) and back: the face found where the
    // removed one was stays out; its place turns with the photo.
    await turnPhoto(library, models.engine, models.detector, photo.id, 2);
    assert.equal(library.removedFaceBoxes(photo.id).length, 1);
    const r = await turnPhoto(library, models.engine, models.detector, photo.id, 2);
    assert.equal(r.faces, 1, `faces after the turns: ${r.faces}`);
    const [left] = library.facesOfPhoto(photo.id);
    assert.ok(Math.abs(left!.box.x - second.box.x) < 4, 'the face kept is the one not removed');
    const [place] = library.removedFaceBoxes(photo.id);
    for (const k of ['x', 'y', 'width', 'height'] as const) assert.ok(Math.abs(place![k] - first.box[k]) < 1e-6, `two half turns bring the place back: ${k} ${place![k]} vs ${first.box[k]}`);
    // New content: the places were of the old one.
    await writeTestPhoto(file, { width: 600, height: 400, faces: 2, seed: 9 });
    await importFolder(library, photos, models.engine, models.detector);
    assert.deepEqual(library.removedFaceBoxes(photo.id), []);
    assert.equal(library.facesOfPhoto(photo.id).length, 2);
  } finally {
    library.close();
  }
});
