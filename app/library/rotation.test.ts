// Turning a library photo: a photo stored upside down (no EXIF orientation) has its faces
// missed or read the wrong way up; turned, they are found upright where the upright photo has
// them, a face found before keeps its id and tags, the mask turns with the photo, and every
// decode of the photo (editor, export, batch) sees it turned. The file is not touched.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { FIXTURE_BUNDLE, SHIPPED_BUNDLES, packageRoot } from '../engine/default-bundle.js';
import { GlowEngine } from '../engine/engine.js';
import { FaceDetector } from '../faces/detect.js';
import type { Face, Landmarks } from '../faces/types.js';
import { decodeImage } from '../imaging/decode.js';
import { writeTestPhoto } from '../jobs/test-photos.js';
import { importFolder } from './import.js';
import { Library } from './library.js';
import { asInLibrary, decodePhoto } from './photo-pixels.js';
import { findUprightTurns, photosToTurnUpright, turnPhoto, turnPoint, uprightTurns } from './rotation.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-rotate-'));
const photos = join(dir, 'photos');
let engine: GlowEngine;
let detector: FaceDetector;
/** The faces found in each photo stored upright, by name. */
const upright: Record<string, Face[]> = {};

before(async () => {
  engine = await GlowEngine.open(join(packageRoot(), FIXTURE_BUNDLE), { device: 'cpu' });
  detector = await FaceDetector.open();
  mkdirSync(photos);
  for (const [name, faces] of [['one', 1], ['two', 2]] as const) {
    const file = join(dir, `${name}-upright.jpg`);
    await writeTestPhoto(file, { width: 400, height: 300, faces, seed: 3 });
    upright[name] = await detector.detect(await decodeImage(file), { minFaceSize: 40 });
    // The same photo stored upside down, with no EXIF orientation to say so.
    await sharp(file).rotate(180).jpeg({ quality: 92 }).toFile(join(photos, `${name}.jpg`));
  }
});
after(async () => {
  await detector?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a.toFixed(1)}, expected ${b.toFixed(1)} ± ${tol}`);

test('turnPoint: each quarter turn clockwise, on a 400x300 photo', () => {
  assert.deepEqual(turnPoint([10, 20], 0, 400, 300), [10, 20]);
  assert.deepEqual(turnPoint([10, 20], 1, 400, 300), [280, 10]); // top-left corner goes top-right
  assert.deepEqual(turnPoint([10, 20], 2, 400, 300), [390, 280]);
  assert.deepEqual(turnPoint([10, 20], 3, 400, 300), [20, 390]);
});

test('uprightTurns: faces that all lie on their side the same way get the turn that sets them upright', () => {
  // Eyes 20 px apart, the eye line at `degrees` clockwise from horizontal.
  const face = (degrees: number) => {
    const a = (degrees * Math.PI) / 180;
    const at = (d: number): [number, number] => [100 + d * Math.cos(a), 100 + d * Math.sin(a)];
    return { landmarks: { leftEye: at(-10), rightEye: at(10), nose: at(0), mouthLeft: at(-8), mouthRight: at(8) } };
  };
  assert.equal(uprightTurns([]), 0);
  assert.equal(uprightTurns([face(5), face(-12)]), 0);
  assert.equal(uprightTurns([face(94), face(75)]), 3, 'rolled clockwise: turn back counter-clockwise');
  assert.equal(uprightTurns([face(-86)]), 1);
  assert.equal(uprightTurns([face(90), face(0)]), 0, 'one face upright: the photo may well be');
  assert.equal(uprightTurns([face(90), face(-90)]), 0);
});

test('uprightTurns: faces read upright that, together, look upside down to the model get half a turn', () => {
  const face = (uprightMargin?: number) => ({ landmarks: { leftEye: [90, 100], rightEye: [110, 100], nose: [100, 110], mouthLeft: [92, 120], mouthRight: [108, 120] } as Landmarks, uprightMargin });
  assert.equal(uprightTurns([face(-0.02), face(-0.01)]), 2);
  assert.equal(uprightTurns([face(-0.02), face(0.001)]), 2, 'the faces are judged together: one near zero does not decide');
  assert.equal(uprightTurns([face(-0.02), face(0.04)]), 0, 'a face that looks clearly upright outweighs one that does not');
  assert.equal(uprightTurns([face(-0.001)]), 0, 'within the margin: too close to call');
  assert.equal(uprightTurns([face(undefined)]), 0, 'not measured');
  assert.equal(uprightTurns([face(undefined), face(-0.01)]), 2, 'judged by the faces measured');
});

test('an upside-down photo turned: faces found upright where the upright photo has them, ids, tags and mask kept', async () => {
  const lib = Library.open(join(dir, 'lib.sqlite'));
  try {
    const one = join(photos, 'one.jpg');
    const bytes = readFileSync(one);
    const imported = await importFolder(lib, photos, engine, detector);
    assert.equal(imported.added, 2);
    const two = lib.photoByPath(join(photos, 'two.jpg'))!;
    assert.equal(lib.facesOfPhoto(two.id).length, 0, 'the face finder misses these faces upside down');
    const photo = lib.photoByPath(one)!;
    const [wrongWayUp] = lib.facesOfPhoto(photo.id);
    assert.ok(wrongWayUp, 'and finds this one, read the wrong way up');
    lib.setTag(wrongWayUp.id, 'smile', true);
    lib.setMask(photo.id, [{ points: [10, 20, 30, 40], size: 8 }]);

    const r = await turnPhoto(lib, engine, detector, photo.id, 2);
    assert.deepEqual(r, { turns: 2, faces: 1, kept: 1, dropped: 0, lost: 0 });
    const turned = lib.photo(photo.id)!;
    assert.deepEqual([turned.turns, turned.width, turned.height], [2, 400, 300]);
    const [face] = lib.facesOfPhoto(photo.id);
    assert.equal(face!.id, wrongWayUp.id, 'the same face keeps its id');
    assert.deepEqual(lib.tagged('smile'), [{ faceId: face!.id, has: true }]);
    const want = upright.one![0]!;
    for (const k of ['leftEye', 'rightEye', 'mouthLeft', 'mouthRight'] as const) {
      near(face!.landmarks[k][0], want.landmarks[k][0], 4, `${k} x`);
      near(face!.landmarks[k][1], want.landmarks[k][1], 4, `${k} y`);
    }
    assert.equal(face!.modelId, engine.latentKey);
    assert.deepEqual(lib.maskOf(photo.id), [{ points: [390, 280, 370, 260], size: 8 }], 'the mask turns with the photo');

    // Every decode of the photo sees it turned: upright again, as the upright file.
    const [shown, wanted] = await Promise.all([decodePhoto(turned), decodeImage(join(dir, 'one-upright.jpg'))]);
    let diff = 0;
    for (let i = 0; i < shown.data.length; i++) diff += Math.abs(shown.data[i]! - wanted.data[i]!);
    assert.ok(diff / shown.data.length < 6, `mean difference to the upright photo ${(diff / shown.data.length).toFixed(2)} levels`);
    assert.equal(asInLibrary(lib, one).turns, 2, 'a batch of the file decodes it turned');
    assert.deepEqual(readFileSync(one), bytes, 'the file is not touched');

    // The two faces missed upside down: looked for at each turn, they are found upright half a turn on.
    assert.deepEqual(await findUprightTurns(lib, detector, two.id), { turns: 2, faces: 2 });
    assert.equal(lib.photo(two.id)!.turns, 0, 'looking changes nothing');
    // The two faces missed upside down are found upright, numbered left to right.
    const r2 = await turnPhoto(lib, engine, detector, two.id, 2);
    assert.deepEqual(r2, { turns: 2, faces: 2, kept: 0, dropped: 0, lost: 0 });
    const found = lib.facesOfPhoto(two.id);
    upright.two!.forEach((want2, i) => {
      near(found[i]!.box.x, want2.box.x, 4, `face ${i + 1} box x`);
      near(found[i]!.box.y, want2.box.y, 4, `face ${i + 1} box y`);
    });

    // A quarter turn more, and back: the turns add up, and a rescan leaves the turn alone.
    await turnPhoto(lib, engine, detector, photo.id, 1);
    assert.deepEqual([lib.photo(photo.id)!.turns, lib.photo(photo.id)!.width, lib.photo(photo.id)!.height], [3, 300, 400]);
    await turnPhoto(lib, engine, detector, photo.id, 3);
    assert.equal(lib.photo(photo.id)!.turns, 2);
    assert.equal(lib.facesOfPhoto(photo.id)[0]!.id, face!.id);
    assert.equal((await importFolder(lib, photos, engine, detector)).unchanged, 2);
    assert.equal(lib.photo(photo.id)!.turns, 2);
    await assert.rejects(turnPhoto(lib, engine, detector, photo.id, 4), /turns must be 1, 2 or 3/);
    // Two turns at once: one lands, the other changes nothing and says so.
    const both = await Promise.allSettled([turnPhoto(lib, engine, detector, photo.id, 1), turnPhoto(lib, engine, detector, photo.id, 1)]);
    assert.deepEqual(both.map((b) => b.status).sort(), ['fulfilled', 'rejected']);
    assert.match(String((both.find((b) => b.status === 'rejected') as PromiseRejectedResult).reason), /one\.jpg: the photo was turned meanwhile; nothing was changed/);
    assert.equal(lib.photo(photo.id)!.turns, 3);
    await turnPhoto(lib, engine, detector, photo.id, 3);

    // Turned back upside down, the two faces are missed again: gone, and the tagged one is
    // counted as lost (the studio says so).
    lib.setTag(found[1]!.id, 'smile', false);
    assert.deepEqual(await turnPhoto(lib, engine, detector, two.id, 2), { turns: 0, faces: 0, kept: 0, dropped: 2, lost: 1 });
    assert.deepEqual(lib.tagged('smile'), [{ faceId: face!.id, has: true }]);

    // The file itself changed (turned upright in another app, say): analysed afresh, unturned.
    await sharp(join(dir, 'one-upright.jpg')).jpeg({ quality: 80 }).toFile(one);
    assert.equal((await importFolder(lib, photos, engine, detector)).changed, 1);
    assert.equal(lib.photo(photo.id)!.turns, 0);
    assert.equal(asInLibrary(lib, one).turns, 0);
    assert.equal(lib.integrityCheck(), 'ok');
  } finally {
    lib.close();
  }
});

test('face-64 sees the face the finder read the wrong way up as upside down, and after half a turn as upright', async () => {
  const shipped = await GlowEngine.open(join(packageRoot(), SHIPPED_BUNDLES[0]!), { device: 'cpu' });
  const folder = join(dir, 'shipped');
  mkdirSync(folder);
  await sharp(join(dir, 'one-upright.jpg')).rotate(180).jpeg({ quality: 92 }).toFile(join(folder, 'upside-down.jpg'));
  await sharp(join(dir, 'one-upright.jpg')).toFile(join(folder, 'upright.jpg'));
  const lib = Library.open(join(dir, 'shipped.sqlite'));
  try {
    assert.ok(shipped.measuresDensity);
    await importFolder(lib, folder, shipped, detector);
    const down = lib.photoByPath(join(folder, 'upside-down.jpg'))!;
    const up = lib.photoByPath(join(folder, 'upright.jpg'))!;
    const margin = (id: number) => lib.facesOfPhoto(id)[0]!.uprightMargin!;
    assert.ok(margin(down.id) < -0.005, `upside-down face's margin ${margin(down.id)}`);
    assert.ok(margin(up.id) > 0.02, `upright face's margin ${margin(up.id)}`);
    assert.deepEqual([...photosToTurnUpright(lib, [down.id, up.id])], [[down.id, 2]]);

    await turnPhoto(lib, shipped, detector, down.id, 2);
    assert.ok(margin(down.id) > 0.02, `turned, the face's margin is ${margin(down.id)}`);
    assert.equal(photosToTurnUpright(lib, [down.id]).size, 0);
  } finally {
    lib.close();
    await shipped.close();
  }
});
