import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { decodeImage, type RgbImage } from './decode.js';
import { ImageFileError, pngChunk } from './image-files.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'decode-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const W = 48;
const H = 24;
const RED = [220, 30, 30];
const BLUE = [30, 30, 220];

/** The upright test picture: blue, with a red block in the top-left corner. */
function upright(): Buffer {
  const buf = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) buf.set(x < 16 && y < 12 ? RED : BLUE, (y * W + x) * 3);
  }
  return buf;
}

/** Stores the upright picture so that applying EXIF orientation n shows it upright again. */
async function storedFor(n: number): Promise<Buffer> {
  const raw = { raw: { width: W, height: H, channels: 3 as const } };
  const png = (s: Sharp) => s.png().toBuffer();
  const u = await png(sharp(upright(), raw));
  switch (n) {
    case 1: return u;
    case 2: return png(sharp(u).flop());
    case 3: return png(sharp(u).rotate(180));
    case 4: return png(sharp(u).flip());
    case 5: return png(sharp(await png(sharp(u).rotate(90))).flop()); // transpose
    case 6: return png(sharp(u).rotate(270)); // display rotates 90 clockwise
    case 7: return png(sharp(await png(sharp(u).rotate(90))).flip()); // transverse
    case 8: return png(sharp(u).rotate(90));
    default: throw new Error(`orientation ${n}`);
  }
}

function pixel(img: RgbImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

function near(actual: number[], expected: number[], tol: number, what: string) {
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= tol, `${what}: got ${actual}, expected about ${expected}`));
}

