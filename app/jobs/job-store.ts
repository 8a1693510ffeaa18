// Jobs and their items in the library: the state a batch resumes from after a crash.
// Item states: pending -> committing (output name reserved, temp file complete) -> done | failed.
import { hostname } from 'node:os';
import { z } from 'zod';
import { LibraryError, type Library } from '../library/library.js';
import { forgetKnownPhotos } from './known-photos.js';
import { isInFolder } from './photo-files.js';

export type JobState = 'running' | 'paused' | 'cancelled' | 'done';
export type ItemState = 'pending' | 'committing' | 'done' | 'failed';

export interface JobRecord<S = unknown> {
  id: number;
  kind: string;
  state: JobState;
  spec: S;
  createdAt: string;
  updatedAt: string;
}

export interface JobItem {
  jobId: number;
  idx: number;
  source: string;
  output: string;
  state: ItemState;
  faces: number | null;
  /** Of those faces, the ones left as they were: the model could not render the edit there. */
  unedited: number;
  /** Whether its faces looked upside down, so it was edited turned half a turn (and turned back). */
  upsideDown: boolean;
  error: string | null;
  ms: number | null;
}

/** An item to add: a photo and its planned output, or (with an error) one that failed already. */
export interface NewItem {
  source: string;
  output: string;
  error?: string;
}

export interface JobCounts {
  total: number;
  pending: number;
  committing: number;
  done: number;
  failed: number;
}

interface JobRow {
  id: number;
  kind: string;
  state: JobState;
  spec: string;
  created_at: string;
  updated_at: string;
}

/** The owner this process writes on the jobs it holds. */
const me = `${hostname()}:${process.pid}`;

export class JobStore {
  constructor(private readonly library: Library) {}

  private get db() {
    return this.library.db;
  }

  create(kind: string, spec: unknown, items: readonly NewItem[]): number {
    return this.library.transaction(() => {
      const id = Number(this.db.prepare("INSERT INTO jobs (kind, state, spec) VALUES (?, 'running', ?)").run(kind, JSON.stringify(spec)).lastInsertRowid);
      this.addItems(id, items);
      return id;
    });
  }

  /** Appends items (pending, or failed when they come with an error) after the job's last one. */
  addItems(jobId: number, items: readonly NewItem[]): void {
    const last = (this.db.prepare('SELECT max(idx) AS n FROM job_items WHERE job_id = ?').get(jobId) as { n: number | null }).n ?? -1;
    const insert = this.db.prepare('INSERT INTO job_items (job_id, idx, source, output, state, error) VALUES (?, ?, ?, ?, ?, ?)');
    items.forEach((it, i) => insert.run(jobId, last + 1 + i, it.source, it.output, it.error ? 'failed' : 'pending', it.error ?? null));
  }

  /** Failed items with an output (photos, not unreadable folders) become pending again; returns how many. */
  retryFailed(jobId: number): number {
    return this.db.prepare("UPDATE job_items SET state = 'pending', error = NULL WHERE job_id = ? AND state = 'failed' AND output != ''").run(jobId).changes;
  }

  /** Drops the failed items without an output (folders that could not be listed), to list them again. */
  dropUnlisted(jobId: number): void {
    this.db.prepare("DELETE FROM job_items WHERE job_id = ? AND state = 'failed' AND output = ''").run(jobId);
  }

  /** Removes a job that never ran (its setup failed), so its planned names are free again. */
  delete(jobId: number): void {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(jobId);
  }

