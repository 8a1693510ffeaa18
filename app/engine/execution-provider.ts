// Choosing where the model runs. `auto` tries CUDA and falls back to the CPU, `cuda` insists,
// `cpu` never tries the GPU. Whatever happens, the caller learns which provider ran and why.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';

export type DeviceSetting = 'auto' | 'cuda' | 'cpu';
export type Provider = 'cuda' | 'cpu';
export const DEVICE_SETTINGS: readonly DeviceSetting[] = ['auto', 'cuda', 'cpu'];

export class DeviceError extends Error {
  override name = 'DeviceError';
}

export interface OpenedSessions {
  encoder: ort.InferenceSession;
  decoder: ort.InferenceSession;
  provider: Provider;
  /** Why a requested GPU is not in use (auto fell back), if it is not. */
  fallbackReason?: string;
}

const CUDA_HINT =
  'The CUDA provider needs an NVIDIA driver, CUDA 12 and the provider libraries: with a network, ' +
  'run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`; or choose the cpu device.';

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // ORT's messages carry ANSI colour codes and long source paths; keep the gist.
  const clean = text.replace(/\u001b\[[0-9;]*m/g, '');
  const line = clean.split('\n')[0] ?? clean;
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

async function openPair(
  encoderPath: string,
  decoderPath: string,
  provider: Provider,
  threads: number | undefined,
): Promise<[ort.InferenceSession, ort.InferenceSession]> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(threads ? { intraOpNumThreads: threads } : {}),
  };
  const encoder = await ort.InferenceSession.create(encoderPath, options);
  const decoder = await ort.InferenceSession.create(decoderPath, options);
  return [encoder, decoder];
}

/** Where onnxruntime-node keeps its native libraries for this platform. */
function ortBinaryDir(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** Why CUDA cannot even be tried here, or undefined when it may work. */
function cudaUnavailableReason(): string | undefined {
  if (process.platform === 'darwin') return 'CUDA is not available on macOS';
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!existsSync(join(ortBinaryDir(), lib))) return `the CUDA provider library (${lib}) is not installed`;
  return undefined;
}

export async function openSessions(
  encoderPath: string,
  decoderPath: string,
  device: DeviceSetting,
  threads?: number,
): Promise<OpenedSessions> {
  if (device === 'cpu') {
    const [encoder, decoder] = await openPair(encoderPath, decoderPath, 'cpu', threads);
    return { encoder, decoder, provider: 'cpu' };
  }
  const missing = cudaUnavailableReason();
  try {
    if (missing) throw new Error(missing);
    // Keep onnxruntime's own logger quiet while probing; we report the outcome ourselves.
    ort.env.logLevel = 'fatal';
    const [encoder, decoder] = await openPair(encoderPath, decoderPath, 'cuda', threads);
    return { encoder, decoder, provider: 'cuda' };
  } catch (err) {
    const reason = `CUDA execution provider unavailable: ${firstLine(err)}`;
    if (device === 'cuda') throw new DeviceError(`${reason}. ${CUDA_HINT}`);
    const [encoder, decoder] = await openPair(encoderPath, decoderPath, 'cpu', threads);
    return { encoder, decoder, provider: 'cpu', fallbackReason: reason };
  }
}