describe('decodeImage', () => {
  for (let n = 1; n <= 8; n++) {
    test(`applies EXIF orientation ${n}`, async () => {
      const file = join(dir, `orient-${n}.jpg`);
      await sharp(await storedFor(n)).jpeg({ quality: 95 }).withMetadata({ orientation: n }).toFile(file);
      const img = await decodeImage(file);
      assert.equal(img.metadata.orientation, n);
      assert.deepEqual([img.width, img.height], [W, H]);
      near(pixel(img, 3, 3), RED, 40, 'top-left corner');
      near(pixel(img, W - 4, H - 4), BLUE, 40, 'bottom-right corner');
    });
  }

  // The red block starts top-left; each clockwise quarter turn moves it to the next corner.
  const RED_CORNER_AFTER_TURNS = ['top-left', 'top-right', 'bottom-right', 'bottom-left'];
  for (let turns = 0; turns < 4; turns++) {
    test(`turns the upright photo ${turns} quarter turn(s) clockwise after the EXIF orientation`, async () => {
      const file = join(dir, `orient-6-turns-${turns}.png`);
      await sharp(await storedFor(6)).withMetadata({ orientation: 6 }).ensureAlpha(0.5).png().toFile(file);
      const img = await decodeImage(file, { turns });
      const [w, h] = turns % 2 ? [H, W] : [W, H];
      assert.deepEqual([img.width, img.height], [w, h]);
      assert.equal(img.alpha?.length, w * h, 'the transparency turns with the pixels');
      const onWhite = (c: number[]) => c.map((v) => (v + 255) / 2); // half transparent, composited on white
      const corners: Record<string, [number, number]> = { 'top-left': [3, 3], 'top-right': [w - 4, 3], 'bottom-right': [w - 4, h - 4], 'bottom-left': [3, h - 4] };
      for (const [name, [x, y]] of Object.entries(corners)) {
        near(pixel(img, x, y), onWhite(name === RED_CORNER_AFTER_TURNS[turns] ? RED : BLUE), 25, `${name} corner after ${turns} turn(s)`);
      }
    });
  }

  test('refuses a turn that is not 0 to 3 quarter turns, naming the file', async () => {
    const file = join(dir, 'orient-1.jpg');
    await assert.rejects(decodeImage(file, { turns: 4 }), /orient-1\.jpg: turns must be a whole number of quarter turns from 0 to 3, got 4/);
  });

  test('converts grayscale, CMYK, 16-bit and alpha inputs to 8-bit sRGB RGB', async () => {
    const gray = join(dir, 'gray.png');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 100, g: 100, b: 100 } } }).toColourspace('b-w').png().toFile(gray);
    const g = await decodeImage(gray);
    assert.equal(g.data.length, 8 * 8 * 3);
    near(pixel(g, 4, 4), [100, 100, 100], 1, 'grayscale');

    const cmyk = join(dir, 'cmyk.jpg');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 40, b: 40 } } }).toColourspace('cmyk').jpeg().toFile(cmyk);
    const c = await decodeImage(cmyk);
    assert.equal(c.metadata.space, 'cmyk');
    const [r, gg, b] = pixel(c, 4, 4);
    assert.ok(r! > 150 && gg! < 100 && b! < 100, `CMYK red decoded as ${[r, gg, b]}`);

    const deep = join(dir, 'deep.png');
    await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 128, g: 128, b: 128 } } }).toColourspace('rgb16').png().toFile(deep);
    const d = await decodeImage(deep);
    assert.equal(d.metadata.depth, 'ushort');
    near(pixel(d, 1, 1), [128, 128, 128], 1, '16-bit');

    const alpha = join(dir, 'alpha.png');
    await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toFile(alpha);
    const a = await decodeImage(alpha);
    assert.equal(a.data.length, 4 * 4 * 3);
    near(pixel(a, 0, 0), [255, 255, 255], 0, 'transparent pixel on white');
  });

  test('marks a black-and-white photo, stored as gray or as colour with equal channels', async () => {
    const stored = join(dir, 'bw-stored.jpg');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 90, g: 90, b: 90 } } }).toColourspace('b-w').jpeg().toFile(stored);
    const asColour = join(dir, 'bw-as-colour.jpg');
    const ramp = Buffer.alloc(16 * 16 * 3);
    for (let i = 0; i < ramp.length; i++) ramp[i] = Math.floor(i / 3) % 256;
    await sharp(ramp, { raw: { width: 16, height: 16, channels: 3 } }).jpeg({ quality: 80 }).toFile(asColour);
    const tinted = join(dir, 'tinted.png');
    const tint = Buffer.from(ramp);
    tint[3 * 40] = Math.min(255, tint[3 * 40]! + 2); // one pixel two levels redder
    await sharp(tint, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(tinted);
    assert.equal((await decodeImage(stored)).grayscale, true, 'stored as gray');
    assert.equal((await decodeImage(asColour)).grayscale, true, 'gray stored as colour');
    assert.equal((await decodeImage(tinted)).grayscale, undefined, 'one pixel off gray');
  });

  test('converts through an embedded ICC profile to sRGB', async () => {
    // sRGB (200, 100, 50) stored as Display P3 values with the P3 profile attached.
    const file = join(dir, 'p3.png');
    const raw = Buffer.alloc(8 * 8 * 3);
    for (let i = 0; i < 64; i++) raw.set([200, 100, 50], i * 3);
    await sharp(raw, { raw: { width: 8, height: 8, channels: 3 } }).png().withIccProfile('p3').toFile(file);
    const stored = await sharp(file).keepIccProfile().raw().toBuffer();
    assert.ok(Math.abs(stored[0]! - 200) > 5, 'the file holds P3 values, not the sRGB ones');
    near(pixel(await decodeImage(file), 4, 4), [200, 100, 50], 2, 'P3 -> sRGB');
  });

  test('reads AVIF', async () => {
    const file = join(dir, 'photo.avif');
    await sharp({ create: { width: 16, height: 8, channels: 3, background: { r: 200, g: 60, b: 40 } } }).avif({ quality: 90 }).toFile(file);
    const image = await decodeImage(file);
    assert.deepEqual([image.width, image.height, image.metadata.format], [16, 8, 'avif']);
    near(pixel(image, 8, 4), [200, 60, 40], 12, 'AVIF');
  });

  // The fixtures were made with Debian's heif-enc (libheif-examples, x265) from synthetic PNGs.
  test('reads HEIC (libheif in a worker thread)', async () => {
    // gradient.heic: 64x64, pixel (x, y) = (4x, 4y, 255 - 2x), lossy.
    const image = await decodeImage(join(import.meta.dirname, 'fixtures', 'gradient.heic'));
    assert.deepEqual([image.width, image.height, image.metadata.format], [64, 64, 'heic']);
    for (const [x, y] of [[8, 8], [40, 20], [20, 50]] as const) near(pixel(image, x, y), [4 * x, 4 * y, 255 - 2 * x], 12, `HEIC (${x}, ${y})`);
  });

  test('converts a HEIC in Display P3 through its ICC profile to sRGB', async () => {
    // p3-orange.heic: sRGB (200, 100, 50) stored as Display P3 values with the P3 profile.
    const image = await decodeImage(join(import.meta.dirname, 'fixtures', 'p3-orange.heic'));
    assert.ok(image.metadata.icc, 'the profile is kept for export');
    near(pixel(image, 32, 32), [200, 100, 50], 4, 'P3 HEIC -> sRGB');
  });

  test('reads WebP and TIFF', async () => {
    for (const fmt of ['webp', 'tiff'] as const) {
      const file = join(dir, `pic.${fmt}`);
      await sharp(upright(), { raw: { width: W, height: H, channels: 3 } }).toFormat(fmt, { quality: 100 }).toFile(file);
      const img = await decodeImage(file);
      assert.equal(img.metadata.format, fmt);
      near(pixel(img, 3, 3), RED, 30, fmt);
    }
  });

  test('keeps EXIF, XMP and ICC metadata for export', async () => {
    const file = join(dir, 'meta.jpg');
    await sharp(upright(), { raw: { width: W, height: H, channels: 3 } })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'Glow Studio test' } })
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')
      .withIccProfile('p3')
      .toFile(file);
    const { metadata } = await decodeImage(file);
    assert.ok(metadata.exif?.includes('Glow Studio test'), 'EXIF kept');
    assert.ok(metadata.xmp?.includes('xmpmeta'), 'XMP kept');
    assert.ok(metadata.icc && metadata.icc.length > 100, 'ICC profile kept');
  });

  test('never writes to the source file', async () => {
    const file = join(dir, 'source.jpg');
    await sharp(upright(), { raw: { width: W, height: H, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toFile(file);
    const before = await readFile(file);
    const mtime = (await stat(file)).mtimeMs;
    await decodeImage(file);
    assert.equal(createHash('sha256').update(await readFile(file)).digest('hex'), createHash('sha256').update(before).digest('hex'));
    assert.equal((await stat(file)).mtimeMs, mtime);
  });
});

describe('decodeImage errors name the file', () => {
  async function expectError(file: string, pattern: RegExp) {
    await assert.rejects(decodeImage(file), (err: unknown) => {
      assert.ok(err instanceof ImageFileError, `expected ImageFileError, got ${err}`);
      assert.ok(err.message.startsWith(file), `message names the file: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    });
  }

  test('truncated JPEG', async () => {
    const full = await sharp(upright(), { raw: { width: W, height: H, channels: 3 } }).resize(400, 200).jpeg().toBuffer();
    const file = join(dir, 'truncated.jpg');
    await writeFile(file, full.subarray(0, Math.floor(full.length / 2)));
    await expectError(file, /truncated or corrupt/);
  });

  test('empty file', async () => {
    const file = join(dir, 'empty.jpg');
    await writeFile(file, '');
    await expectError(file, /empty/);
  });

  test('text named .jpg', async () => {
    const file = join(dir, 'notes.jpg');
    await writeFile(file, 'these are my holiday notes, not a photo\n');
    await expectError(file, /not an image/);
  });

  test('PNG header claiming 30000x30000 pixels', async () => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(30000, 0);
    ihdr.writeUInt32BE(30000, 4);
    ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
    const png = Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', deflateSync(Buffer.alloc(1000))),
      pngChunk('IEND', Buffer.alloc(0)),
    ]);
    const file = join(dir, 'bomb.png');
    await writeFile(file, png);
    await expectError(file, /30000x30000.*over the .* limit/);
  });

  test('unsupported format', async () => {
    const file = join(dir, 'anim.gif');
    await sharp(upright(), { raw: { width: W, height: H, channels: 3 } }).gif().toFile(file);
    await expectError(file, /unsupported format 'gif'/);
  });

  test('missing file', async () => {
    await expectError(join(dir, 'nope.jpg'), /file not found/);
  });
});
