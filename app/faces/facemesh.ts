// MediaPipe FaceMesh (192x192 crop -> 468 points): which mesh points make the five landmarks,
// and the crop window the mesh is run on.
import { applyAffine, squareWindow } from './affine.js';
import type { Affine, Box, Landmarks, Point } from './types.js';

export const FACEMESH_SIZE = 192;
export const MESH_POINTS = 468;

// Eye contours (MediaPipe face_mesh_connections): the subject's right eye is image-left.
const IMAGE_LEFT_EYE = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173];
const IMAGE_RIGHT_EYE = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398];
const NOSE_TIP = 1;
const MOUTH_IMAGE_LEFT = 61;
const MOUTH_IMAGE_RIGHT = 291;

/** The crop is this many times the face's size (mesh box or BlazeFace box). */
export const CROP_MARGIN = 1.5;

/** The crop window (192 px -> photo) around a face centred at `centre`, `size` across, rolled `angle` radians. */
export function meshWindow(centre: Point, size: number, angle: number): Affine {
  return squareWindow(centre, size * CROP_MARGIN, angle, FACEMESH_SIZE);
}

/** Mesh output (468 x,y,z in crop pixels) mapped into the photo through the crop window. */
export function meshToPhoto(mesh: Float32Array, offset: number, window: Affine): Point[] {
  const pts: Point[] = [];
  for (let i = 0; i < MESH_POINTS; i++) pts.push(applyAffine(window, [mesh[offset + i * 3]!, mesh[offset + i * 3 + 1]!]));
  return pts;
}

function mean(points: readonly Point[], indices: readonly number[]): Point {
  let x = 0;
  let y = 0;
  for (const i of indices) {
    x += points[i]![0];
    y += points[i]![1];
  }
  return [x / indices.length, y / indices.length];
}

export function meshLandmarks(points: readonly Point[]): Landmarks {
  return {
    leftEye: mean(points, IMAGE_LEFT_EYE),
    rightEye: mean(points, IMAGE_RIGHT_EYE),
    nose: points[NOSE_TIP]!,
    mouthLeft: points[MOUTH_IMAGE_LEFT]!,
    mouthRight: points[MOUTH_IMAGE_RIGHT]!,
  };
}

/** Roll of the eye line in radians (clockwise in image coordinates). */
export function eyeAngle(l: Landmarks): number {
  return Math.atan2(l.rightEye[1] - l.leftEye[1], l.rightEye[0] - l.leftEye[0]);
}

/** Size and centre of the mesh measured in the face's own (de-rolled) frame. */
export function meshExtent(points: readonly Point[], angle: number): { centre: Point; size: number; box: Box } {
  const cos = Math.cos(-angle);
  const sin = Math.sin(-angle);
  let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const [x, y] of points) {
    const u = cos * x - sin * y;
    const v = sin * x + cos * y;
    u0 = Math.min(u0, u); u1 = Math.max(u1, u); v0 = Math.min(v0, v); v1 = Math.max(v1, v);
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const cu = (u0 + u1) / 2;
  const cv = (v0 + v1) / 2;
  const centre: Point = [Math.cos(angle) * cu - Math.sin(angle) * cv, Math.sin(angle) * cu + Math.cos(angle) * cv];
  return { centre, size: Math.max(u1 - u0, v1 - v0), box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } };
}
