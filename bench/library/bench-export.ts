// bench/library/bench-export: photos per minute exporting edited photos from the library (the
// studio's export job: each photo decoded, its faces' edits rendered at full resolution, and
// encoded), one photo at a time against --concurrency at a time (side-by-side.ts). The photos:
// the generated 12 MP ones (1 to 3 faces), imported once, every face given Smiling +0.5 (a
// built-in of the default bundle).
//
//   npm run bench:export [-- --count 30 --rounds 2 --concurrency 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobInfo } from '../../app/api/contract.js';
import { GlowEngine } from '../../app/engine/engine.js';
import { FaceDetector } from '../../app/faces/detect.js';
import { importFolder } from '../../app/library/import.js';
import { Library } from '../../app/library/library.js';
import { createStudioService } from '../../app/studio/create-studio-service.js';
import { benchFlags, generatedPhotos, sideBySide } from './side-by-side.js';

const flags = benchFlags();
const { bundleDir } = flags;
const { folder, listing } = await generatedPhotos(flags.count);
const work = mkdtempSync(join(tmpdir(), 'glow-bench-export-'));
const library = join(work, 'bench.sqlite');
let faces = 0;
{
  const engine = await GlowEngine.open(bundleDir, { device: 'cpu' });
  const detector = await FaceDetector.open();
  const lib = Library.open(library);
  await importFolder(lib, folder, engine, detector, { listing });
  for (const photo of lib.photosUnder('')) {
    for (const face of lib.facesOfPhoto(photo.id)) {
      lib.saveEdit(photo.id, face.id, { sliders: { Smiling: 0.5 } });
      faces++;
    }
  }
  lib.close();
  await Promise.all([engine.close(), detector.close()]);
}

try {
  await sideBySide('exported', flags, async (concurrency, round) => {
    // A new studio each time: its renderer's caches start empty.
    const service = await createStudioService({ bundleDir, device: 'cpu', library, concurrency });
    try {
      const photoIds = (await service.listPhotos({ limit: flags.count })).map((p) => p.id);
      const outDir = join(work, `out-r${round}-c${concurrency}`);
      const t0 = performance.now();
      let job: JobInfo = await service.exportPhotos({ photoIds, outDir, export: { format: 'jpeg', quality: 90, metadata: 'strip-gps', nameTemplate: '{name}' } });
      while (job.state === 'running' || job.state === 'queued') {
        await new Promise((r) => setTimeout(r, 50));
        job = (await service.listJobs({})).find((j) => j.id === job.id)!;
      }
      const seconds = (performance.now() - t0) / 1000;
      if (job.state !== 'done' || job.failed) throw new Error(`export ${job.state}, ${job.failed} failed: ${JSON.stringify(job.errors)}`);
      return { seconds, model: (await service.status({})).model.id, faces };
    } finally {
      await service.close();
    }
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
