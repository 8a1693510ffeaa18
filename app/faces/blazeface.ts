// MediaPipe BlazeFace (the 256x256 "back" model, run fully convolutionally on any multiple of
// 32): anchors and output decoding. Boxes and keypoints come out in input pixels relative to
// their anchor.

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

const anchorCache = new Map<string, Float32Array>();

/** Anchor centres for a width x height input (multiples of 32): stride 16 x2 per cell, then stride 32 x6, row-major. */
export function anchorsFor(width: number, height: number): Float32Array {
  const key = `${width}x${height}`;
  let anchors = anchorCache.get(key);
  if (!anchors) {
    const list: number[] = [];
    for (const [stride, perCell] of [
      [16, 2],
      [32, 6],
    ] as const) {
      for (let y = 0; y < height / stride; y++) {
        for (let x = 0; x < width / stride; x++) {
          for (let n = 0; n < perCell; n++) list.push(stride * (x + 0.5), stride * (y + 0.5));
        }
      }
    }
    anchors = Float32Array.from(list);
    anchorCache.set(key, anchors);
  }
  return anchors;
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/**
 * Decodes one batch item of a width x height input: `scores16/boxes16` (stride-16 anchors)
 * then `scores32/boxes32` (stride 32). Returns detections with probability >= minScore.
 */
export function decodeDetections(
  scores16: Float32Array,
  boxes16: Float32Array,
  scores32: Float32Array,
  boxes32: Float32Array,
  item: number,
  minScore: number,
  width = BLAZEFACE_SIZE,
  height = BLAZEFACE_SIZE,
): RawDetection[] {
  if (width % 32 || height % 32) throw new RangeError(`BlazeFace input must be a multiple of 32 on each side, got ${width}x${height}`);
  const anchors = anchorsFor(width, height);
  const n16 = (width / 16) * (height / 16) * 2;
  const n32 = (width / 32) * (height / 32) * 6;
  const out: RawDetection[] = [];
  const minLogit = logit(minScore);
  const parts = [
    [scores16, boxes16, n16, 0],
    [scores32, boxes32, n32, n16],
  ] as const;
  for (const [scores, boxes, count, anchorBase] of parts) {
    for (let k = 0; k < count; k++) {
      const s = scores[item * count + k]!;
      if (s < minLogit) continue;
      const r = item * count * 16 + k * 16;
      const ax = anchors[(anchorBase + k) * 2]!;
      const ay = anchors[(anchorBase + k) * 2 + 1]!;
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
