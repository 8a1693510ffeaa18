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
let jpeg: Buffer;
const logs: string[] = [];
const original = { log: console.log, error: console.error };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faces-cli-test-'));
  console.log = (...a: unknown[]) => void logs.push(a.join(' '));
  console.error = (...a: unknown[]) => void logs.push(a.join(' '));
  const utk = join(dir, 'utk');
  await mkdir(utk);
  const photo = await composePhoto(400, 400, [{ size: 150, x: 200, y: 200 }]);
  jpeg = await sharp(photo.data, { raw: { width: 400, height: 400, channels: 3 } }).jpeg().toBuffer();
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

  test('align refuses to resume into crops of another --size', async () => {
    // Runs after the test above, which aligned utk at --size 32 into `aligned`.
    const out = join(dir, 'aligned');
    const before = await readFile(join(out, 'utk', 'faces.csv'), 'utf8');
    await assert.rejects(
      facesCommands.align!([join(dir, 'utk'), '--size', '48', '--out', out]),
      (e: unknown) => e instanceof UsageError && /aligned\/utk holds 32x32 crops \(.*\.png\), this run asks for --size 48; align into a new --out/.test(e.message),
    );
    assert.equal(await readFile(join(out, 'utk', 'faces.csv'), 'utf8'), before);
  });

  test('align warns about images without labels and refuses to resume once the labels changed', async () => {
    const celeba = join(dir, 'celeba');
    const out = join(dir, 'aligned-celeba');
    await mkdir(celeba);
    for (const n of [1, 2, 3]) await writeFile(join(celeba, `00000${n}.jpg`), jpeg);
    logs.length = 0;
    await facesCommands.align!([celeba, '--size', '32', '--out', out]);
    assert.ok(logs.some((l) => l === `warning: ${join(celeba, 'list_attr_celeba.txt')} not found and the file names are not UTKFace's: none of the 3 images will have labels`), logs.join('\n'));
    const csv = join(out, 'celeba', 'faces.csv');
    const before = await readFile(csv, 'utf8');
    assert.equal(before.split('\n')[0]!.split(',').length, 12);

    // The attribute file turns up, with two more images: the CSV's columns would change.
    for (const n of [4, 5]) await writeFile(join(celeba, `00000${n}.jpg`), jpeg);
    const attrs = ['5', 'Smiling Male', ...[1, 2, 3, 4, 5].map((n) => `00000${n}.jpg 1 -1`)].join('\n');
    await writeFile(join(celeba, 'list_attr_celeba.txt'), attrs);
    await assert.rejects(
      facesCommands.align!([celeba, '--size', '32', '--out', out]),
      (e: unknown) => e instanceof UsageError && e.message === `${csv} has 0 label columns, this run would write 2: the labels of ${celeba} changed since it was written; align into a new --out, or delete ${join(out, 'celeba')} to align that source again`,
    );
    assert.equal(await readFile(csv, 'utf8'), before);

    // A new --out works; an attribute file missing an image is named in a warning.
    await writeFile(join(celeba, 'list_attr_celeba.txt'), attrs.replace(/^5/, '4').replace(/\n000005.*$/, ''));
    logs.length = 0;
    await facesCommands.align!([celeba, '--size', '32', '--out', join(dir, 'aligned-celeba-2')]);
    assert.ok(logs.some((l) => l === `warning: ${join(celeba, 'list_attr_celeba.txt')}: no labels for 1 of 5 images (first: 000005.jpg); their label columns stay empty`), logs.join('\n'));
    const rows = (await readFile(join(dir, 'aligned-celeba-2', 'celeba', 'faces.csv'), 'utf8')).trim().split('\n');
    assert.deepEqual(new Set(rows.map((r) => r.split(',').length)), new Set([14]));
  });

  test('align refuses an --out that is a file, before any work', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    await assert.rejects(
      facesCommands.align!([join(dir, 'utk'), '--out', file]),
      (e: unknown) => e instanceof UsageError && e.message === `--out ${file}: ${file} is a file (or lies under one), not a folder`,
    );
    await assert.rejects(facesCommands.align!([join(dir, 'utk'), '--out', join(file, 'sub')]), (e: unknown) => e instanceof UsageError && /is a file \(or lies under one\)/.test(e.message));
  });

  test('align refuses an output folder inside a source folder', async () => {
    await assert.rejects(facesCommands.align!([join(dir, 'utk'), '--out', join(dir, 'utk', 'x')]), /never written to/);
  });
});
