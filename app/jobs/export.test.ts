// Export: formats, quality, resize, metadata policy, ICC, name templates, never overwriting.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { decodeImage } from '../imaging/decode.js';
import { exifTags } from './exif.js';
import { attrsToken, encodeExport, ExportOptions, exportFile, renderName } from './export.js';
import { writeTestPhoto } from './test-photos.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function source(format: 'jpeg' | 'png' | 'webp') {
  const file = join(dir, `src.${format}`);
  await writeTestPhoto(file, { width: 300, height: 200, faces: 1, exif: true, format });
  return decodeImage(file);
}

test('a transparent PNG keeps its transparency in PNG and WebP exports, and is on white in JPEG', async () => {
  // 40x20: the left half opaque red, the right half blue at 50%, a transparent bottom row.
  const w = 40;
  const h = 20;
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      rgba.set(x < w / 2 ? [200, 30, 30, 255] : [30, 30, 200, 128], i);
      if (y === h - 1) rgba[i + 3] = 0;
    }
  const file = join(dir, 'cutout.png');
  await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png().toFile(file);
  const src = await decodeImage(file);
  assert.equal(src.alpha?.length, w * h, 'the alpha is kept beside the pixels');
  assert.deepEqual(Array.from(src.data.subarray(((h - 1) * w) * 3, ((h - 1) * w) * 3 + 3)), [255, 255, 255], 'the model sees it on white');
  for (const format of ['png', 'webp'] as const) {
    const out = await sharp(await encodeExport(src, format, ExportOptions.parse({ format, quality: 100 }), src.metadata)).ensureAlpha().raw().toBuffer();
    const at = (x: number, y: number) => Array.from(out.subarray((y * w + x) * 4, (y * w + x) * 4 + 4));
    assert.equal(at(5, h - 1)[3], 0, `${format}: transparent stays transparent`);
    const opaque = at(5, 5); // WebP is lossy even at quality 100
    assert.ok([200, 30, 30, 255].every((v, i) => Math.abs(v - opaque[i]!) <= 3), `${format}: opaque red is ${opaque}`);
    const half = at(30, 5);
    assert.ok(Math.abs(half[3]! - 128) <= 1 && Math.abs(half[2]! - 200) <= 3 && Math.abs(half[0]! - 30) <= 3, `${format}: half-transparent blue is ${half}`);
  }
  const jpeg = await sharp(await encodeExport(src, 'jpeg', ExportOptions.parse({ format: 'jpeg' }), src.metadata)).metadata();
  assert.equal(jpeg.hasAlpha, false);
});

for (const format of ['jpeg', 'png', 'webp'] as const) {
  test(`${format}: EXIF kept, stripped, or kept without GPS; orientation reset; decodes back`, async () => {
    const src = await source('jpeg');
    assert.ok(src.metadata.exif && exifTags(src.metadata.exif).hasGps, 'src.metadata.exif && exifTags(src.metadata.exif).hasGps');
    for (const metadata of ['keep', 'strip', 'strip-gps'] as const) {
      const buf = await encodeExport(src, format, ExportOptions.parse({ format, metadata, quality: 80 }), src.metadata);
      const m = await sharp(buf).metadata();
      assert.equal(m.format, format === 'jpeg' ? 'jpeg' : format);
      assert.deepEqual([m.width, m.height], [300, 200]);
      if (metadata === 'strip') assert.equal(m.exif, undefined);
      else {
        const tags = exifTags(m.exif!);
        assert.equal(tags.hasGps, metadata === 'keep', `${metadata}: GPS ${tags.hasGps}`);
        assert.ok(tags.ifd0.includes(0x010f), 'Make is kept');
        if (metadata === 'keep') assert.ok(m.exif!.includes(Buffer.from([48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0])), 'GPS rationals kept');
        if (metadata === 'strip-gps') assert.ok(!m.exif!.includes(Buffer.from([48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0])), 'no GPS rationals left');
      }
      await sharp(buf).raw().toBuffer();
    }
  });
}

test('a black-and-white photo is exported as gray, a colour one as colour', async () => {
  const file = join(dir, 'bw.jpg');
  await writeTestPhoto(file, { width: 300, height: 200, faces: 1 });
  const bw = join(dir, 'bw-gray.jpg');
  await sharp(file).toColourspace('b-w').jpeg().toFile(bw);
  const gray = await decodeImage(bw);
  const colour = await decodeImage(file);
  for (const format of ['jpeg', 'png'] as const) {
    const options = ExportOptions.parse({ format });
    const out = await encodeExport(gray, format, options, gray.metadata);
    assert.equal((await sharp(out).metadata()).channels, 1, `${format}: one gray channel`);
    const back = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    const centre = 100 * 300 + 150;
    assert.ok(Math.abs(back.data[centre * back.info.channels]! - gray.data[centre * 3]!) <= 2, `${format}: the gray level is kept`);
    assert.equal((await sharp(await encodeExport(colour, format, options, colour.metadata)).metadata()).channels, 3, `${format}: colour stays colour`);
  }
});

test('quality and resize change the file; the ICC profile is kept', async () => {
  const src = await source('jpeg');
  const p3 = await sharp(src.data, { raw: { width: src.width, height: src.height, channels: 3 } }).withIccProfile('p3').jpeg().toBuffer();
  const p3File = join(dir, 'p3.jpg');
  writeFileSync(p3File, p3);
  const withIcc = await decodeImage(p3File);
  assert.ok(withIcc.metadata.icc, 'withIcc.metadata.icc');
  const out = await encodeExport(withIcc, 'jpeg', ExportOptions.parse({ maxSide: 150 }), withIcc.metadata);
  const m = await sharp(out).metadata();
  assert.deepEqual([m.width, m.height], [150, 100]);
  assert.ok(m.icc && m.icc.length > 100, 'ICC profile present');
  const low = await encodeExport(src, 'jpeg', ExportOptions.parse({ quality: 30 }), src.metadata);
  const high = await encodeExport(src, 'jpeg', ExportOptions.parse({ quality: 95 }), src.metadata);
  assert.ok(low.length < high.length, 'low.length < high.length');
});

test('name templates fill {name}, {attrs} and {n}; unknown tokens are an error', () => {
  assert.equal(renderName('{name}-{attrs}-{n}', { name: 'IMG_1', attrs: attrsToken({ smile: 0.6, age: -0.3 }), n: 7, total: 120 }), 'IMG_1-smile+0.6_age-0.3-007');
  assert.equal(renderName('a/b:{name}', { name: 'x', attrs: '', n: 1 }), 'a_b_x');
  // Never a hidden file (nor one that looks like a partial export).
  assert.equal(renderName('../../etc/{name}', { name: 'x', attrs: '', n: 1 }), '_.._etc_x');
  assert.equal(renderName('.{name}', { name: 'x', attrs: '', n: 1 }), 'x');
  assert.throws(() => renderName('{date}', { name: 'x', attrs: '', n: 1 }), /unknown token \{date\}/);
});

test('exporting never overwrites: " (2)", " (3)" are added', async () => {
  const out = join(dir, 'never', 'photo.jpg');
  const a = await exportFile(out, Buffer.from('one'));
  const b = await exportFile(out, Buffer.from('two'));
  const c = await exportFile(out, Buffer.from('three'));
  assert.deepEqual([a, b, c], [out, join(dir, 'never', 'photo (2).jpg'), join(dir, 'never', 'photo (3).jpg')]);
  assert.equal(readFileSync(out, 'utf8'), 'one');
  assert.deepEqual(readdirSync(join(dir, 'never')).sort(), ['photo (2).jpg', 'photo (3).jpg', 'photo.jpg']);
});
