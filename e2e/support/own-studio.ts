// For an e2e test with a library of its own: the real StudioService over the fixture model,
// the loopback host over it and Chromium, and waiting for one of its jobs to end.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { JobInfo, StudioApi } from '../../app/api/contract.js';
import { fixtureDir } from '../../app/engine/test-support.js';
import { createStudioService } from '../../app/studio/create-studio-service.js';
import type { StudioService } from '../../app/studio/studio-service.js';
import { startHost } from '../../main/host/loopback-host.js';
import { launchChromium } from './browser.js';
import { ensureRendererBuilt } from './renderer-build.js';

/** The first job `pick` chooses, once it has ended (done, failed or cancelled). */
export async function jobEnded(service: StudioApi, pick: (job: JobInfo) => boolean): Promise<JobInfo> {
  for (let i = 0; i < 600; i++) {
    const job = (await service.listJobs({})).find(pick);
    if (job && job.state !== 'running' && job.state !== 'queued') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no job ended in 60 s');
}

/** Imports `folder` through `service` and waits for the import to end. */
export async function importAndWait(service: StudioApi, folder: string): Promise<JobInfo> {
  const imported = await service.importFolder({ path: folder });
  return jobEnded(service, (j) => j.id === imported.id);
}

export interface OwnStudio {
  service: StudioService;
  launchUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/** A studio on the library `library.sqlite` in `root`, with the fixture model. */
export async function openOwnStudio(root: string): Promise<OwnStudio> {
  const service = await createStudioService({ bundleDir: fixtureDir, device: 'cpu', library: join(root, 'library.sqlite') });
  const host = await startHost({ service, staticDir: await ensureRendererBuilt() });
  const browser = await launchChromium();
  return {
    service,
    launchUrl: host.launchUrl,
    browser,
    close: async () => {
      await browser.close();
      await host.close();
      await service.close();
    },
  };
}
