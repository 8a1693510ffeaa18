// The studio service in an Electron utilityProcess, so model runs and image work never share
// a process with the window manager. Messages: { id, method, payload } -> { id, result | error };
// { id, media: { kind, id } } -> { id, media }; events are pushed as { event }.
import { parseRequest, ApiError, DeviceSettingSchema } from '../../app/api/contract.js';
import { createStudioService } from '../../app/studio/create-studio-service.js';
import { MEDIA_KINDS, type MediaKind } from '../../app/studio/studio-service.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const port = (process as unknown as { parentPort: ParentPort }).parentPort;
// The launch's settings from main (JSON): the shipped model's folder, and the model and device
// the environment asks for, if it does.
const { device, ...launch } = JSON.parse(process.argv[2] ?? '{}') as { shippedBundleDir?: string; bundleDir?: string; device?: string };

const ready = createStudioService({ ...launch, ...(device ? { device: DeviceSettingSchema.parse(device) } : {}), mediaBase: 'studio-media://' });
ready.then((service) => service.onEvent((event) => port.postMessage({ event })));

port.on('message', async ({ data }) => {
  const msg = data as { id: number; method?: string; payload?: unknown; media?: { kind: string; id: number } };
  try {
    const service = await ready;
    if (msg.media) {
      const kind = msg.media.kind as MediaKind;
      const media = MEDIA_KINDS.includes(kind) ? await service.media(kind, msg.media.id) : undefined;
      port.postMessage({ id: msg.id, media: media ? { contentType: media.contentType, body: media.body } : null });
      return;
    }
    const { method, request } = parseRequest(msg.method ?? '', msg.payload);
    const call = service[method] as (r: unknown) => Promise<unknown>;
    port.postMessage({ id: msg.id, result: await call.call(service, request) });
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 500;
    port.postMessage({ id: msg.id, error: { message: (err as Error).message, status } });
  }
});
