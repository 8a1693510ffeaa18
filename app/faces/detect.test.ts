import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { decodeImage } from '../imaging/decode.js';
import { FaceDetector, pyramidScales, tileSpan } from './detect.js';
import { ASTRONAUT, composePhoto, type Placement } from './fixtures/compose.js';
import type { Face, Point } from './types.js';

let detector: FaceDetector;
let dir: string;
before(async () => {
  detector = await FaceDetector.open();
  dir = await mkdtemp(join(tmpdir(), 'detect-test-'));
});
after(async () => {
  await detector.close();
  await rm(dir, { recursive: true, force: true });
});

function centre(f: Face): Point {
  return [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2];
}

/** The detected face that matches a placement: centre close, width about right. */
function match(faces: readonly Face[], p: Placement): Face | undefined {
  return faces.find((f) => {
    const [cx, cy] = centre(f);
    return Math.hypot(cx - p.x, cy - p.y) < 0.35 * p.size && f.box.width > 0.7 * p.size && f.box.width < 1.5 * p.size;
  });
}

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

describe('FaceDetector', () => {
  test('finds every face from 40 px to most of the frame in a 4000x3000 photo, and nothing else', async () => {
    const placements: Placement[] = [
      { size: 40, x: 200, y: 200 },
      { size: 60, x: 500, y: 200 },
      { size: 100, x: 900, y: 300 },
      { size: 180, x: 300, y: 650 },
      { size: 320, x: 900, y: 1150 },
      { size: 600, x: 700, y: 2250 },
      { size: 1100, x: 2650, y: 1500 },
    ];
    const photo = await composePhoto(4000, 3000, placements);
    const faces = await detector.detect(photo);
    for (const p of placements) assert.ok(match(faces, p), `no face found for the ${p.size}px face at (${p.x}, ${p.y}); found ${JSON.stringify(faces.map((f) => f.box))}`);
    assert.equal(faces.length, placements.length, `expected ${placements.length} faces, found ${faces.length}`);
    for (const f of faces) assert.ok(f.score > 0.9, `face score ${f.score}`);
  });

  test('puts the five landmarks where they are on the astronaut portrait', async () => {
    // Reference points read by eye from a 4x zoom of astronaut.jpg (independent of the models).
    const image = await decodeImage(ASTRONAUT);
    const [face, ...rest] = await detector.detect(image);
    assert.ok(face && rest.length === 0, 'one face');
    const l = face.landmarks;
    const expect: [Point, Point, string][] = [
      [l.leftEye, [202, 101], 'left eye'],
      [l.rightEye, [247, 103], 'right eye'],
      [l.mouthLeft, [204, 142], 'left mouth corner'],
      [l.mouthRight, [244, 143], 'right mouth corner'],
      [l.nose, [224, 129], 'nose tip'],
    ];
    for (const [got, want, name] of expect) assert.ok(dist(got, want) < 5, `${name} at ${got.map(Math.round)}, expected near ${want}`);
  });

  test('finds a face rolled 30 degrees and reports the roll; landmarks turn with the face', async () => {
    const upright = await composePhoto(1200, 900, [{ size: 250, x: 600, y: 450 }]);
    const tilted = await composePhoto(1200, 900, [{ size: 250, x: 600, y: 450, angle: 30 }]);
    const [a] = await detector.detect(upright);
    const [b] = await detector.detect(tilted);
    assert.ok(a && b, 'both faces found');
    assert.ok(Math.abs(b.roll - a.roll - 30) < 4, `roll ${b.roll.toFixed(1)} vs upright ${a.roll.toFixed(1)}: expected 30 degrees more`);
    // Rotating the upright landmarks 30 degrees about the paste centre should give the tilted ones.
    const t = (30 * Math.PI) / 180;
    const rot = ([x, y]: Point): Point => [600 + Math.cos(t) * (x - 600) - Math.sin(t) * (y - 450), 450 + Math.sin(t) * (x - 600) + Math.cos(t) * (y - 450)];
    for (const k of ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const) {
      assert.ok(dist(rot(a.landmarks[k]), b.landmarks[k]) < 0.05 * 250, `${k}: ${b.landmarks[k].map(Math.round)} vs rotated ${rot(a.landmarks[k]).map(Math.round)}`);
    }
  });

  test('finds the face in an EXIF-rotated photo, upright and in place', async () => {
    const photo = await composePhoto(1600, 1200, [{ size: 200, x: 500, y: 400 }]);
    const file = join(dir, 'rotated.jpg');
    // Stored sideways; orientation 6 tells viewers to turn it 90 degrees clockwise.
    await sharp(photo.data, { raw: { width: 1600, height: 1200, channels: 3 } }).rotate(270).jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toFile(file);
    const image = await decodeImage(file);
    assert.deepEqual([image.width, image.height], [1600, 1200]);
    const faces = await detector.detect(image);
    assert.equal(faces.length, 1);
    assert.ok(match(faces, { size: 200, x: 500, y: 400 }), `face at ${JSON.stringify(faces[0]!.box)}`);
    assert.ok(Math.abs(faces[0]!.roll) < 8, `roll ${faces[0]!.roll}`);
  });

  test('finds no face where there is none', async () => {
    const faces = await detector.detect(await composePhoto(1600, 1200, []));
    assert.deepEqual(faces, []);
  });

  test('pyramid reaches from the whole frame (and half of it, for frame-filling faces) down to the smallest face', () => {
    const scales = pyramidScales(4000, 3000, 40);
    assert.ok(Math.abs(scales[0]! - 128 / 4000) < 1e-9);
    assert.ok(Math.abs(scales[1]! - 256 / 4000) < 1e-9);
    assert.ok(Math.abs(scales[scales.length - 1]! * 40 - 16) < 1e-9);
    for (let i = 2; i < scales.length; i++) assert.ok(scales[i]! / scales[i - 1]! <= 2 + 1e-9);
    assert.deepEqual(pyramidScales(200, 200, 40), [128 / 200, 256 / 200]);
  });

  test('tiles cover each level with overlap, in sizes the graph accepts', () => {
    for (const size of [100, 256, 1000, 1024, 1025, 1600, 3999]) {
      for (const maxTile of [256, 1024]) {
        const { tile, origins } = tileSpan(size, maxTile);
        assert.equal(tile % 32, 0);
        assert.ok(tile <= Math.max(maxTile, Math.ceil(size / 32) * 32));
        assert.ok(origins[0]! <= 0);
        assert.ok(origins[origins.length - 1]! + tile >= size, `${size}: last tile ends at ${origins[origins.length - 1]! + tile}`);
        for (let i = 1; i < origins.length; i++) assert.ok(origins[i - 1]! + tile - origins[i]! >= 32, `${size}: tiles ${i - 1} and ${i} overlap by less than 32 px`);
      }
    }
  });

  test('rejects a malformed image buffer', async () => {
    await assert.rejects(detector.detect({ data: new Uint8Array(10), width: 10, height: 10 }), /expected 10x10x3/);
  });
});
