// How small a face the studio looks for in a photo. By default down to 4% of the photo's shorter
// side, which keeps imports and batches fast and their finds sure; the small-face look (Find
// smaller faces, Settings smallFaces, --small-faces) goes down to SMALLER_FACE_SHARE, for the
// back rows of a group photo, at about 2.5 times the time (bench/library/bench-small-faces.ts).

/** The default: 4% of the shorter side, and at least 40 px. */
export function defaultMinFace(width: number, height: number): number {
  return Math.max(40, Math.round(Math.min(width, height) * 0.04));
}

/** The small-face look, as a share of the shorter side (and at least SMALLEST_FACE px): a face
 * this small still covers most of the model's 64 px crop. */
export const SMALLER_FACE_SHARE = 0.012;
export const SMALLEST_FACE = 24;

export function smallerFaceSize(width: number, height: number): number {
  return Math.max(SMALLEST_FACE, Math.round(Math.min(width, height) * SMALLER_FACE_SHARE));
}

/** What a look for faces in a photo `width` x `height` goes down to: `minFaceSize` px where
 * given (the command line's --min-face), else the small-face look or the default. */
export function minFaceFor(width: number, height: number, { minFaceSize, smallFaces }: { minFaceSize?: number | undefined; smallFaces?: boolean | undefined } = {}): number {
  return minFaceSize ?? (smallFaces ? smallerFaceSize(width, height) : defaultMinFace(width, height));
}
