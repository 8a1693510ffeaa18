// Whether two face boxes mark one face's place: a face found again (its photo turned, the photo
// looked at again for smaller faces), or found where the user removed one (remove-face.ts).
import { iou } from '../faces/nms.js';
import type { Box } from '../faces/types.js';

/** Boxes that overlap this much (IoU) are one face's place. */
export const SAME_FACE_IOU = 0.3;

/** Whether `box` is at the place of any of `places`. */
export function atAnyOf(box: Box, places: readonly Box[]): boolean {
  return places.some((p) => iou(box, p) >= SAME_FACE_IOU);
}
