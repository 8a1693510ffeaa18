// Minimal EXIF (TIFF) editing for export: the pixels are already upright, so Orientation is
// reset to 1, and "strip GPS" removes the GPS IFD's pointer and zeroes its bytes (so no
// location survives in the blob). Then the block is spliced into JPEG, PNG or WebP files.
import { crc32 } from 'node:zlib';
import { EXIF_HEADER, TYPE_SIZE, tiffOf, tiffReader } from '../imaging/exif-block.js';

const TAG_ORIENTATION = 0x0112;
const TAG_GPS = 0x8825;

/** A copy of the EXIF block (TIFF only, no header) with Orientation = 1 and, optionally, no GPS. */
export function editExif(exif: Buffer, { stripGps }: { stripGps: boolean }): Buffer {
  const t = Buffer.from(tiffOf(exif));
  const r = tiffReader(t);
  const ifd0 = r.u32(4);
  if (ifd0 + 2 > t.length) throw new RangeError(`EXIF IFD0 offset ${ifd0} is past the block's end (${t.length} bytes)`);
  let n = r.u16(ifd0);
  for (let i = 0; i < n; i++) {
    const e = ifd0 + 2 + i * 12;
    if (e + 12 > t.length) break;
    const tag = r.u16(e);
    if (tag === TAG_ORIENTATION && r.u16(e + 2) === 3) r.w16(e + 8, 1);
    if (tag === TAG_GPS && stripGps) {
      const gps = r.u32(e + 8);
      if (gps + 2 <= t.length) {
        const gn = r.u16(gps);
        for (let k = 0; k < gn; k++) {
          const ge = gps + 2 + k * 12;
          if (ge + 12 > t.length) break;
          const size = (TYPE_SIZE[r.u16(ge + 2)] ?? 1) * r.u32(ge + 4);
          if (size > 4) {
            const off = r.u32(ge + 8);
            if (off + size <= t.length) t.fill(0, off, off + size);
          }
        }
        t.fill(0, gps, Math.min(t.length, gps + 2 + gn * 12 + 4));
      }
      // Remove the pointer entry: later entries and the next-IFD offset move up by 12 bytes.
      const end = ifd0 + 2 + n * 12 + 4;
      t.copy(t, e, e + 12, end);
      t.fill(0, end - 12, end);
      n -= 1;
      r.w16(ifd0, n);
      i -= 1;
    }
  }
  return t;
}

/** Lists the IFD0 tags of an EXIF block (for tests and diagnostics). */
export function exifTags(exif: Buffer): { ifd0: number[]; orientation: number | undefined; hasGps: boolean } {
  const t = tiffOf(exif);
  const r = tiffReader(t);
  const ifd0 = r.u32(4);
  const n = r.u16(ifd0);
  const tags: number[] = [];
  let orientation: number | undefined;
  for (let i = 0; i < n; i++) {
    const e = ifd0 + 2 + i * 12;
    tags.push(r.u16(e));
    if (r.u16(e) === TAG_ORIENTATION) orientation = r.u16(e + 8);
  }
  return { ifd0: tags, orientation, hasGps: tags.includes(TAG_GPS) };
}

function jpegWithExif(jpeg: Buffer, tiff: Buffer): Buffer {
  const payload = Buffer.concat([EXIF_HEADER, tiff]);
  if (payload.length + 2 > 0xffff) return jpeg; // too big for one APP1 segment: dropped
  let at = 2; // after SOI
  if (jpeg[at] === 0xff && jpeg[at + 1] === 0xe0) at += 2 + jpeg.readUInt16BE(at + 2); // after JFIF APP0
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = 0xe1;
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, at), head, payload, jpeg.subarray(at)]);
}

function pngWithExif(png: Buffer, tiff: Buffer): Buffer {
  let at = 8;
  while (at + 8 <= png.length && png.toString('latin1', at + 4, at + 8) !== 'IDAT') at += 12 + png.readUInt32BE(at);
  const chunk = Buffer.alloc(12 + tiff.length);
  chunk.writeUInt32BE(tiff.length, 0);
  chunk.write('eXIf', 4, 'latin1');
  tiff.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + tiff.length)) >>> 0, 8 + tiff.length);
  return Buffer.concat([png.subarray(0, at), chunk, png.subarray(at)]);
}

function webpWithExif(webp: Buffer, tiff: Buffer, width: number, height: number): Buffer {
  let body = webp.subarray(12);
  if (body.toString('latin1', 0, 4) !== 'VP8X') {
    const vp8x = Buffer.alloc(18);
    vp8x.write('VP8X', 0, 'latin1');
    vp8x.writeUInt32LE(10, 4);
    vp8x.writeUIntLE(width - 1, 12, 3);
    vp8x.writeUIntLE(height - 1, 15, 3);
    body = Buffer.concat([vp8x, body]);
  } else {
    body = Buffer.from(body);
  }
  body[8] = body[8]! | 0x08; // EXIF flag
  const pad = tiff.length % 2;
  const chunk = Buffer.alloc(8 + tiff.length + pad);
  chunk.write('EXIF', 0, 'latin1');
  chunk.writeUInt32LE(tiff.length, 4);
  tiff.copy(chunk, 8);
  const out = Buffer.concat([webp.subarray(0, 12), body, chunk]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

/** `encoded` (JPEG, PNG or WebP) with the EXIF block `tiff` added. */
export function withExif(encoded: Buffer, format: 'jpeg' | 'png' | 'webp', tiff: Buffer, width: number, height: number): Buffer {
  if (format === 'jpeg') return jpegWithExif(encoded, tiff);
  if (format === 'png') return pngWithExif(encoded, tiff);
  return webpWithExif(encoded, tiff, width, height);
}
