// Messages between GlowEngine and its inference worker thread.
import type { Provider } from './execution-provider.js';

export type Graph = 'encoder' | 'decoder';

/** The encoder's second output in bundles exported since it was added (models/export.py):
 * the model's bits/dim of each image. */
export const DENSITY_OUTPUT = 'bits_per_dim';

export interface WorkerRequest {
  id: number;
  graph: Graph;
  batch: number;
  /** Float32 values, batch x item size, transferred. */
  data: ArrayBuffer;
}

export type WorkerReply =
  | { kind: 'ready'; provider: Provider; fallbackReason?: string | undefined; measuresDensity: boolean }
  | { kind: 'fatal'; name: string; message: string; file?: string | undefined }
  /** density: the encoder's bits/dim per item, where the graph has that output. */
  | { kind: 'result'; id: number; data: ArrayBuffer; density?: ArrayBuffer | undefined }
  | { kind: 'error'; id: number; message: string };
