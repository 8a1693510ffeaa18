// bench/library/bench-small-faces: what the "Look for small faces" import setting costs. Imports
// generated 12 MP photos (1 to 3 faces each) into a new library with the default bundle, with
// the usual look (faces down to 4% of the shorter side) and the small-face look (down to 1.2%,
// library/smaller-faces.ts), alternating which goes first, at the default concurrency; prints
// the medians in photos a minute, their ratio, and the faces each found.
//
//   npm run bench:small-faces [-- --count 20 --rounds 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlowEngine } from '../../app/engine/engine.js';
import { FaceDetector } from '../../app/faces/detect.js';
import { importFolder } from '../../app/library/import.js';
import { Library } from '../../app/library/library.js';
import { benchFlags, generatedPhotos } from './side-by-side.js';

const flags = benchFlags();
const { folder, listing } = await generatedPhotos(flags.count);
const engine = await GlowEngine.open(flags.bundleDir, { device: 'cpu' });
const detector = await FaceDetector.open();
const work = mkdtempSync(join(tmpdir(), 'glow-bench-small-faces-'));
const looks = { usual: false, small: true };
const perMinute: Record<keyof typeof looks, number[]> = { usual: [], small: [] };
const faces: Record<keyof typeof looks, number> = { usual: 0, small: 0 };
try {
  for (let round = 0; round < flags.rounds; round++) {
    const order = (round % 2 ? ['small', 'usual'] : ['usual', 'small']) as (keyof typeof looks)[];
    for (const look of order) {
      const lib = Library.open(join(work, `r${round}-${look}.sqlite`));
      try {
        const t0 = performance.now();
        const summary = await importFolder(lib, folder, engine, detector, { listing, concurrency: flags.wide, smallFaces: looks[look] });
        const seconds = (performance.now() - t0) / 1000;
        if (summary.added !== flags.count || summary.failed.length) throw new Error(`import added ${summary.added} of ${flags.count}: ${JSON.stringify(summary.failed)}`);
        perMinute[look].push((flags.count / seconds) * 60);
        faces[look] = summary.faces;
        console.log(`round ${round + 1}, ${look} look: imported ${flags.count} photos (${summary.faces} faces) in ${seconds.toFixed(1)} s`);
      } finally {
        lib.close();
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [usual, small] = [median(perMinute.usual), median(perMinute.small)];
  console.log(`\nmodel ${engine.manifest.model_id}; ${cpus().length}x ${cpus()[0]?.model}; load average ${loadavg()[0]!.toFixed(1)}; ${flags.wide} photos at a time`);
  console.log(`usual look: ${usual.toFixed(1)} photos/min, ${faces.usual} faces; small-face look: ${small.toFixed(1)} photos/min, ${faces.small} faces; the small-face look takes ${(usual / small).toFixed(2)}x as long`);
} finally {
  await Promise.all([engine.close(), detector.close()]);
  rmSync(work, { recursive: true, force: true });
}
