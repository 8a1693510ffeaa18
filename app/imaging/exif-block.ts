// Reading an EXIF block (a TIFF structure, as sharp's metadata gives it): the byte-order aware
// reader that jobs/exif.ts edits with, and the date a photo was taken (with its time zone where
// the photo records one), which the library sorts by.

export const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
/** Bytes per value of each TIFF field type. */
export const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

const TAG_DATE_TIME = 0x0132; // IFD0: when the file was last changed, by the camera or an editor
const TAG_EXIF_IFD = 0x8769; // IFD0: the pointer to the Exif IFD
const TAG_DATE_TIME_ORIGINAL = 0x9003; // Exif IFD: when the photo was taken
const TAG_DATE_TIME_DIGITIZED = 0x9004; // Exif IFD: when it was stored (a scan's date, say)
// Exif IFD (EXIF 2.31): the time zone of each of those, "+02:00" (phones write them).
const TAG_OFFSET_TIME = 0x9010;
const TAG_OFFSET_TIME_ORIGINAL = 0x9011;
const TAG_OFFSET_TIME_DIGITIZED = 0x9012;

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

/** EXIF's "YYYY:MM:DD HH:MM:SS" as milliseconds of that wall-clock time read as UTC; undefined
 * for the blank "0000:00:00 00:00:00" cameras write without a clock, and anything else. */
function exifDateMs(text: string): number | undefined {
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 1826 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : undefined; // not 31 February
}

/** EXIF's "+HH:MM" / "-HH:MM" as minutes east of UTC; undefined for anything else. */
function exifOffsetMinutes(text: string): number | undefined {
  const m = /^([+-])(\d{2}):(\d{2})/.exec(text);
  if (!m) return undefined;
  const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return Number(m[3]) < 60 && minutes >= -12 * 60 && minutes <= 14 * 60 ? minutes : undefined;
}

/** When a photo was taken: the camera's wall clock, and its time zone where the photo records
 * one (EXIF 2.31 OffsetTime*; most cameras do not, phones do). */
export interface DateTaken {
  /** The wall-clock time read as UTC (exifDateMs): what the studio shows. */
  wallMs: number;
  /** Minutes east of UTC. */
  offsetMinutes?: number;
}

/** The instant a DateTaken stands for, which photos from different time zones are ordered by:
 * the wall clock less the offset; the wall clock read as UTC where the zone is not known (photos
 * from one camera still compare right). */
export function takenInstant(taken: DateTaken): number {
  return taken.wallMs - (taken.offsetMinutes ?? 0) * 60_000;
}

/**
 * When the photo was taken, by its EXIF block: DateTimeOriginal, else DateTimeDigitized, else
 * IFD0's DateTime, each with its own offset tag. Undefined where the block has none of them, or
 * is not a readable TIFF structure (a damaged block is no reason to refuse a photo).
 */
export function dateTaken(exif: Buffer): DateTaken | undefined {
  try {
    const t = tiffOf(exif);
    const r = tiffReader(t);
    const text = (entry: { type: number; count: number; value: number } | undefined) =>
      entry && entry.type === 2 && entry.value + entry.count <= t.length ? t.toString('latin1', entry.value, entry.value + entry.count) : undefined;
    const ifd0 = ifdEntries(t, r, r.u32(4));
    const pointer = ifd0.get(TAG_EXIF_IFD);
    const exifIfd = pointer ? ifdEntries(t, r, r.u32(pointer.value)) : new Map();
    const pairs: [typeof ifd0, number, number][] = [
      [exifIfd, TAG_DATE_TIME_ORIGINAL, TAG_OFFSET_TIME_ORIGINAL],
      [exifIfd, TAG_DATE_TIME_DIGITIZED, TAG_OFFSET_TIME_DIGITIZED],
      [ifd0, TAG_DATE_TIME, TAG_OFFSET_TIME],
    ];
    for (const [ifd, dateTag, offsetTag] of pairs) {
      const wallMs = exifDateMs(text(ifd.get(dateTag)) ?? '');
      if (wallMs === undefined) continue;
      // (OffsetTime, for IFD0's DateTime, sits in the Exif IFD, as the others do.)
      const offsetMinutes = exifOffsetMinutes(text(exifIfd.get(offsetTag)) ?? '');
      return offsetMinutes === undefined ? { wallMs } : { wallMs, offsetMinutes };
    }
    return undefined;
  } catch {
    return undefined;
  }
}
