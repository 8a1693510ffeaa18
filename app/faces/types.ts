// The shapes shared by detection, alignment and paste-back.
//
// Coordinates are continuous pixel coordinates of the (orientation-corrected) photo:
// pixel (i, j) covers [i, i + 1) x [j, j + 1), so its centre is (i + 0.5, j + 0.5).

export type Point = readonly [x: number, y: number];

/** A 2x3 affine map [a, b, c, d, e, f]: (x, y) -> (a x + b y + c, d x + e y + f). */
export type Affine = readonly [number, number, number, number, number, number];

/** Five landmarks; left and right are as seen in the image, not the subject's. */
export interface Landmarks {
  leftEye: Point;
  rightEye: Point;
  nose: Point;
  mouthLeft: Point;
  mouthRight: Point;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Face {
  /** Axis-aligned box around the face mesh (forehead to chin, cheek to cheek). */
  box: Box;
  landmarks: Landmarks;
  /** FaceMesh's face probability, 0..1: the score faces are kept by. */
  score: number;
  /** BlazeFace's detection probability, 0..1. */
  detectorScore: number;
  /** In-plane rotation of the face in degrees (eye line vs. horizontal, clockwise positive). */
  roll: number;
}
