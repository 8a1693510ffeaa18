// GlowEngine: the studio's handle on a model bundle. Inference runs in a worker thread; calls
// made while the worker is busy (or in the same tick) are batched together, up to maxBatch
// per run; a call that is still waiting can be cancelled with an AbortSignal.
import { Worker } from 'node:worker_threads';
import { BundleError, loadBundle, type Bundle, type Manifest } from './bundle.js';
import { DeviceError, type DeviceSetting, type Provider } from './execution-provider.js';
import type { Graph, WorkerReply, WorkerRequest } from './worker-protocol.js';

export interface EngineOptions {
  device?: DeviceSetting;
  /** Most items in one model run. */
  maxBatch?: number;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
}

interface Pending {
  graph: Graph;
  input: Float32Array;
  /** density: the encoder's bits/dim of this item, where the model gives it. */
  resolve: (out: Float32Array, density?: number) => void;
  reject: (err: Error) => void;
  signal?: AbortSignal | undefined;
}

/** decode() met a latent the model cannot map back to finite pixels (an edit too strong for it). */
export class UndecodableLatentError extends RangeError {
  constructor() {
    super('the model cannot decode this latent (the edit is too strong for it); use smaller slider amounts');
  }
}

export class AbortError extends Error {
  override name = 'AbortError';
  constructor() {
    super('the request was cancelled');
  }
}

// Under tsx (tests, dev) this file is .ts and so is the worker; in the build both are .js.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './inference-worker.ts' : './inference-worker.js', import.meta.url);

function startWorker(workerData: unknown): Worker {
  if (WORKER_URL.pathname.endsWith('.ts')) {
    // Running from TypeScript sources: register tsx inside the worker before loading it.
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
    return new Worker(boot, { eval: true, workerData });
  }
  return new Worker(WORKER_URL, { workerData });
}

/** How long close() waits for a model run already in the worker before stopping it anyway. */
const CLOSE_WAIT_MS = 30_000;

export class GlowEngine {
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<number, Pending[]>();
  /** Signals this engine listens to: one listener each, however many requests share it (a
   * batch's signal covers every face of every photo in progress). */
  private readonly watched = new WeakSet<AbortSignal>();
  private nextId = 1;
  private busy = false;
  private dispatchScheduled = false;
  private closed = false;
  /** Called when the last run in flight has replied (close() waits for it). */
  private drained: (() => void) | undefined;
  /** Model runs so far and the items they carried (for tests and diagnostics). */
  readonly stats = { runs: 0, items: 0 };

