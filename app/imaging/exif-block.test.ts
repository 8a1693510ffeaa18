// The date a photo was taken, as the library sorts by it: from the EXIF blocks sharp reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { dateTaken, takenInstant } from './exif-block.js';

async function exifOf(exif: Record<string, Record<string, string>>): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().withExif(exif).toBuffer();
  return (await sharp(jpeg).metadata()).exif!;
}

const ms = (text: string) => Date.parse(`${text}Z`);
/** A date taken with no time zone recorded. */
const wall = (text: string) => ({ wallMs: ms(text) });

test('DateTimeOriginal first, then DateTimeDigitized, then IFD0 DateTime; wall-clock time read as UTC', async () => {
  const all = await exifOf({ IFD0: { DateTime: '2021:02:03 04:05:06' }, IFD2: { DateTimeOriginal: '2019:05:03 14:02:07', DateTimeDigitized: '2020:01:01 00:00:00' } });
  assert.deepEqual(dateTaken(all), wall('2019-05-03T14:02:07'));
  const digitized = await exifOf({ IFD0: { DateTime: '2021:02:03 04:05:06' }, IFD2: { DateTimeDigitized: '2020:01:01 10:00:00' } });
  assert.deepEqual(dateTaken(digitized), wall('2020-01-01T10:00:00'));
  assert.deepEqual(dateTaken(await exifOf({ IFD0: { DateTime: '2021:02:03 04:05:06' } })), wall('2021-02-03T04:05:06'));
});

test('no date, a blank or impossible one, or a block that is not TIFF: no date, and no error', async () => {
  assert.equal(dateTaken(await exifOf({ IFD0: { Make: 'GlowTest' } })), undefined);
  // A camera without a clock writes zeros: the next date in line is taken.
  const blank = await exifOf({ IFD0: { DateTime: '2021:02:03 04:05:06' }, IFD2: { DateTimeOriginal: '0000:00:00 00:00:00' } });
  assert.deepEqual(dateTaken(blank), wall('2021-02-03T04:05:06'));
  assert.equal(dateTaken(await exifOf({ IFD2: { DateTimeOriginal: '2019:02:31 12:00:00' } })), undefined, '31 February');
  assert.equal(dateTaken(Buffer.from('Exif\0\0not a tiff block at all')), undefined);
  const cut = await exifOf({ IFD2: { DateTimeOriginal: '2019:05:03 14:02:07' } });
  assert.equal(dateTaken(cut.subarray(0, 30)), undefined, 'cut short');
});

test('the time zone the photo records with its date (OffsetTimeOriginal...): the instant it stands for', async () => {
  const zoned = await exifOf({ IFD2: { DateTimeOriginal: '2019:05:03 14:02:07', OffsetTimeOriginal: '+02:00', OffsetTime: '-05:00' } });
  const taken = dateTaken(zoned)!;
  assert.deepEqual(taken, { wallMs: ms('2019-05-03T14:02:07'), offsetMinutes: 120 });
  assert.equal(takenInstant(taken), ms('2019-05-03T12:02:07'), 'two hours east of UTC: 12:02 UTC');
  // Each date goes with its own zone: IFD0's DateTime with OffsetTime.
  assert.deepEqual(dateTaken(await exifOf({ IFD0: { DateTime: '2021:02:03 04:05:06' }, IFD2: { OffsetTime: '-05:30', OffsetTimeOriginal: '+01:00' } })), { wallMs: ms('2021-02-03T04:05:06'), offsetMinutes: -330 });
  // A zone that cannot be: the wall clock alone.
  assert.deepEqual(dateTaken(await exifOf({ IFD2: { DateTimeOriginal: '2019:05:03 14:02:07', OffsetTimeOriginal: '+25:00' } })), wall('2019-05-03T14:02:07'));
  assert.equal(takenInstant(wall('2019-05-03T14:02:07')), ms('2019-05-03T14:02:07'), 'no zone: the wall clock read as UTC');
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
  assert.deepEqual(dateTaken(t), wall('2018-12-24T18:30:00'));
});
