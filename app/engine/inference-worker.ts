// The inference worker thread: owns the two onnxruntime sessions so model runs never block
// the event loop of the process that asked for them (the CLI, the studio host, Electron).
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { BundleError, checkGraphShape, loadBundle } from './bundle.js';
import { openSessions, type DeviceSetting } from './execution-provider.js';
import { DENSITY_OUTPUT, type WorkerReply, type WorkerRequest } from './worker-protocol.js';

interface WorkerInit {
  bundleDir: string;
  device: DeviceSetting;
  threads?: number;
}

const port = parentPort;
if (!port) throw new Error('inference-worker must run as a worker thread');
const init = workerData as WorkerInit;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function start() {
  const bundle = await loadBundle(init.bundleDir, { verifyHashes: false });
  const m = bundle.manifest;
  const sessions = await openSessions(bundle.encoderPath, bundle.decoderPath, init.device, init.threads);
  const inputShape = (s: ort.InferenceSession) => {
    const meta = s.inputMetadata[0];
    return meta && meta.isTensor ? meta.shape : undefined;
  };
  checkGraphShape(bundle.encoderPath, 'input', inputShape(sessions.encoder), [m.channels, m.image_size, m.image_size]);
  checkGraphShape(bundle.decoderPath, 'input', inputShape(sessions.decoder), [m.eps_size]);
  return { sessions, manifest: m };
}

const ready = start();

ready.then(
  ({ sessions }) =>
    reply({ kind: 'ready', provider: sessions.provider, fallbackReason: sessions.fallbackReason, measuresDensity: sessions.encoder.outputNames.includes(DENSITY_OUTPUT) }),
  (err: unknown) => {
    const file = err instanceof BundleError ? err.file : undefined;
    reply({ kind: 'fatal', name: (err as Error).name, message: (err as Error).message, file });
  },
);

port.on('message', async (req: WorkerRequest) => {
  const { sessions, manifest } = await ready;
  const session = req.graph === 'encoder' ? sessions.encoder : sessions.decoder;
  const dims =
    req.graph === 'encoder'
      ? [req.batch, manifest.channels, manifest.image_size, manifest.image_size]
      : [req.batch, manifest.eps_size];
  try {
    const input = new ort.Tensor('float32', new Float32Array(req.data), dims);
    const outputs = await session.run({ [session.inputNames[0]!]: input });
    const output = outputs[session.outputNames[0]!];
    if (!output) throw new Error(`the ${req.graph} graph returned no output`);
    // Copy into buffers we own so they can be transferred without touching ORT's memory.
    const data = new Float32Array(output.data as Float32Array).buffer;
    const bits = req.graph === 'encoder' ? outputs[DENSITY_OUTPUT] : undefined;
    const density = bits ? new Float32Array(bits.data as Float32Array).buffer : undefined;
    reply({ kind: 'result', id: req.id, data, density }, density ? [data, density] : [data]);
  } catch (err) {
    reply({ kind: 'error', id: req.id, message: (err as Error).message });
  }
});
