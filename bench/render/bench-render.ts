// bench/render: what one slider repaint costs on the service side with the default bundle
// (models/bundles/face-64): the decoder alone at batch 1, then StudioService.renderFace on a
// generated photo at rising Smiling amounts: milliseconds, the strength the model could render
// (decodeEdit backs off) and the size of the PNG patch the canvas receives.
//
//   npm run bench:render [-- --bundle DIR --repeats 15]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultBundleDir } from '../../app/engine/default-bundle.js';
import { GlowEngine } from '../../app/engine/engine.js';
import { sample, seededRandom } from '../../app/engine/latent.js';
import { writeTestPhotos } from '../../app/jobs/test-photos.js';
import { createStudioService } from '../../app/studio/create-studio-service.js';

const { values } = parseArgs({ options: { bundle: { type: 'string' }, repeats: { type: 'string', default: '15' } } });
const bundleDir = values.bundle ?? defaultBundleDir();
const repeats = Number(values.repeats);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

console.log(`bench/render: ${bundleDir}; load average ${loadavg()[0]!.toFixed(1)} at start`);
const engine = await GlowEngine.open(bundleDir, { device: 'cpu' });
const eps = sample(engine.manifest.eps_size, 0.7, seededRandom(1));
for (let i = 0; i < 3; i++) await engine.decode(eps);
const decodeMs: number[] = [];
for (let i = 0; i < repeats; i++) {
  const t = performance.now();
  await engine.decode(eps);
  decodeMs.push(performance.now() - t);
}
await engine.close();
console.log(`decoder, batch 1: median ${median(decodeMs).toFixed(1)} ms, min ${Math.min(...decodeMs).toFixed(1)} ms (${repeats} runs)`);

const work = mkdtempSync(join(tmpdir(), 'glow-bench-render-'));
try {
  // The e2e suite's photos: 960x640, composed real faces.
  await writeTestPhotos(join(work, 'photos'), 1, { width: 960, height: 640, faces: [1, 2], exif: true, seed: 3 });
  const service = await createStudioService({ bundleDir, device: 'cpu', library: join(work, 'library.sqlite') });
  try {
    await service.importFolder({ path: join(work, 'photos') });
    while ((await service.listJobs({})).some((j) => j.state === 'running')) await new Promise((r) => setTimeout(r, 100));
    const [photo] = await service.listPhotos({});
    const faceId = (await service.getPhoto({ photoId: photo!.id })).faceList[0]!.id;
    await service.renderFace({ faceId, recipe: { sliders: {} } }); // caches the photo and the face's reconstruction
    console.log('Smiling  renderFace ms (median)  strength  PNG KB');
    for (const amount of [0.25, 0.5, 1, 1.5, 2]) {
      const times: number[] = [];
      let layer;
      for (let i = 0; i < Math.max(3, repeats / 3); i++) {
        const t = performance.now();
        layer = await service.renderFace({ faceId, recipe: { sliders: { Smiling: amount } } });
        times.push(performance.now() - t);
      }
      const kb = (layer!.image.length * 3) / 4 / 1024;
      console.log(`${amount.toFixed(2).padStart(7)}  ${median(times).toFixed(0).padStart(22)}  ${layer!.strength.toFixed(2).padStart(8)}  ${kb.toFixed(0).padStart(6)}`);
    }
  } finally {
    await service.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
