import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containment, dropDuplicateFaces, iou, nonMaxSuppression, type Scored } from './nms.js';

const det = (x: number, y: number, w: number, score: number): Scored => ({ box: { x, y, width: w, height: w }, score, points: [x, y] });

describe('non-max suppression', () => {
  test('iou and containment', () => {
    assert.equal(iou(det(0, 0, 10, 1).box, det(5, 0, 10, 1).box), 50 / 150);
    assert.equal(iou(det(0, 0, 10, 1).box, det(20, 0, 10, 1).box), 0);
    assert.equal(containment(det(2, 2, 4, 1).box, det(0, 0, 10, 1).box), 1);
  });

  test('plain keeps the best of each overlapping group', () => {
    const kept = nonMaxSuppression([det(0, 0, 10, 0.6), det(1, 0, 10, 0.9), det(50, 50, 10, 0.7)], 0.3, 'plain');
    assert.deepEqual(kept.map((k) => k.score), [0.9, 0.7]);
    assert.equal(kept[0]!.box.x, 1);
  });

  test('weighted averages the group by score, keeping the best score', () => {
    const [k] = nonMaxSuppression([det(0, 0, 10, 0.25), det(2, 0, 10, 0.75)], 0.3, 'weighted');
    assert.equal(k!.score, 0.75);
    assert.equal(k!.box.x, 1.5);
    assert.deepEqual(k!.points, [1.5, 0]);
  });

  test('refined faces: a part of a face is dropped even when it scores as well or better', () => {
    // A UTKFace photo gave these three at FaceMesh score 1.000: the face, and two shifted
    // parts of it about 78% and 100% inside.
    const face = det(3, -2, 190, 1);
    const parts = [det(12, 54, 127, 1), det(40, 60, 100, 1)];
    assert.deepEqual(dropDuplicateFaces([...parts, face]), [face]);
    assert.deepEqual(dropDuplicateFaces([det(12, 54, 127, 1), det(3, -2, 190, 0.9)]), [det(3, -2, 190, 0.9)]);
    // The same face found twice: the better one. Two faces side by side: both.
    assert.deepEqual(dropDuplicateFaces([det(0, 0, 100, 0.8), det(5, 5, 100, 0.95)]), [det(5, 5, 100, 0.95)]);
    assert.equal(dropDuplicateFaces([det(0, 0, 100, 1), det(150, 0, 100, 1)]).length, 2);
  });
});
