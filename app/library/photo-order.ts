// The orders the library lists photos in: by name as a file manager sorts them (any case,
// "photo 2" before "photo 10", a folder's photos together), or by the date they were taken
// (EXIF, else the file's modified time), newest or oldest first.
import { sep } from 'node:path';
import type { PhotoOrder } from '../api/contract.js';

/** A path's sort key for the name order: lower case, each run of digits prefixed by its
 * length (leading zeros dropped) so that numbers sort by value, and the path separator below
 * every other character so that a folder's own photos come before those of "folder 2". */
export function nameKey(path: string): string {
  return path
    .normalize('NFC')
    .toLowerCase()
    .split(sep)
    .join('\u0001')
    .replace(/\d+/g, (run) => {
      const digits = run.replace(/^0+(?=\d)/, '');
      return String(digits.length).padStart(3, '0') + digits;
    });
}

/** The date taken as the camera's wall clock (read as UTC), for the photos table (as `alias`,
 * if it has one): taken_ms is the instant, which photos from different time zones are ordered
 * by, and taken_offset its zone in minutes where the photo records one (exif-block.ts
 * takenInstant). */
export function takenWallSql(alias?: string): string {
  const c = alias ? `${alias}.` : '';
  return `${c}taken_ms + coalesce(${c}taken_offset, 0) * 60000`;
}

/** The ORDER BY terms of `order`, for the photos table as `alias`: ties by name, then id, and
 * all of them reversed for the newest first (a burst of one second, newest first too), so
 * that each order reads an index of migrations.ts v15 instead of sorting the whole library. */
export function photoOrderSql(order: PhotoOrder, alias: string): string {
  const byName = `${alias}.name_key, ${alias}.id`;
  const taken = `coalesce(${alias}.taken_ms, ${alias}.mtime_ms)`;
  if (order === 'newest') return `${taken} DESC, ${alias}.name_key DESC, ${alias}.id DESC`;
  if (order === 'oldest') return `${taken}, ${byName}`;
  return byName;
}
