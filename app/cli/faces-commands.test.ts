import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { composePhoto } from '../faces/fixtures/compose.js';
import { UsageError } from './args.js';
import { facesCommands } from './faces-commands.js';

let dir: string;
const logs: string[] = [];
const original = { log: console.log, error: console.error };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faces-cli-test-'));
  console.log = (...a: unknown[]) => void logs.push(a.join(' '));
  console.error = (...a: unknown[]) => void logs.push(a.join(' '));
  const utk = join(dir, 'utk');
  await mkdir(utk);
  const photo = await composePhoto(400, 400, [{ size: 150, x: 200, y: 200 }]);
  const jpeg = await sharp(photo.data, { raw: { width: 400, height: 400, channels: 3 } }).jpeg().toBuffer();
  await writeFile(join(utk, '26_1_3_20170119180040297.jpg.chip.jpg'), jpeg);
  await writeFile(join(utk, '39_0_20170116174525125.jpg.chip.jpg'), jpeg);
  await writeFile(join(utk, '40_0_1_20170116174525125.jpg.chip.jpg'), 'not a jpeg at all');
});

after(async () => {
  console.log = original.log;
  console.error = original.error;
  await rm(dir, { recursive: true, force: true });
});

describe('faces commands', () => {
  test('faces --json lists boxes, landmarks and scores, and writes the overlay', async () => {
    const photo = join(dir, 'utk', '26_1_3_20170119180040297.jpg.chip.jpg');
    const overlay = join(dir, 'overlay.png');
    logs.length = 0;
    await facesCommands.faces!([photo, '--json', '--overlay', overlay]);
    const report = JSON.parse(logs.find((l) => l.startsWith('{'))!);
    assert.equal(report.faces.length, 1);
    assert.ok(report.faces[0].score > 0.9);
    assert.deepEqual(Object.keys(report.faces[0].landmarks), ['left_eye', 'right_eye', 'nose', 'mouth_left', 'mouth_right']);
    const meta = await sharp(overlay).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 400, 400]);
  });

  test('faces refuses to write its overlay over the photo', async () => {
    const photo = join(dir, 'utk', '26_1_3_20170119180040297.jpg.chip.jpg');
    await assert.rejects(facesCommands.faces!([photo, '--overlay', photo]), (e: unknown) => e instanceof UsageError && /photos are never written to/.test(e.message));
  });

  test('align writes crops and a labelled CSV, reports unreadable files, and resumes', async () => {
    const out = join(dir, 'aligned');
    logs.length = 0;
    await facesCommands.align!([join(dir, 'utk'), '--size', '32', '--out', out]);
    assert.ok(logs.some((l) => /skipped .*40_0_1_20170116174525125\.jpg\.chip\.jpg: not an image/.test(l)), logs.join('\n'));
    const csv = (await readFile(join(out, 'utk', 'faces.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv[0], 'source,face,crop,score,detector_score,roll,a,b,c,d,e,f,age,gender,race');
    assert.equal(csv.length, 3);
    const row = csv.find((l) => l.startsWith('26_1_3_'))!.split(',');
    assert.deepEqual(row.slice(-3), ['26', '1', '3']);
    assert.deepEqual(csv.find((l) => l.startsWith('39_0_'))!.split(',').slice(-3), ['39', '0', '']);
    const crops = (await readdir(join(out, 'utk'))).filter((f) => f.endsWith('.png'));
    assert.equal(crops.length, 2);
    assert.deepEqual([(await sharp(join(out, 'utk', crops[0]!)).metadata()).width], [32]);

    logs.length = 0;
    await facesCommands.align!([join(dir, 'utk'), '--size', '32', '--out', out]);
    assert.ok(logs.some((l) => /3 images; this run 1 \(2 done before\)/.test(l)), logs.join('\n'));
    assert.equal((await readFile(join(out, 'utk', 'faces.csv'), 'utf8')).trim().split('\n').length, 3);
  });

  test('align refuses an output folder inside a source folder', async () => {
    await assert.rejects(facesCommands.align!([join(dir, 'utk'), '--out', join(dir, 'utk', 'x')]), /never written to/);
  });
});
