// MediaPipe BlazeFace (256x256 "back" model): input packing, anchors and output decoding.
// Boxes and keypoints come out in 256-px input units relative to their anchor.

export const BLAZEFACE_SIZE = 256;

/** One raw detection in input (tile) pixels. Keypoints: image-left eye, image-right eye, nose, mouth, two ears. */
export interface RawDetection {
  cx: number;
  cy: number;
  width: number;
  height: number;
  keypoints: [number, number][];
  score: number;
}

function makeAnchors(): Float32Array {
  const anchors: number[] = [];
  for (const [stride, perCell] of [
    [16, 2],
    [32, 6],
  ] as const) {
    const cells = BLAZEFACE_SIZE / stride;
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let n = 0; n < perCell; n++) anchors.push(stride * (x + 0.5), stride * (y + 0.5));
      }
    }
  }
  return Float32Array.from(anchors);
}

const ANCHORS = makeAnchors(); // 896 (x, y) pairs: 512 at stride 16, then 384 at stride 32

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/**
 * Decodes one batch item: `scores16/boxes16` (512 anchors) then `scores32/boxes32` (384).
 * Returns detections with probability >= minScore.
 */
export function decodeDetections(
  scores16: Float32Array,
  boxes16: Float32Array,
  scores32: Float32Array,
  boxes32: Float32Array,
  item: number,
  minScore: number,
): RawDetection[] {
  const out: RawDetection[] = [];
  const minLogit = logit(minScore);
  const parts = [
    [scores16, boxes16, 512, 0],
    [scores32, boxes32, 384, 512],
  ] as const;
  for (const [scores, boxes, count, anchorBase] of parts) {
    for (let k = 0; k < count; k++) {
      const s = scores[item * count + k]!;
      if (s < minLogit) continue;
      const r = item * count * 16 + k * 16;
      const ax = ANCHORS[(anchorBase + k) * 2]!;
      const ay = ANCHORS[(anchorBase + k) * 2 + 1]!;
      const keypoints: [number, number][] = [];
      for (let p = 0; p < 6; p++) keypoints.push([ax + boxes[r + 4 + 2 * p]!, ay + boxes[r + 5 + 2 * p]!]);
      out.push({
        cx: ax + boxes[r]!,
        cy: ay + boxes[r + 1]!,
        width: boxes[r + 2]!,
        height: boxes[r + 3]!,
        keypoints,
        score: 1 / (1 + Math.exp(-Math.max(-80, Math.min(80, s)))),
      });
    }
  }
  return out;
}
