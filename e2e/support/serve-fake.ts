// Serves the built UI over the fake studio with a fixture folder, for looking at the UI by
// hand: node --import tsx e2e/support/serve-fake.ts  (prints the link to open).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeStudio } from './fake-studio.js';
import { makeFixtureFolder } from './fixture-photos.js';
import { startHost } from '../../main/host/loopback-host.js';

const dir = join(mkdtempSync(join(tmpdir(), 'glow-fixture-')), 'party');
const photos = await makeFixtureFolder(dir);
const service = createFakeStudio({ faces: new Map(photos.map((p) => [p.file, p.faces])) });
const host = await startHost({ service, staticDir: join(import.meta.dirname, '..', '..', 'renderer', 'dist') });
console.log(`fixture folder: ${dir}`);
console.log(host.launchUrl);