  job<S>(id: number, schema: z.ZodType<S>): JobRecord<S> {
    const r = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!r) throw new LibraryError(`no job with id ${id} in the library`);
    return this.fromRow(r, schema);
  }

  private fromRow<S>(r: JobRow, schema: z.ZodType<S>): JobRecord<S> {
    const parsed = schema.safeParse(JSON.parse(r.spec));
    if (!parsed.success) throw new LibraryError(`jobs row ${r.id}: spec is invalid (${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')})`);
    return { id: r.id, kind: r.kind, state: r.state, spec: parsed.data, createdAt: r.created_at, updatedAt: r.updated_at };
  }

  list(): JobRecord<unknown>[] {
    return (this.db.prepare('SELECT * FROM jobs ORDER BY id').all() as JobRow[]).map((r) => this.fromRow(r, z.unknown()));
  }

  /** The newest unfinished job of `kind` whose spec equals `spec` (the same batch run again resumes it). */
  findUnfinished(kind: string, spec: unknown): number | undefined {
    return this.findSame(kind, spec, "state IN ('running', 'paused')");
  }

  /** Specs are equal whatever the order of their keys: `--set age=1 --set smile=1` is `--set smile=1 --set age=1`. */
  private findSame(kind: string, spec: unknown, stateIs: string): number | undefined {
    const wanted = canonicalJson(spec);
    const rows = this.db.prepare(`SELECT id, spec FROM jobs WHERE kind = ? AND ${stateIs} ORDER BY id DESC`).all(kind) as { id: number; spec: string }[];
    return rows.find((r) => canonicalJson(JSON.parse(r.spec)) === wanted)?.id;
  }

  /**
   * Claims the job for this process. Refused while another live process on this machine holds
   * it; a claim left by a process that died (a crash, kill -9) is taken over.
   */
  claim(id: number): void {
    this.library.transaction(() => {
      const r = this.db.prepare('SELECT owner FROM jobs WHERE id = ?').get(id) as { owner: string | null } | undefined;
      if (!r) throw new LibraryError(`no job with id ${id} in the library`);
      if (r.owner && r.owner !== me) {
        const holder = liveHolder(r.owner);
        if (holder) throw new LibraryError(`job ${id} is being run by ${holder}; wait for it, or cancel the job`);
      }
      this.db.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(me, id);
    });
  }

  /** A running job that a live process (this one or another) holds, with a photo under
   * `folder`: what removing the folder from the library must wait for. */
  workingUnder(folder: string): { id: number; kind: string; holder: string } | undefined {
    const rows = this.db.prepare("SELECT id, kind, owner FROM jobs WHERE state = 'running' AND owner IS NOT NULL ORDER BY id").all() as { id: number; kind: string; owner: string }[];
    for (const r of rows) {
      const holder = r.owner === me ? 'this process' : liveHolder(r.owner);
      if (holder && this.items(r.id).some((item) => isInFolder(item.source, folder))) return { id: r.id, kind: r.kind, holder };
    }
    return undefined;
  }

  /** The live process other than this one that holds the job (`glow-studio import` in a
   * terminal, say), or undefined. */
  heldElsewhere(id: number): string | undefined {
    const r = this.db.prepare('SELECT owner FROM jobs WHERE id = ?').get(id) as { owner: string | null } | undefined;
    return r?.owner && r.owner !== me ? liveHolder(r.owner) : undefined;
  }

  release(id: number): void {
    this.db.prepare('UPDATE jobs SET owner = NULL WHERE id = ? AND owner = ?').run(id, me);
  }

  /** The newest finished (done) job of `kind` whose spec equals `spec`. */
  findDone(kind: string, spec: unknown): number | undefined {
    return this.findSame(kind, spec, "state = 'done'");
  }

  state(id: number): JobState {
    const r = this.db.prepare('SELECT state FROM jobs WHERE id = ?').get(id) as { state: JobState } | undefined;
    if (!r) throw new LibraryError(`no job with id ${id} in the library`);
    return r.state;
  }

  setState(id: number, state: JobState): void {
    this.db.prepare("UPDATE jobs SET state = ?, updated_at = datetime('now') WHERE id = ?").run(state, id);
  }

  items(jobId: number, state?: ItemState): JobItem[] {
    const rows = state
      ? this.db.prepare('SELECT * FROM job_items WHERE job_id = ? AND state = ? ORDER BY idx').all(jobId, state)
      : this.db.prepare('SELECT * FROM job_items WHERE job_id = ? ORDER BY idx').all(jobId);
    type Row = { job_id: number; idx: number; source: string; output: string; state: ItemState; faces: number | null; unedited: number; upside_down: number; error: string | null; ms: number | null };
    return (rows as Row[]).map((r) => ({
      jobId: r.job_id,
      idx: r.idx,
      source: r.source,
      output: r.output,
      state: r.state,
      faces: r.faces,
      unedited: r.unedited,
      upsideDown: r.upside_down === 1,
      error: r.error,
      ms: r.ms,
    }));
  }

  /** The sources of a job's finished photos that have a face left unedited, in order. */
  uneditedSources(jobId: number): string[] {
    return this.doneSources(jobId, 'unedited > 0');
  }

  /** Photos done without a face found in them (exported unchanged). */
  facelessSources(jobId: number): string[] {
    return this.doneSources(jobId, 'faces = 0');
  }

  /** Photos done turned half a turn, because their faces looked upside down. */
  upsideDownSources(jobId: number): string[] {
    return this.doneSources(jobId, 'upside_down = 1');
  }

  private doneSources(jobId: number, where: 'unedited > 0' | 'faces = 0' | 'upside_down = 1'): string[] {
    const rows = this.db.prepare(`SELECT source FROM job_items WHERE job_id = ? AND state = 'done' AND ${where} ORDER BY idx`).all(jobId) as { source: string }[];
    return rows.map((r) => r.source);
  }

  /** The job's items by state; an ended import's photos the library knew are counted done
   * (known-photos.ts). */
  counts(jobId: number): JobCounts {
    const rows = this.db.prepare('SELECT state, count(*) AS n FROM job_items WHERE job_id = ? GROUP BY state').all(jobId) as { state: ItemState; n: number }[];
    const known = this.knownPhotos(jobId);
    const c: JobCounts = { total: known, pending: 0, committing: 0, done: known, failed: 0 };
    for (const r of rows) {
      c[r.state] += r.n;
      c.total += r.n;
    }
    return c;
  }

  /** Output paths written or still reserved by a job that may write them (so two jobs never pick the same name). */
  reservedOutputs(): Set<string> {
    const rows = this.db
      .prepare(
        `SELECT i.output FROM job_items i JOIN jobs j ON j.id = i.job_id
         WHERE i.state IN ('done', 'committing') OR (i.state = 'pending' AND j.state IN ('running', 'paused'))`,
      )
      .all() as { output: string }[];
    return new Set(rows.map((r) => r.output));
  }

  /** What the edit of the photo found, recorded with its output name before the file is moved in. */
  setCommitting(jobId: number, idx: number, output: string, found: { faces: number; unedited: number; upsideDown: boolean }): void {
    this.db
      .prepare("UPDATE job_items SET state = 'committing', output = ?, faces = ?, unedited = ?, upside_down = ?, error = NULL WHERE job_id = ? AND idx = ?")
      .run(output, found.faces, found.unedited, found.upsideDown ? 1 : 0, jobId, idx);
  }

  setOutput(jobId: number, idx: number, output: string): void {
    this.db.prepare('UPDATE job_items SET output = ? WHERE job_id = ? AND idx = ?').run(output, jobId, idx);
  }

  setDone(jobId: number, idx: number, ms: number | null): void {
    this.db.prepare("UPDATE job_items SET state = 'done', ms = coalesce(?, ms) WHERE job_id = ? AND idx = ?").run(ms, jobId, idx);
  }

  /** An import's photo taken in: with the faces found where it was analysed (new or changed),
   * null where the library knew it. */
  setImported(jobId: number, idx: number, facesFound: number | null): void {
    this.db.prepare("UPDATE job_items SET state = 'done', faces = ? WHERE job_id = ? AND idx = ?").run(facesFound, jobId, idx);
  }

  /** How many of an ended import's photos the library knew, kept as a number only. */
  knownPhotos(jobId: number): number {
    return (this.db.prepare('SELECT known_items FROM jobs WHERE id = ?').pluck().get(jobId) as number | undefined) ?? 0;
  }

  /** Keeps only the number of an ended import's photos that the library knew (known-photos.ts). */
  forgetKnownPhotos(jobId: number): void {
    this.library.transaction(() => forgetKnownPhotos(this.db, jobId));
  }

  /** An import's photos the library knew at another path (moved or renamed), kept as it ends. */
  setMovedPhotos(jobId: number, moved: number): void {
    this.db.prepare('UPDATE jobs SET moved_items = ? WHERE id = ?').run(moved, jobId);
  }

  movedPhotos(jobId: number): number {
    return (this.db.prepare('SELECT moved_items FROM jobs WHERE id = ?').pluck().get(jobId) as number | undefined) ?? 0;
  }

  /** An import's photos read and analysed: new to the library, or changed. */
  analysedCount(jobId: number): number {
    return (this.db.prepare("SELECT count(*) AS n FROM job_items WHERE job_id = ? AND state = 'done' AND faces IS NOT NULL").get(jobId) as { n: number }).n;
  }

  /** A look for smaller faces (kind 'faces', setImported with the faces added): the faces added,
   * and the photos they were added to. */
  facesAdded(jobId: number): { faces: number; photos: number } {
    const r = this.db.prepare("SELECT coalesce(sum(faces), 0) AS faces, count(*) FILTER (WHERE faces > 0) AS photos FROM job_items WHERE job_id = ? AND state = 'done'").get(jobId) as { faces: number; photos: number };
    return { faces: r.faces, photos: r.photos };
  }

  setFailed(jobId: number, idx: number, error: string): void {
    this.db.prepare("UPDATE job_items SET state = 'failed', error = ? WHERE job_id = ? AND idx = ?").run(error, jobId, idx);
  }

  setPending(jobId: number, idx: number): void {
    this.db.prepare("UPDATE job_items SET state = 'pending', error = NULL WHERE job_id = ? AND idx = ?").run(jobId, idx);
  }
}

/** JSON with every object's keys sorted. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** "process 123" (or "process 123 on host") where the owner `host:pid` may still be running:
 * on this machine, while the process is alive; on another machine, always (it cannot be asked). */
function liveHolder(owner: string): string | undefined {
  const [host, pidText] = [owner.slice(0, owner.lastIndexOf(':')), owner.slice(owner.lastIndexOf(':') + 1)];
  if (host === hostname() && !isAlive(Number(pidText))) return undefined;
  return `process ${pidText}${host !== hostname() ? ` on ${host}` : ''}`;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
