// The studio's UI end to end in Chromium, on main's loopback host with a stand-in service
// (so every screen is covered before the real library and jobs exist): pixels, keyboard,
// progress, errors, CSP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createFakeStudio } from './support/fake-studio.js';
import { makeFixtureFolder } from './support/fixture-photos.js';
import { startHost } from '../main/host/loopback-host.js';
import { ensureRendererBuilt } from './support/renderer-build.js';
import { metrics, studioSuite } from './support/studio-suite.js';

const root = mkdtempSync(join(tmpdir(), 'glow-e2e-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
  if (Object.keys(metrics).length) console.log(`e2e metrics: ${JSON.stringify(metrics)}`);
});

studioSuite('studio UI (stand-in service)', async () => {
  const staticDir = await ensureRendererBuilt();
  const fixtureDir = join(root, 'party');
  const photos = await makeFixtureFolder(fixtureDir);
  const service = createFakeStudio({ faces: new Map(photos.map((p) => [p.file, p.faces])), itemMs: 400 });
  const host = await startHost({ service, staticDir });
  return {
    url: host.url,
    launchUrl: host.launchUrl,
    fixtureDir,
    fixturePhotos: photos.length,
    badFile: 'bad.jpg',
    faceChange: 4,
    exifMake: 'GlowCam',
    outRoot: join(root, 'out'),
    supports: () => true,
    close: async () => {
      await host.close();
      await service.close();
    },
  };
});