  private constructor(
    readonly bundle: Bundle,
    private readonly worker: Worker,
    /** The execution provider that actually runs the model. */
    readonly provider: Provider,
    /** Set when `auto` wanted CUDA but fell back to the CPU. */
    readonly fallbackReason: string | undefined,
    private readonly maxBatch: number,
    /** Whether the encoder gives the model's bits/dim of each image (encodeWithDensity);
     * bundles exported before that output have only eps. */
    readonly measuresDensity: boolean,
  ) {
    worker.on('message', (msg: WorkerReply) => this.onReply(msg));
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new Error(`the inference worker exited unexpectedly (code ${code})`));
    });
  }

  static async open(bundleDir: string, options: EngineOptions = {}): Promise<GlowEngine> {
    const bundle = await loadBundle(bundleDir);
    const device = options.device ?? 'auto';
    const worker = startWorker({ bundleDir: bundle.dir, device, threads: options.threads });
    const first = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (first.kind !== 'ready') {
      await worker.terminate();
      if (first.kind === 'fatal') {
        if (first.name === 'DeviceError') throw new DeviceError(first.message);
        if (first.name === 'BundleError' && first.file) {
          throw new BundleError(first.file, first.message.replace(`${first.file}: `, ''));
        }
        throw new BundleError(bundle.dir, `the model could not be loaded: ${first.message}`);
      }
      throw new Error(`unexpected first message from the inference worker: ${first.kind}`);
    }
    return new GlowEngine(bundle, worker, first.provider, first.fallbackReason, options.maxBatch ?? 16, first.measuresDensity);
  }

  get manifest(): Manifest {
    return this.bundle.manifest;
  }

  /** What the library files this model's latents under (Bundle.latentKey). */
  get latentKey(): string {
    return this.bundle.latentKey;
  }

  /** Values per image: channels x size x size. */
  get imageLength(): number {
    const m = this.manifest;
    return m.channels * m.image_size * m.image_size;
  }

  /** One image (C x S x S, values in [-0.5, 0.5]) -> its eps. */
  async encode(image: Float32Array, options: RunOptions = {}): Promise<Float32Array> {
    return (await this.enqueue('encoder', image, this.imageLength, options)).out;
  }

  /** One image -> its eps, and the model's bits/dim of it: how many bits the model spends per
   * value, lower for what looks more like the faces it learned (measuresDensity). */
  async encodeWithDensity(image: Float32Array, options: RunOptions = {}): Promise<{ eps: Float32Array; bitsPerDim: number }> {
    if (!this.measuresDensity) {
      throw new BundleError(this.bundle.encoderPath, 'this encoder has no bits_per_dim output; export the bundle again (python models/bundle_model.py --bundle DIR --reexport)');
    }
    const { out, density } = await this.enqueue('encoder', image, this.imageLength, options);
    return { eps: out, bitsPerDim: density! };
  }

  /** One eps -> its image (C x S x S). A latent too far from the faces the model knows can
   * decode to non-finite values: that is an error here, never a black patch downstream. */
  async decode(eps: Float32Array, options: RunOptions = {}): Promise<Float32Array> {
    const { out: image } = await this.enqueue('decoder', eps, this.manifest.eps_size, options);
    if (!image.every(Number.isFinite)) throw new UndecodableLatentError();
    return image;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Queued requests are refused at once, but a run already inside the worker is let finish:
    // terminating the thread in the middle of onnxruntime's native run aborts the whole process
    // (after Ctrl-C in a batch, say, whose runs were cancelled but are still executing).
    for (const item of this.queue.splice(0)) item.reject(new Error('the engine was closed'));
    if (this.inFlight.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.drained = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
      ]);
      clearTimeout(timer);
    }
    this.failAll(new Error('the engine was closed'));
    await this.worker.terminate();
  }

  private enqueue(graph: Graph, input: Float32Array, length: number, { signal }: RunOptions): Promise<{ out: Float32Array; density?: number | undefined }> {
    if (this.closed) return Promise.reject(new Error('the engine is closed'));
    if (input.length !== length) {
      return Promise.reject(new RangeError(`${graph} input has ${input.length} values, the model expects ${length}`));
    }
    if (signal?.aborted) return Promise.reject(new AbortError());
    return new Promise((resolve, reject) => {
      const item: Pending = { graph, input, resolve: (out, density) => resolve({ out, density }), reject, signal };
      if (signal && !this.watched.has(signal)) {
        this.watched.add(signal);
        signal.addEventListener('abort', () => this.cancel(signal), { once: true });
      }
      this.queue.push(item);
      this.scheduleDispatch();
    });
  }

  /** Releases every request made with `signal`: queued ones leave the queue; ones already
   * running finish in the worker, but their callers are released now and the results dropped. */
  private cancel(signal: AbortSignal): void {
    const mine = (item: Pending) => item.signal === signal;
    const cancelled = [...this.queue.filter(mine), ...[...this.inFlight.values()].flat().filter(mine)];
    for (let i = this.queue.length - 1; i >= 0; i--) if (mine(this.queue[i]!)) this.queue.splice(i, 1);
    for (const item of cancelled) {
      item.reject(new AbortError());
      item.resolve = () => {};
      item.reject = () => {};
    }
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled || this.busy) return;
    this.dispatchScheduled = true;
    // setImmediate lets requests made in the same tick (Promise.all over many faces) share a run.
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    if (this.busy || this.queue.length === 0) return;
    const graph = this.queue[0]!.graph;
    const batch: Pending[] = [];
    for (let i = 0; i < this.queue.length && batch.length < this.maxBatch; ) {
      if (this.queue[i]!.graph === graph) batch.push(...this.queue.splice(i, 1));
      else i++;
    }
    const length = batch[0]!.input.length;
    const data = new Float32Array(length * batch.length);
    batch.forEach((item, i) => data.set(item.input, i * length));
    const id = this.nextId++;
    this.inFlight.set(id, batch);
    this.busy = true;
    this.stats.runs += 1;
    this.stats.items += batch.length;
    const request: WorkerRequest = { id, graph, batch: batch.length, data: data.buffer };
    this.worker.postMessage(request, [data.buffer]);
  }

  private onReply(msg: WorkerReply): void {
    if (msg.kind !== 'result' && msg.kind !== 'error') return;
    const batch = this.inFlight.get(msg.id);
    this.inFlight.delete(msg.id);
    this.busy = false;
    if (batch) {
      if (msg.kind === 'error') {
        for (const item of batch) item.reject(new Error(`model run failed: ${msg.message}`));
      } else {
        const out = new Float32Array(msg.data);
        const density = msg.density ? new Float32Array(msg.density) : undefined;
        const each = out.length / batch.length;
        batch.forEach((item, i) => item.resolve(out.slice(i * each, (i + 1) * each), density?.[i]));
      }
    }
    if (this.inFlight.size === 0) this.drained?.();
    this.scheduleDispatch();
  }

  private failAll(err: Error): void {
    const all = [...this.queue.splice(0), ...[...this.inFlight.values()].flat()];
    this.inFlight.clear();
    this.busy = false;
    for (const item of all) item.reject(err);
  }
}
