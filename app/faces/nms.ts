// Non-maximum suppression over detections in photo coordinates: weighted (BlazeFace's own
// post-processing: overlapping detections are averaged by score) or plain (keep the best).
import type { Box } from './types.js';

export interface Scored {
  box: Box;
  score: number;
  /** Extra coordinates averaged along with the box in weighted mode (e.g. keypoints). */
  points: number[];
}

function intersection(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
}

/** Share of `inner`'s area that lies inside `outer`. */
export function containment(inner: Box, outer: Box): number {
  const area = inner.width * inner.height;
  return area > 0 ? intersection(inner, outer) / area : 0;
}

export function iou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

export function nonMaxSuppression<T extends Scored>(items: readonly T[], threshold: number, mode: 'weighted' | 'plain'): T[] {
  const rest = [...items].sort((p, q) => q.score - p.score);
  const kept: T[] = [];
  while (rest.length) {
    const best = rest[0]!;
    const group: T[] = [];
    const remaining: T[] = [];
    for (const d of rest) (iou(best.box, d.box) > threshold ? group : remaining).push(d);
    rest.splice(0, rest.length, ...remaining);
    if (mode === 'plain' || group.length === 1) {
      kept.push(best);
      continue;
    }
    let total = 0;
    const box = { x: 0, y: 0, width: 0, height: 0 };
    const points = best.points.map(() => 0);
    for (const d of group) {
      total += d.score;
      box.x += d.box.x * d.score;
      box.y += d.box.y * d.score;
      box.width += d.box.width * d.score;
      box.height += d.box.height * d.score;
      d.points.forEach((v, i) => (points[i]! += v * d.score));
    }
    kept.push({
      ...best,
      box: { x: box.x / total, y: box.y / total, width: box.width / total, height: box.height / total },
      points: points.map((v) => v / total),
    });
  }
  return kept;
}

/**
 * The faces left once refinement's duplicates are gone: of two that found the same face
 * (IoU 0.5 or more) the better scored stays, and a face mostly (60%) inside a larger one is
 * dropped whatever the scores, since it is a part of that face passing as a small one.
 * FaceMesh's scores often tie at 1.0, so the order of the scores cannot decide that.
 */
export function dropDuplicateFaces<T extends { box: Box; score: number }>(faces: readonly T[]): T[] {
  const byScore = [...faces].sort((a, b) => b.score - a.score);
  const distinct = byScore.filter((f, i) => byScore.slice(0, i).every((g) => iou(f.box, g.box) < 0.5));
  const area = (b: Box) => b.width * b.height;
  return distinct.filter((f) => distinct.every((g) => g === f || area(g.box) <= area(f.box) || containment(f.box, g.box) < 0.6));
}
