// The StudioService: the StudioApi implemented over the engine (and, as they land, the
// library and jobs). Used by both the loopback host and Electron's main process.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  API_METHODS,
  ApiError,
  type ApiMethod,
  type DeviceSetting,
  type ParsedRequest,
  type StudioEvent,
  type StudioStatus,
} from '../api/contract.js';
import { GlowEngine } from '../engine/engine.js';
import { packageRoot } from '../engine/default-bundle.js';
import { sample, seededRandom } from '../engine/latent.js';
import { modelToPixels } from '../engine/pixels.js';
import type { Media, MediaKind, StudioService } from './studio-service.js';

export interface StudioServiceOptions {
  bundleDir: string;
  device: DeviceSetting;
  /** Prefix of the image URLs the service hands out: '/media/' on the loopback host,
   * 'studio-media://' in Electron. */
  mediaBase?: string;
}

type Handlers = { [M in ApiMethod]?: (request: ParsedRequest<M>) => Promise<unknown> };

async function pngDataUrl(rgb: Uint8Array, size: number): Promise<string> {
  const png = await sharp(Buffer.from(rgb), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

async function studioVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8'));
  return String(pkg.version);
}

export async function createStudioService(options: StudioServiceOptions): Promise<StudioService> {
  let settings = { ...options };
  let engine = await GlowEngine.open(settings.bundleDir, { device: settings.device });
  const version = await studioVersion();
  const listeners = new Set<(e: StudioEvent) => void>();
  const emit = (event: StudioEvent) => listeners.forEach((l) => l(event));

  const status = async (): Promise<StudioStatus> => ({
    model: { id: engine.manifest.model_id, imageSize: engine.manifest.image_size, bundleDir: engine.bundle.dir },
    device: {
      provider: engine.provider,
      setting: settings.device,
      ...(engine.fallbackReason ? { fallbackReason: engine.fallbackReason } : {}),
    },
    photos: 0,
    faces: 0,
    version,
  });

  const handlers: Handlers = {
    status,
    getSettings: async () => settings,
    updateSettings: async (req) => {
      const next = { ...settings, ...Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined)) };
      const reopened = await GlowEngine.open(next.bundleDir, { device: next.device }).catch((err: Error) => {
        throw new ApiError(`cannot switch model or device: ${err.message}`);
      });
      await engine.close();
      engine = reopened;
      settings = next;
      emit({ type: 'status', status: await status() });
      return settings;
    },
    sampleFace: async (req) => {
      const m = engine.manifest;
      const seed = req.seed ?? Math.floor(Math.random() * 2 ** 31);
      const image = await engine.decode(sample(m.eps_size, req.temperature, seededRandom(seed)));
      return { image: await pngDataUrl(modelToPixels(image, m.image_size), m.image_size), seed };
    },
  };

  const service = {
    onEvent(listener: (e: StudioEvent) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async media(_kind: MediaKind, _id: number): Promise<Media | undefined> {
      return undefined;
    },
    async close() {
      listeners.clear();
      await engine.close();
    },
  } as unknown as StudioService;

  for (const method of API_METHODS) {
    const handler = handlers[method] as ((r: unknown) => Promise<unknown>) | undefined;
    (service as unknown as Record<string, unknown>)[method] =
      handler ??
      (async () => {
        throw new ApiError(`${method} is not available in this build yet`, 501);
      });
  }
  return service;
}
