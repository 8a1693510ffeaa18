// Runs the studio on the loopback host: `node dist/main/host/serve.js [--port N] [--no-open]
// [--bundle DIR] [--device auto|cuda|cpu] [--library FILE]`. Opens a Chromium app window when a display and
// Chromium are available, otherwise prints the link to open.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DeviceSettingSchema } from '../../app/api/contract.js';
import { packageRoot } from '../../app/engine/default-bundle.js';
import { createStudioService } from '../../app/studio/create-studio-service.js';
import { writeLaunchFile, type LaunchFile } from './launch-file.js';
import { startHost } from './loopback-host.js';

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium to open an app window with, when there is a display to show it on. */
function appBrowser(): string | undefined {
  const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  return hasDisplay ? BROWSERS.find((b) => existsSync(b)) : undefined;
}

/** Opens the launch file (never the tokened link itself: see launch-file.ts) in an app window. */
function openAppWindow(browser: string, launch: LaunchFile): void {
  const child = spawn(browser, [`--app=${launch.url}`, '--disable-background-networking', '--disable-component-update'], {
    stdio: 'ignore',
    detached: true,
  });
  child.unref();
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      bundle: { type: 'string' },
      device: { type: 'string' },
      library: { type: 'string' },
      'no-open': { type: 'boolean', default: false },
    },
  });
  const device = values.device === undefined ? undefined : DeviceSettingSchema.safeParse(values.device);
  if (device && !device.success) throw new Error(`--device must be auto, cuda or cpu, got '${values.device}'`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got '${values.port}'`);

  // Without --bundle or --device, the model and device the studio's settings saved.
  const service = await createStudioService({
    ...(values.bundle ? { bundleDir: values.bundle } : {}),
    ...(device?.data ? { device: device.data } : {}),
    ...(values.library ? { library: values.library } : {}),
  });
  const host = await startHost({ service, staticDir: join(packageRoot(), 'renderer', 'dist'), port });
  const status = await service.status({});
  console.log(`Glow Studio ${status.version}: model ${status.model.id} on ${status.device.provider.toUpperCase()}`);
  const browser = values['no-open'] ? undefined : appBrowser();
  const launch = browser ? await writeLaunchFile(host.launchUrl) : undefined;
  if (browser && launch) {
    openAppWindow(browser, launch);
    console.log(`opened ${host.url} in a Chromium app window`);
  } else {
    console.log(`open this link in a browser on this machine:\n  ${host.launchUrl}`);
  }
  console.log('press Ctrl+C to stop');

  const stop = async () => {
    await launch?.remove();
    await host.close();
    await service.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`glow-studio: ${(err as Error).message}`);
  process.exit(1);
});
