// Reading an EXIF block (a TIFF structure, as sharp's metadata gives it): the byte-order aware
// reader that jobs/exif.ts edits with, and the date a photo was taken, which the library sorts by.

export const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
/** Bytes per value of each TIFF field type. */
export const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

const TAG_DATE_TIME = 0x0132; // IFD0: when the file was last changed, by the camera or an editor
const TAG_EXIF_IFD = 0x8769; // IFD0: the pointer to the Exif IFD
const TAG_DATE_TIME_ORIGINAL = 0x9003; // Exif IFD: when the photo was taken
const TAG_DATE_TIME_DIGITIZED = 0x9004; // Exif IFD: when it was stored (a scan's date, say)

/** The TIFF part of an EXIF block (sharp gives it with the "Exif\0\0" header). */
export function tiffOf(exif: Buffer): Buffer {
  return exif.subarray(0, 6).equals(EXIF_HEADER) ? exif.subarray(6) : exif;
}

export interface TiffReader {
  u16(at: number): number;
  u32(at: number): number;
  w16(at: number, v: number): void;
  w32(at: number, v: number): void;
}

export function tiffReader(t: Buffer): TiffReader {
  const le = t.toString('latin1', 0, 2) === 'II';
  if (!le && t.toString('latin1', 0, 2) !== 'MM') throw new RangeError('EXIF block is not TIFF (no II/MM byte order mark)');
  return le
    ? { u16: (a) => t.readUInt16LE(a), u32: (a) => t.readUInt32LE(a), w16: (a, v) => t.writeUInt16LE(v, a), w32: (a, v) => t.writeUInt32LE(v, a) }
    : { u16: (a) => t.readUInt16BE(a), u32: (a) => t.readUInt32BE(a), w16: (a, v) => t.writeUInt16BE(v, a), w32: (a, v) => t.writeUInt32BE(v, a) };
}

/** The entries of the IFD at `at`: tag, and the offset of the entry's value (in the entry
 * itself when it fits in 4 bytes, else where the entry points). */
function ifdEntries(t: Buffer, r: TiffReader, at: number): Map<number, { type: number; count: number; value: number }> {
  const entries = new Map<number, { type: number; count: number; value: number }>();
  const n = r.u16(at);
  for (let i = 0; i < n && at + 2 + i * 12 + 12 <= t.length; i++) {
    const e = at + 2 + i * 12;
    const type = r.u16(e + 2);
    const count = r.u32(e + 4);
    const size = (TYPE_SIZE[type] ?? 1) * count;
    entries.set(r.u16(e), { type, count, value: size > 4 ? r.u32(e + 8) : e + 8 });
  }
  return entries;
}

/** EXIF's "YYYY:MM:DD HH:MM:SS" as milliseconds of that wall-clock time read as UTC (the time
 * zone is rarely recorded, and photos from one camera compare right without it); undefined for
 * the blank "0000:00:00 00:00:00" cameras write without a clock, and anything else. */
function exifDateMs(text: string): number | undefined {
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 1826 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : undefined; // not 31 February
}

/**
 * When the photo was taken, by its EXIF block: DateTimeOriginal, else DateTimeDigitized, else
 * IFD0's DateTime; as exifDateMs gives it. Undefined where the block has none of them, or is
 * not a readable TIFF structure (a damaged block is no reason to refuse a photo).
 */
export function dateTaken(exif: Buffer): number | undefined {
  try {
    const t = tiffOf(exif);
    const r = tiffReader(t);
    const ascii = (entry: { type: number; count: number; value: number } | undefined) =>
      entry && entry.type === 2 && entry.value + entry.count <= t.length ? exifDateMs(t.toString('latin1', entry.value, entry.value + entry.count)) : undefined;
    const ifd0 = ifdEntries(t, r, r.u32(4));
    const pointer = ifd0.get(TAG_EXIF_IFD);
    const exifIfd = pointer ? ifdEntries(t, r, r.u32(pointer.value)) : new Map();
    return ascii(exifIfd.get(TAG_DATE_TIME_ORIGINAL)) ?? ascii(exifIfd.get(TAG_DATE_TIME_DIGITIZED)) ?? ascii(ifd0.get(TAG_DATE_TIME));
  } catch {
    return undefined;
  }
}
