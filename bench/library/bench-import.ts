// bench/library/bench-import: photos per minute importing a folder of generated 12 MP photos
// (1 to 3 faces each) into a new library with the default bundle, one photo at a time against
// --concurrency at a time (side-by-side.ts).
//
//   npm run bench:import [-- --count 30 --rounds 2 --concurrency 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlowEngine } from '../../app/engine/engine.js';
import { FaceDetector } from '../../app/faces/detect.js';
import { importFolder } from '../../app/library/import.js';
import { Library } from '../../app/library/library.js';
import { benchFlags, generatedPhotos, sideBySide } from './side-by-side.js';

const flags = benchFlags();
const { folder, listing } = await generatedPhotos(flags.count);
const engine = await GlowEngine.open(flags.bundleDir, { device: 'cpu' });
const detector = await FaceDetector.open();
const work = mkdtempSync(join(tmpdir(), 'glow-bench-import-'));
try {
  await sideBySide('imported', flags, async (concurrency, round) => {
    const lib = Library.open(join(work, `r${round}-c${concurrency}.sqlite`));
    try {
      const t0 = performance.now();
      const summary = await importFolder(lib, folder, engine, detector, { listing, concurrency });
      const seconds = (performance.now() - t0) / 1000;
      if (summary.added !== flags.count || summary.failed.length) throw new Error(`import added ${summary.added} of ${flags.count}: ${JSON.stringify(summary.failed)}`);
      return { seconds, model: engine.manifest.model_id, faces: summary.faces };
    } finally {
      lib.close();
    }
  });
} finally {
  await Promise.all([engine.close(), detector.close()]);
  rmSync(work, { recursive: true, force: true });
}
