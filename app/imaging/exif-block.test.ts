// The date a photo was taken, as the library sorts by it: from the EXIF blocks sharp reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { dateTaken } from './exif-block.js';

async function exifOf(exif: Record<string, Record<string, string>>): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().withExif(exif).toBuffer();
  return (await sharp(jpeg).metadata()).exif!;
}

const ms = (text: string) => Date.parse(`${text}Z`);

test('DateTimeOriginal first, then DateTimeDigitized, then IFD0 DateTime; wall-clock time read as UTC', async () => {
  const all = await exifOf({ IFD0: { DateTime: '2021:02:03 04:05:06' }, IFD2: { DateTimeOriginal: '2019:05:03 14:02:07', DateTimeDigitized: '2020:01:01 00:00:00' } });
  assert.equal(dateTaken(all), ms('2019-05-03T14:02:07'));
  const digitized = await exifOf({ IFD0: { DateTime: '2021:02:03 04:05:06' }, IFD2: { DateTimeDigitized: '2020:01:01 10:00:00' } });
  assert.equal(dateTaken(digitized), ms('2020-01-01T10:00:00'));
  assert.equal(dateTaken(await exifOf({ IFD0: { DateTime: '2021:02:03 04:05:06' } })), ms('2021-02-03T04:05:06'));
});

test('no date, a blank or impossible one, or a block that is not TIFF: no date, and no error', async () => {
  assert.equal(dateTaken(await exifOf({ IFD0: { Make: 'GlowTest' } })), undefined);
  // A camera without a clock writes zeros: the next date in line is taken.
  const blank = await exifOf({ IFD0: { DateTime: '2021:02:03 04:05:06' }, IFD2: { DateTimeOriginal: '0000:00:00 00:00:00' } });
  assert.equal(dateTaken(blank), ms('2021-02-03T04:05:06'));
  assert.equal(dateTaken(await exifOf({ IFD2: { DateTimeOriginal: '2019:02:31 12:00:00' } })), undefined, '31 February');
  assert.equal(dateTaken(Buffer.from('Exif\0\0not a tiff block at all')), undefined);
  const cut = await exifOf({ IFD2: { DateTimeOriginal: '2019:05:03 14:02:07' } });
  assert.equal(dateTaken(cut.subarray(0, 30)), undefined, 'cut short');
});

test('a big-endian (Motorola) block reads the same', () => {
  // II/MM header, IFD0 at 8 with one entry: DateTime, ASCII, 20 bytes at offset 26.
  const t = Buffer.alloc(46);
  t.write('MM', 0, 'latin1');
  t.writeUInt16BE(42, 2);
  t.writeUInt32BE(8, 4);
  t.writeUInt16BE(1, 8);
  t.writeUInt16BE(0x0132, 10);
  t.writeUInt16BE(2, 12);
  t.writeUInt32BE(20, 14);
  t.writeUInt32BE(26, 18);
  t.write('2018:12:24 18:30:00\0', 26, 'latin1');
  assert.equal(dateTaken(t), ms('2018-12-24T18:30:00'));
});
