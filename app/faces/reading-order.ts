// The order the studio numbers a photo's faces in: as people read a group photo, row by row
// from the top, each row left to right.
import type { Box } from './types.js';

/** Faces whose centres lie within this fraction of a face height of a row's centre line are in that row. */
const ROW_TOLERANCE = 0.5;

const centreY = (b: Box) => b.y + b.height / 2;

/** `faces` sorted in reading order (a new array). People standing side by side at different
 * heights stay one row; a row of children in front is a second row. */
export function readingOrder<T extends { box: Box }>(faces: readonly T[]): T[] {
  const rows: { members: T[]; centre: number; height: number }[] = [];
  for (const face of [...faces].sort((a, b) => centreY(a.box) - centreY(b.box))) {
    const row = rows[rows.length - 1];
    const cy = centreY(face.box);
    if (row && Math.abs(cy - row.centre) < ROW_TOLERANCE * Math.max(row.height, face.box.height)) {
      row.members.push(face);
      row.centre += (cy - row.centre) / row.members.length;
      row.height = Math.max(row.height, face.box.height);
    } else {
      rows.push({ members: [face], centre: cy, height: face.box.height });
    }
  }
  return rows.flatMap((row) => row.members.sort((a, b) => a.box.x - b.box.x));
}
