// The UI tests on the real studio: main's loopback host over the real StudioService and a
// model bundle. A test whose StudioApi methods the service does not implement yet is
// skipped, naming them ("needs importFolder from main").
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { API_METHODS, ApiError, type ApiMethod, type StudioApi } from '../../app/api/contract.js';
import { UPSIDE_DOWN_MARGIN } from '../../app/engine/face-orientation.js';
import { createStudioService } from '../../app/studio/create-studio-service.js';
import { writeLaunchFile } from '../../main/host/launch-file.js';
import { startHost } from '../../main/host/loopback-host.js';
import { writeTestPhotos } from '../../app/jobs/test-photos.js';
import { ensureRendererBuilt } from './renderer-build.js';
import { metrics, studioSuite } from './studio-suite.js';

/**
 * The methods the service implements: the others answer 501 "not available in this build
 * yet" whatever they are given. Probed with a null request, which an implemented method
 * rejects (or, for the read-only ones that take no arguments, simply answers).
 */
async function implementedMethods(service: StudioApi): Promise<Set<ApiMethod>> {
  const found = new Set<ApiMethod>();
  for (const method of API_METHODS) {
    try {
      await (service[method] as (r: unknown) => Promise<unknown>)(null);
      found.add(method);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 501)) found.add(method);
    }
  }
  return found;
}

/** The whole studio suite against the loopback host serving `bundleDir`; `shots` prefixes the
 * screenshots' names. */
export function hostSuite(name: string, bundleDir: string, shots: string): void {
  const root = mkdtempSync(join(tmpdir(), 'glow-e2e-host-'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
    if (Object.keys(metrics).length) console.log(`e2e metrics: ${JSON.stringify(metrics)}`);
  });
  studioSuite(name, async () => {
    const staticDir = await ensureRendererBuilt();
    const fixtureDir = join(root, 'party');
    // Composed photos of a real face (the detector finds it), with EXIF, and one text file.
    await writeTestPhotos(fixtureDir, 6, { width: 960, height: 640, faces: [1, 2], exif: true, seed: 3 });
    writeFileSync(join(fixtureDir, 'bad.jpg'), 'this is not a photo\n');
    const service = await createStudioService({ bundleDir, device: 'cpu', library: join(root, 'library.sqlite') });
    const host = await startHost({ service, staticDir });
    // The way `npm start` opens the window: through the private launch file, not the tokened link.
    const launch = await writeLaunchFile(host.launchUrl);
    const available = await implementedMethods(service);
    return {
      url: host.url,
      launchUrl: launch.url,
      fixtureDir,
      fixturePhotos: 6,
      badFile: 'bad.jpg',
      faceChange: 0.3,
      exifMake: 'GlowTest',
      outRoot: join(root, 'out'),
      checksOrientation: JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8')).orientation_check?.margin === UPSIDE_DOWN_MARGIN,
      supports: (method: ApiMethod) => available.has(method),
      close: async () => {
        await launch.remove();
        await host.close();
        await service.close();
      },
    };
  }, shots);
}
