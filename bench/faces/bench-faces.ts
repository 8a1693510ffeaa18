// Time per 12 MP photo through the faces pipeline, by stage: decode, detect (BlazeFace over
// the tile pyramid), landmarks (FaceMesh), align (64 px crops) and paste (a model-size delta
// back into the full photo), for photos with 1 and 7 faces. Prints a table of medians.
//
//   node --import tsx bench/faces/bench-faces.ts [--runs 5] [--size 64]
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { alignFace } from '../../app/faces/align.js';
import { FaceDetector } from '../../app/faces/detect.js';
import { composePhoto, type Placement } from '../../app/faces/fixtures/compose.js';
import { pasteDeltas } from '../../app/faces/paste.js';
import { decodeImage, type RgbImage } from '../../app/imaging/decode.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, size: { type: 'string' } } });
const runs = Number(values.runs ?? 5);
const size = Number(values.size ?? 64);
const W = 4000;
const H = 3000;

const scenes: Record<string, Placement[]> = {
  '1 face': [{ size: 500, x: 2000, y: 1400 }],
  '7 faces': [
    { size: 60, x: 400, y: 500 },
    { size: 120, x: 1200, y: 600 },
    { size: 250, x: 2200, y: 700, angle: 20 },
    { size: 400, x: 3300, y: 900 },
    { size: 90, x: 600, y: 2200 },
    { size: 300, x: 1600, y: 2200, angle: -15 },
    { size: 700, x: 3100, y: 2300 },
  ],
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const dir = await mkdtemp(join(tmpdir(), 'bench-faces-'));
const detector = await FaceDetector.open();
const rows: { scene: string; faces: number; stages: Record<string, number> }[] = [];
try {
  for (const [scene, placements] of Object.entries(scenes)) {
    const photo: RgbImage = await composePhoto(W, H, placements);
    const file = join(dir, `${scene.replace(' ', '-')}.jpg`);
    await sharp(photo.data, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
    const samples: Record<string, number[]> = { decode: [], detect: [], landmarks: [], align: [], paste: [], total: [], cpu: [] };
    let found = 0;
    for (let r = 0; r <= runs; r++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const image = await decodeImage(file);
      const t1 = performance.now();
      const faces = await detector.detect(image);
      const t2 = performance.now();
      const aligned = await Promise.all(faces.map((f) => alignFace(image, f.landmarks, size)));
      const t3 = performance.now();
      const delta = new Float32Array(3 * size * size).map((_, i) => 0.02 * Math.sin(i));
      pasteDeltas(image, aligned.map((face) => ({ face, delta })));
      const t4 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      found = faces.length;
      if (r === 0) continue; // warm-up
      samples.decode!.push(t1 - t0);
      samples.detect!.push(detector.timings.detect);
      samples.landmarks!.push(detector.timings.landmarks);
      samples.align!.push(t3 - t2);
      samples.paste!.push(t4 - t3);
      samples.total!.push(t4 - t0);
      samples.cpu!.push((cpu.user + cpu.system) / 1000);
    }
    rows.push({ scene, faces: found, stages: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) });
  }
} finally {
  await detector.close();
  await rm(dir, { recursive: true, force: true });
}

const stages = ['decode', 'detect', 'landmarks', 'align', 'paste', 'total', 'cpu'];
console.log(`faces pipeline, ${W}x${H} JPEG (12 MP), median of ${runs} runs after a warm-up, ${size}px crops, ms`);
console.log(`(wall-clock per stage; cpu = process CPU time for the whole photo, all threads; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
console.log(['photo', 'found', ...stages].map((s) => s.padStart(10)).join(''));
for (const r of rows) console.log([r.scene, String(r.faces), ...stages.map((s) => r.stages[s]!.toFixed(0))].map((s) => s.padStart(10)).join(''));
