// The model and device the studio runs, kept in the library: its settings dialog saves them
// (StudioApi updateSettings), and the studio and the command line's library commands start
// with them, so the faces of a library are encoded by the model the user chose for it.
import { resolve } from 'node:path';
import { z } from 'zod';
import { DeviceSettingSchema, PhotoOrderSchema, type DeviceSetting, type Settings } from '../api/contract.js';
import { defaultBundleDir } from '../engine/default-bundle.js';
import { GlowEngine } from '../engine/engine.js';
import type { Library } from './library.js';

const Saved = z.object({
  bundleDir: z.string().min(1).optional(),
  device: DeviceSettingSchema.optional(),
  lookForNewPhotos: z.boolean().optional(),
  photoOrder: PhotoOrderSchema.optional(),
  smallFaces: z.boolean().optional(),
});
const NAME = 'studio';

/** What a launch asks for (--bundle, --device); each one left out is the saved setting. */
export interface LaunchSettings {
  bundleDir?: string;
  device?: DeviceSetting;
  /** The model the studio ships with (default: engine/default-bundle.ts). */
  shippedBundleDir?: string;
}

/** Saves the user's choice. The shipped model is saved as no choice, so that an update of the
 * studio brings its new one. */
export function saveSettings(library: Library, settings: Settings): void {
  library.saveSetting(NAME, {
    ...(settings.bundleDir !== settings.shippedBundleDir ? { bundleDir: settings.bundleDir } : {}),
    device: settings.device,
    lookForNewPhotos: settings.lookForNewPhotos,
    photoOrder: settings.photoOrder,
    smallFaces: settings.smallFaces,
  });
}

/** The settings the launch asks for, else the saved ones, else the defaults. */
export function wantedSettings(library: Library, launch: LaunchSettings = {}): Settings {
  const shippedBundleDir = resolve(launch.shippedBundleDir ?? defaultBundleDir());
  const saved = library.setting(NAME, Saved) ?? {};
  return {
    bundleDir: resolve(launch.bundleDir ?? saved.bundleDir ?? shippedBundleDir),
    device: launch.device ?? saved.device ?? 'auto',
    shippedBundleDir,
    lookForNewPhotos: saved.lookForNewPhotos ?? true,
    photoOrder: saved.photoOrder ?? 'name',
    smallFaces: saved.smallFaces ?? false,
  };
}

/** The engine for the settings the launch asks for, else the saved ones. Saved ones that no
 * longer open give way, with a line on stderr: a model folder moved away to the shipped model,
 * a device this machine no longer has (no GPU now) to auto. */
export async function openEngineWithSettings(library: Library, launch: LaunchSettings = {}): Promise<{ engine: GlowEngine; settings: Settings }> {
  const wanted = wantedSettings(library, launch);
  const { shippedBundleDir } = wanted;
  const bundleDir = resolve(launch.bundleDir ?? shippedBundleDir);
  const tries = [wanted, { ...wanted, bundleDir }, { ...wanted, bundleDir, device: launch.device ?? 'auto' }].filter(
    (t, i, all) => all.findIndex((u) => u.bundleDir === t.bundleDir && u.device === t.device) === i,
  );
  let failure: unknown;
  for (const settings of tries) {
    try {
      const engine = await GlowEngine.open(settings.bundleDir, { device: settings.device });
      if (settings !== wanted) console.error(`the saved settings (model ${wanted.bundleDir} on ${wanted.device}) do not open: ${(failure as Error).message}; using model ${settings.bundleDir} on ${settings.device}`);
      return { engine, settings };
    } catch (err) {
      failure ??= err;
    }
  }
  throw failure;
}
