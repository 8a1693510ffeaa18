// bench/library/bench-import: photos per minute importing a folder of generated 12 MP photos
// (1 to 3 faces each) into a new library with the default bundle, one photo at a time and
// --concurrency at a time, side by side in one run (alternating, --rounds times each).
// Photos are generated once into a cache folder under the temp dir (bench/batch's cache).
//
//   npm run bench:import [-- --count 30 --rounds 2 --concurrency 2]
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultBundleDir } from '../../app/engine/default-bundle.js';
import { GlowEngine } from '../../app/engine/engine.js';
import { FaceDetector } from '../../app/faces/detect.js';
import { defaultConcurrency } from '../../app/jobs/concurrency.js';
import { listPhotos } from '../../app/jobs/photo-files.js';
import { writeTestPhoto } from '../../app/jobs/test-photos.js';
import { importFolder } from '../../app/library/import.js';
import { Library } from '../../app/library/library.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string' },
    bundle: { type: 'string' },
  },
});
const count = Number(values.count);
const rounds = Number(values.rounds);
const wide = values.concurrency ? Number(values.concurrency) : defaultConcurrency();
const [width, height, faces] = [4000, 3000, [1, 3] as [number, number]];

const cache = join(tmpdir(), `glow-bench-batch-${width}x${height}-${faces.join('-')}`);
mkdirSync(cache, { recursive: true });
const have = readdirSync(cache).filter((f) => f.endsWith('.jpg')).length;
for (let i = have; i < count; i++) {
  await writeTestPhoto(join(cache, `photo-${String(i).padStart(3, '0')}.jpg`), { width, height, faces, seed: 5 }, i);
  process.stderr.write(`\rgenerating photos ${i + 1}/${count}${i + 1 === count ? '\n' : ''}`);
}
const listing = await listPhotos(cache);
listing.files = listing.files.sort().slice(0, count);

const bundleDir = values.bundle ?? defaultBundleDir();
const engine = await GlowEngine.open(bundleDir, { device: 'cpu' });
const detector = await FaceDetector.open();
const work = mkdtempSync(join(tmpdir(), 'glow-bench-import-'));
const perMinute: Record<string, number[]> = { '1': [], [wide]: [] };
try {
  for (let round = 0; round < rounds; round++) {
    // Alternating which goes first, so a warm cache or a busy moment favours neither.
    const order = round % 2 ? [wide, 1] : [1, wide];
    for (const concurrency of order) {
      const lib = Library.open(join(work, `r${round}-c${concurrency}.sqlite`));
      const t0 = performance.now();
      const summary = await importFolder(lib, cache, engine, detector, { listing, concurrency });
      const seconds = (performance.now() - t0) / 1000;
      lib.close();
      if (summary.added !== count || summary.failed.length) throw new Error(`import added ${summary.added} of ${count}: ${JSON.stringify(summary.failed)}`);
      perMinute[concurrency]!.push((count / seconds) * 60);
      console.log(`round ${round + 1}, ${concurrency} at a time: ${count} photos (${summary.faces} faces) in ${seconds.toFixed(1)} s`);
    }
  }
} finally {
  await engine.close();
  await detector.close();
  rmSync(work, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [one, many] = [median(perMinute['1']!), median(perMinute[wide]!)];
console.log(`\nmodel ${engine.manifest.model_id}; ${cpus().length}x ${cpus()[0]?.model}; load average ${loadavg()[0]!.toFixed(1)}`);
console.log(`one photo at a time: ${one.toFixed(1)} photos/min; ${wide} at a time: ${many.toFixed(1)} photos/min; ratio ${(many / one).toFixed(2)}x`);
