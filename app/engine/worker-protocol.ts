// Messages between GlowEngine and its inference worker thread.
import type { Provider } from './execution-provider.js';

export type Graph = 'encoder' | 'decoder';

export interface WorkerRequest {
  id: number;
  graph: Graph;
  batch: number;
  /** Float32 values, batch x item size, transferred. */
  data: ArrayBuffer;
}

export type WorkerReply =
  | { kind: 'ready'; provider: Provider; fallbackReason?: string | undefined }
  | { kind: 'fatal'; name: string; message: string; file?: string | undefined }
  | { kind: 'result'; id: number; data: ArrayBuffer }
  | { kind: 'error'; id: number; message: string };
