// bench/batch: photos per minute for a folder of generated 12 MP photos (1 to 3 faces each,
// or exactly --faces N), edited with the studio's batch runner and the default bundle
// (models/bundles/face-64 when installed, else the test fixture), time split by stage.
// Photos are generated once into a cache folder under the temp dir and reused.
//
//   npm run bench:batch [-- --count 100 --faces 1 --width 4000 --height 3000 --concurrency 2]
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultBundleDir } from '../../app/engine/default-bundle.js';
import { GlowEngine } from '../../app/engine/engine.js';
import { FaceDetector } from '../../app/faces/detect.js';
import { BatchRunner, createBatchJob } from '../../app/jobs/batch.js';
import { batchContext } from '../../app/jobs/batch-context.js';
import { ExportOptions } from '../../app/jobs/export.js';
import type { Stage } from '../../app/jobs/face-edit.js';
import { resolveAttributes } from '../../app/jobs/recipe.js';
import { bundleWithAttributes } from '../../app/jobs/test-bundle.js';
import { writeTestPhoto } from '../../app/jobs/test-photos.js';
import { loadBuiltinAttributes } from '../../app/library/builtin-attributes.js';
import { Library } from '../../app/library/library.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    faces: { type: 'string', default: '1-3' },
    width: { type: 'string', default: '4000' },
    height: { type: 'string', default: '3000' },
    concurrency: { type: 'string' },
    bundle: { type: 'string' },
    quality: { type: 'string', default: '90' },
  },
});
const count = Number(values.count);
const [lo, hi] = values.faces!.split('-').map(Number) as [number, number?];
const faces: [number, number] = [lo, hi ?? lo];
const width = Number(values.width);
const height = Number(values.height);

const cache = join(tmpdir(), `glow-bench-batch-${width}x${height}-${faces.join('-')}`);
mkdirSync(cache, { recursive: true });
const have = readdirSync(cache).filter((f) => f.endsWith('.jpg')).length;
if (have < count) {
  const t0 = performance.now();
  for (let i = have; i < count; i++) {
    await writeTestPhoto(join(cache, `photo-${String(i).padStart(3, '0')}.jpg`), { width, height, faces, seed: 5 }, i);
    process.stderr.write(`\rgenerating photos ${i + 1}/${count}`);
  }
  process.stderr.write(` (${((performance.now() - t0) / 1000).toFixed(0)} s, cached in ${cache})\n`);
}
const files = readdirSync(cache).filter((f) => f.endsWith('.jpg')).sort().slice(0, count);

const work = mkdtempSync(join(tmpdir(), 'glow-bench-run-'));
let bundleDir = values.bundle ?? defaultBundleDir();
if (!existsSync(join(bundleDir, 'attributes.json'))) bundleDir = await bundleWithAttributes(join(work, 'bundle')); // the fixture: random directions
const engine = await GlowEngine.open(bundleDir, { device: 'cpu' });
const detector = await FaceDetector.open();
const lib = Library.open(join(work, 'bench.sqlite'));
try {
  const builtin = (await loadBuiltinAttributes(bundleDir, engine.manifest)) ?? [];
  const names = builtin.slice(0, 2).map((b) => b.name);
  const sliders = Object.fromEntries(names.map((n, i) => [n, i === 0 ? 0.6 : -0.3]));
  const { jobId } = await createBatchJob(lib, {
    source: cache,
    files,
    out: join(work, 'out'),
    recipe: { sliders },
    bundle: bundleDir,
    modelId: engine.latentKey,
    export: ExportOptions.parse({ quality: Number(values.quality) }),
  });
  const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
  // The same context the studio and the CLI build for a batch job.
  const directions = (wanted: readonly string[]) => resolveAttributes(wanted, builtin, [], { bundleDir, modelId: engine.manifest.model_id }).directions;
  const { context } = await batchContext(lib, jobId, { engine, detector, directions });
  const runner = new BatchRunner(lib, jobId, context, concurrency ? { concurrency } : {});
  let faceCount = 0;
  runner.on('item', (e) => {
    faceCount += e.faces ?? 0;
    if (e.state === 'failed') console.error(`failed: ${e.error}`);
  });
  runner.on('progress', (e) => process.stderr.write(`\rbatch ${e.done + e.failed}/${e.total} ${(e.rate * 60).toFixed(1)}/min ETA ${e.etaSeconds.toFixed(0)}s   `));
  const load0 = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const s = await runner.run();
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stderr.write('\n');
  const stageSum = Object.values(s.times).reduce((a, b) => a + b, 0);
  console.log(`\nbench/batch: ${s.counts.done} photos (${width}x${height}, ${faces[0] === faces[1] ? faces[0] : faces.join(' to ')} faces each, ${faceCount} faces), model ${engine.manifest.model_id} on ${engine.provider}`);
  console.log(`CPU: ${cpus()[0]?.model ?? '?'} x ${availableParallelism()}; concurrency ${concurrency ?? 'default'}`);
  console.log(`wall ${s.seconds.toFixed(1)} s -> ${((60 * s.counts.done) / s.seconds).toFixed(1)} photos/min (${s.counts.failed} failed)`);
  const perPhoto = cpuSeconds / Math.max(1, s.counts.done);
  const cores = availableParallelism();
  console.log(
    `CPU time ${cpuSeconds.toFixed(1)} s (${perPhoto.toFixed(2)} CPU-s/photo, all threads); load average ${load0.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end on ${cores} cores` +
      ` -> on ${cores} otherwise idle cores about ${((60 * cores) / perPhoto).toFixed(0)} photos/min`,
  );
  console.log('stage      total s   ms/photo   share (stage times overlap across photos in flight)');
  for (const [stage, ms] of Object.entries(s.times) as [Stage, number][]) {
    console.log(`${stage.padEnd(10)} ${(ms / 1000).toFixed(1).padStart(7)} ${(ms / Math.max(1, s.counts.done)).toFixed(0).padStart(10)}   ${((100 * ms) / stageSum).toFixed(0).padStart(4)}%`);
  }
} finally {
  lib.close();
  await detector.close();
  await engine.close();
  rmSync(work, { recursive: true, force: true });
}
