// One long job a dialog starts (a batch, an export): starting it through the API, following
// it in the studio's job list (kept current by the job events, ETA included), and pausing,
// resuming or cancelling it. Failures become notices, like every other call.
import type { JobInfo } from '../../../app/api/contract.js';
import type { StudioStore } from './studio-store.svelte';

export type JobAction = 'pause' | 'resume' | 'cancel';

const ACTIVE = new Set<JobInfo['state']>(['running', 'queued', 'paused']);

export class JobTracker {
  #studio: StudioStore;
  #noun: string;
  #jobId = $state<number | null>(null);
  /** The start call is in flight. */
  starting = $state(false);
  /** The job this dialog started, as the latest event has it. */
  readonly job = $derived.by(() => this.#studio.jobs.find((j) => j.id === this.#jobId));
  /** Started and not finished: it can be paused, resumed or cancelled, not started again. */
  readonly running = $derived.by(() => !!this.job && ACTIVE.has(this.job.state));

  /** `noun` names the job in error notices: "Pause the batch", "Cancel the export". */
  constructor(studio: StudioStore, noun: string) {
    this.#studio = studio;
    this.#noun = noun;
  }

  /** Starts the job with `call`; `action` names it in an error notice ("Export"). */
  async start(action: string, call: () => Promise<JobInfo>): Promise<void> {
    this.starting = true;
    const started = await this.#studio.guard(action, call);
    this.starting = false;
    if (started) {
      this.#studio.trackJob(started);
      this.#jobId = started.id;
    }
  }

  async control(action: JobAction): Promise<void> {
    const job = this.job;
    if (!job) return;
    const studio = this.#studio;
    const what = `${action[0]!.toUpperCase()}${action.slice(1)} the ${this.#noun}`;
    await studio.guard(what, async () => studio.trackJob(await studio.api.controlJob({ jobId: job.id, action })));
  }
}
