// The studio's shared state for every screen: status, folders, photos, attributes, jobs and
// the messages shown to the user. Components read it; only its methods write it.
import type { AttributeInfo, FaceSearchInfo, FolderInfo, JobInfo, PhotoOrder, PhotoSummary, StudioApi, StudioEvent, StudioStatus, TagCount } from '../../../app/api/contract.js';
import { userMessage, type UserMessage } from './error-message.js';
import { baseName, countOf, isInFolder, jobNoun } from './format.js';

export interface Notice extends UserMessage {
  id: number;
  kind: 'error' | 'info' | 'success';
}

export type View = 'library' | 'editor';

let nextNotice = 1;
/** Photos listed per request: the grid asks for the next page when its end scrolls into view. */
const PHOTO_PAGE = 500;
/** The contract's largest listPhotos request. */
const MAX_LISTED = 10_000;
/** How long a success or info notice stays, and how many errors (and others) are kept. */
const NOTICE_MS = 6000;
const KEPT_NOTICES = 3;
const FINISHED = new Set<JobInfo['state']>(['done', 'failed', 'cancelled']);

/** "a.jpg, b.jpg, c.jpg and 4 more" */
function fewNames(paths: readonly string[]): string {
  const more = paths.length > 3 ? ` and ${paths.length - 3} more` : '';
  return paths.slice(0, 3).map(baseName).join(', ') + more;
}

export class StudioStore {
  status = $state<StudioStatus | null>(null);
  folders = $state<FolderInfo[]>([]);
  photos = $state<PhotoSummary[]>([]);
  attributes = $state<AttributeInfo[]>([]);
  /** The attributes the studio offers to choose: one superseded by another (No_Beard, by
   * Beard) only renders the recipes saved with it. */
  readonly offeredAttributes = $derived(this.attributes.filter((a) => !a.supersededBy));
  /** The user's own tags over the whole library (attributes' counts are their training examples). */
  tags = $state<TagCount[]>([]);
  jobs = $state<JobInfo[]>([]);
  notices = $state<Notice[]>([]);
  folder = $state<string | undefined>(undefined);
  tag = $state<string | undefined>(undefined);
  /** The view shows only photos with a saved edit. */
  editedOnly = $state(false);
  /** The view shows only photos whose file name contains this. */
  nameFilter = $state('');
  /** The order of the view's photos (kept in the library's settings); a search by attribute
   * lists the clearest first instead. */
  photoOrder = $state<PhotoOrder>('name');
  /** The view shows only photos with a face that has (or has not) this attribute. */
  faceFilter = $state<{ attribute: string; has: boolean } | undefined>(undefined);
  /** How far to trust that search in this library (listed with the photos). */
  faceSearchInfo = $state<FaceSearchInfo | null>(null);
  view = $state<View>('library');
  photoId = $state<number | null>(null);
  loadingPhotos = $state(false);
  /** The view holds more photos than `photos` (loadMorePhotos lists the next page). */
  morePhotos = $state(false);
  connected = $state(true);
  /** Turning the listed photos marked to turn upright (turnAllUpright): how far it is. */
  turningUpright = $state<{ done: number; total: number } | null>(null);
  /** Faces in the library tagged as having / not having `name`. */
  tagCount(name: string): TagCount {
    return this.tags.find((t) => t.name === name) ?? { name, positives: 0, negatives: 0 };
  }

  /** The user's tag with the most tagged faces (what the derive dialog starts from). */
  readonly mostTagged = $derived(
    [...this.tags].sort((a, b) => b.positives + b.negatives - (a.positives + a.negatives))[0]?.name,
  );

  readonly importJob = $derived(
    this.jobs.filter((j) => j.kind === 'import').sort((a, b) => b.id - a.id)[0],
  );

  /** "job id:file" of import errors in folders since removed from the library (removeFolder). */
  #removedErrors = $state<string[]>([]);
  /** The last import's files that could not be read, but those in folders since removed. */
  readonly importErrors = $derived.by(() => {
    const job = this.importJob;
    return job ? job.errors.filter((e) => !this.#removedErrors.includes(`${job.id}:${e.file}`)) : [];
  });

  #unsubscribe: (() => void) | undefined;
  #reported = new Set<number>();

  constructor(readonly api: StudioApi) {}

  async start(): Promise<void> {
    this.#unsubscribe = this.api.onEvent((e) => this.#onEvent(e));
    await Promise.all([
      this.guard('Read the studio status', async () => (this.status = await this.api.status({}))),
      this.refreshFolders(),
      this.refreshAttributes(),
      this.refreshTags(),
      // The order first: the photos come in it.
      this.guard('Read the settings', async () => (this.photoOrder = (await this.api.getSettings({})).photoOrder), true).then(() => this.refreshPhotos()),
      this.guard('List running jobs', async () => (this.jobs = await this.api.listJobs({})), true),
    ]);
    // The look for new photos at opening may have ended before the window was there.
    for (const job of this.jobs) if (job.automatic && FINISHED.has(job.state)) this.#reportOnce(job);
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  /** Runs `work`, turning a failure into a notice; `quiet` skips "not in this build yet". */
  async guard<T>(action: string, work: () => Promise<T>, quiet = false): Promise<T | undefined> {
    try {
      const result = await work();
      this.connected = true;
      return result;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 0) this.connected = false;
      if (!(quiet && status === 501)) this.notify('error', userMessage(action, err));
      return undefined;
    }
  }

  /**
   * Shows a message. Success and info go away by themselves after a few seconds, unless they
   * report what a long job did to some photos (`stays`); errors stay until dismissed. Only the
   * newest few of each kind are kept, so that they never pile up.
   */
  notify(kind: Notice['kind'], message: UserMessage, { stays = kind === 'error' } = {}): void {
    const notice = { id: nextNotice++, kind, ...message };
    const all = [...this.notices.filter((n) => n.what !== message.what), notice];
    const newest = (errors: boolean) => all.filter((n) => (n.kind === 'error') === errors).slice(-KEPT_NOTICES);
    const kept = new Set([...newest(true), ...newest(false)]);
    this.notices = all.filter((n) => kept.has(n));
    if (!stays) setTimeout(() => this.dismiss(notice.id), NOTICE_MS);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  refreshFolders = () => this.guard('List folders', async () => (this.folders = await this.api.listFolders({})), true);
  refreshAttributes = () =>
    this.guard(
      'List attributes',
      async () => {
        this.attributes = await this.api.listAttributes({});
        // A search by an attribute the model no longer offers (deleted, another model) ends.
        if (this.faceFilter && !this.attributes.some((a) => a.name === this.faceFilter?.attribute && a.search)) {
          this.faceFilter = undefined;
          void this.refreshPhotos();
        }
      },
      true,
    );
  refreshTags = () => this.guard('List tags', async () => (this.tags = await this.api.listTags({})), true);

  /**
   * Lists the view's photos (folder, tag) again: one page for a new view; for the same view
   * (`sameView`), as many as it had loaded, so an import's refreshes do not shorten the grid
   * under the user's scroll.
   */
  async refreshPhotos(sameView = false): Promise<void> {
    const limit = sameView ? Math.min(MAX_LISTED, Math.max(PHOTO_PAGE, this.photos.length)) : PHOTO_PAGE;
    const face = this.faceFilter && { ...this.faceFilter };
    if (!sameView) this.faceSearchInfo = null; // another search, perhaps
    await this.#listPhotos(0, limit, (page) => page);
    // After the photos: the search is remembered, so this does not read the faces again.
    const info = face ? await this.guard('Describe the search', () => this.api.describeFaceSearch(face), true) : null;
    if (this.faceFilter?.attribute === face?.attribute && this.faceFilter?.has === face?.has) this.faceSearchInfo = info ?? null; // still the view's search
  }

  /** Turns every listed photo marked on its side or upside down (PhotoSummary.suggestedTurns)
   * upright, one at a time. */
  async turnAllUpright(): Promise<void> {
    const todo = this.photos.filter((p) => p.suggestedTurns);
    if (!todo.length || this.turningUpright) return;
    let turned = 0;
    let lost = 0;
    for (const [i, p] of todo.entries()) {
      this.turningUpright = { done: i, total: todo.length };
      const r = await this.guard(`Turn ${p.name}`, () => this.api.rotatePhoto({ photoId: p.id, turns: p.suggestedTurns! }));
      if (!r) continue;
      turned++;
      lost += r.lost;
    }
    this.turningUpright = null;
    await this.refreshPhotos(true);
    if (turned) this.notify('success', { what: `Turned ${turned} photo${turned === 1 ? '' : 's'} upright.`, todo: '' });
    this.reportLost(lost);
  }

  /** Says that faces with tags or an edit were not found again in photos just turned. */
  reportLost(lost: number): void {
    if (!lost) return;
    this.notify('info', {
      what: `${lost === 1 ? 'A face you had tagged or edited was' : `${lost} faces you had tagged or edited were`} not found after turning, and lost their tags and edits.`,
      todo: 'Turn the photo back to find the face again, then tag or edit it anew.',
    });
  }

  /** Lists the photos in `order`, and keeps it in the library's settings for the next time. */
  async setPhotoOrder(order: PhotoOrder): Promise<void> {
    this.photoOrder = order;
    await Promise.all([this.refreshPhotos(), this.guard('Keep the photo order', () => this.api.updateSettings({ photoOrder: order }))]);
  }

  /** Appends the view's next page of photos, if it has more. */
  loadMorePhotos(): Promise<void> {
    if (!this.morePhotos || this.loadingPhotos) return Promise.resolve();
    return this.#listPhotos(this.photos.length, PHOTO_PAGE, (page) => [...this.photos, ...page]);
  }

  /** The view's folder, tag, name and face filters, as listPhotos takes them. */
  #viewFilter() {
    return {
      folder: this.folder,
      tag: this.tag,
      ...(this.nameFilter.trim() ? { name: this.nameFilter.trim() } : {}),
      ...(this.faceFilter ? { face: { ...this.faceFilter } } : {}),
    };
  }

  #photoListings = 0;
  async #listPhotos(offset: number, limit: number, merge: (page: PhotoSummary[]) => PhotoSummary[]): Promise<void> {
    const listing = ++this.#photoListings;
    this.loadingPhotos = true;
    const page = await this.guard('List photos', () => this.api.listPhotos({ ...this.#viewFilter(), ...(this.editedOnly ? { edited: true } : {}), order: this.photoOrder, offset, limit }), true);
    if (listing !== this.#photoListings) return; // a newer listing (another view, say) replaces this one
    this.loadingPhotos = false;
    if (!page) return;
    this.photos = merge(page);
    this.morePhotos = page.length === limit;
  }

  /** The ids of every edited photo in the view, loaded in the grid or not: what Export takes
   * when no photo is selected. Undefined when they could not be listed (a notice says why). */
  async editedPhotoIds(): Promise<number[] | undefined> {
    const ids: number[] = [];
    for (;;) {
      const page = await this.guard('List the edited photos', () =>
        this.api.listPhotos({ ...this.#viewFilter(), edited: true, offset: ids.length, limit: MAX_LISTED }),
      );
      if (!page) return undefined;
      ids.push(...page.map((p) => p.id));
      if (page.length < MAX_LISTED) return ids;
    }
  }

  /** Starts importing `path`; false when it could not start (the notice says why). */
  async importFolder(path: string): Promise<boolean> {
    const job = await this.guard('Import the folder', () => this.api.importFolder({ path }));
    if (job) this.#upsertJob(job);
    return job !== undefined;
  }

  /** Looks for new photos in the folders the user imported, or only in `folder`; false when it
   * could not start (the notice says why). */
  async rescanFolders(folder?: string): Promise<boolean> {
    const job = await this.guard('Look for new photos', () => this.api.rescanFolders(folder ? { folder } : {}));
    if (job) this.#upsertJob(job);
    return job !== undefined;
  }

  /** Takes `folder` and its subfolders out of the library (the files stay); false when it was
   * refused (the notice says why). The view, and the editor's photo, leave what went. */
  async removeFolder(folder: string): Promise<boolean> {
    const removed = await this.guard('Remove the folder from the library', () => this.api.removeFolder({ path: folder }));
    if (!removed) return false;
    const job = this.importJob;
    if (job) this.#removedErrors = [...this.#removedErrors, ...job.errors.filter((e) => isInFolder(e.file, folder)).map((e) => `${job.id}:${e.file}`)];
    if (this.folder !== undefined && isInFolder(this.folder, folder)) this.folder = undefined;
    if (this.photoId !== null && !(await this.api.getPhoto({ photoId: this.photoId }).catch(() => null))) this.photoId = null;
    await Promise.all([this.refreshPhotos(), this.refreshFolders(), this.refreshTags()]);
    this.notify('success', { what: `Removed ${baseName(folder)} from the library: ${countOf(removed.photos, 'photo')}. The files are untouched.`, todo: '' });
    return true;
  }

  openPhoto(photoId: number): void {
    this.photoId = photoId;
    this.view = 'editor';
    history.replaceState(null, '', `#/photo/${photoId}`);
  }

  openLibrary(): void {
    this.view = 'library';
    void this.refreshPhotos(true);
    history.replaceState(null, '', '#/');
  }

  trackJob(job: JobInfo): void {
    this.#upsertJob(job);
  }

  /** Looks for smaller faces in every photo of the library, as a job (the status bar shows it). */
  async lookForSmallerFaces(): Promise<void> {
    const job = await this.guard('Look for smaller faces in every photo', () => this.api.lookForSmallerFaces({}));
    if (job) this.trackJob(job);
  }

  /** Cancels a job the status bar shows (a look for smaller faces). */
  async stopJob(job: JobInfo): Promise<void> {
    await this.guard(`Stop ${jobNoun(job.kind).toLowerCase()}`, async () => this.trackJob(await this.api.controlJob({ jobId: job.id, action: 'cancel' })));
  }

  #upsertJob(job: JobInfo): void {
    const i = this.jobs.findIndex((j) => j.id === job.id);
    // A call's reply can arrive after the job's own later events: never step back.
    const known = this.jobs[i];
    if (known && (FINISHED.has(known.state) || known.done > job.done) && !FINISHED.has(job.state)) return;
    this.jobs = i < 0 ? [...this.jobs, job] : this.jobs.map((j) => (j.id === job.id ? job : j));
  }

  #onEvent(event: StudioEvent): void {
    this.connected = true;
    if (event.type === 'status') {
      this.status = event.status;
      return;
    }
    if (event.type === 'library') {
      // Another process changed the library (an import in a terminal, say): list it again.
      this.#refreshSoon();
      void this.refreshTags();
      void this.refreshAttributes();
      void this.guard('Read the studio status', async () => (this.status = await this.api.status({})), true);
      return;
    }
    const job = event.job;
    const before = this.jobs.find((j) => j.id === job.id);
    this.#upsertJob(job);
    if ((job.kind === 'import' || job.kind === 'reencode' || job.kind === 'faces') && (job.done !== before?.done || job.state !== before?.state)) {
      // While an import (or re-encoding, which marks photos upside down, or a look for smaller
      // faces) runs, refresh the grid at most once a second; at the end, at once.
      if (job.state === 'running') this.#refreshSoon();
      else {
        void this.refreshPhotos(true);
        void this.refreshFolders();
        void this.refreshTags(); // a changed photo's faces, and so their tags, are replaced
      }
    }
    if (FINISHED.has(job.state)) this.#reportOnce(job);
  }

  #reportOnce(job: JobInfo): void {
    if (this.#reported.has(job.id)) return;
    this.#reported.add(job.id);
    this.#reportFinished(job);
    void this.guard('Read the studio status', async () => (this.status = await this.api.status({})), true);
  }

  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshSoon(): void {
    if (this.#refreshTimer) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      void this.refreshPhotos(true);
      void this.refreshFolders();
    }, 1000);
  }

  #reportFinished(job: JobInfo): void {
    const noun = jobNoun(job.kind);
    // The look for new photos the studio made as it opened speaks up only when it found some:
    // its unreadable files are listed in the library, as every import's are.
    if (job.automatic) {
      if (job.state === 'done' && job.newPhotos) this.notify('success', { what: `Found ${countOf(job.newPhotos, 'new or changed photo')} in your folders.`, todo: '' });
      return;
    }
    if (job.errors.length) {
      const list = job.errors
        .slice(0, 3)
        .map((e) => `${baseName(e.file)}: ${e.message.replace(`${e.file}: `, '')}`)
        .join('; ');
      const more = job.errors.length > 3 ? ` and ${job.errors.length - 3} more` : '';
      const count = `${job.errors.length} file${job.errors.length === 1 ? '' : 's'}`;
      // A file system error while writing is about the output folder, not the photos.
      const writing = job.kind !== 'import' && job.errors.some((e) => /\b(EEXIST|EACCES|EPERM|ENOSPC|EROFS|ENOTDIR)\b/.test(e.message));
      this.notify(
        'error',
        writing
          ? {
              what: `${noun}: ${count} could not be written (${list}${more}).`,
              todo: `Check that ${job.outDir ?? 'the output folder'} is a folder you can write to, with space left, and start it again.`,
            }
          : {
              what: `${noun}: ${count} could not be read (${list}${more}).`,
              todo: 'Those files were skipped and the rest went on. Check that they open in another app, or remove them from the folder.',
            },
      );
    }
    const finished = Math.max(0, job.total - job.failed);
    if (job.state === 'failed') {
      this.notify('error', { what: `${noun} stopped with an error.`, todo: 'See the messages above, fix the cause, and start it again.' });
    } else if (job.state === 'done' && job.total === 0) {
      this.notify('info', {
        what: `${noun} finished: no photos found.`,
        todo: 'Photos are JPEG, PNG, WebP, TIFF, AVIF or HEIC files, in the folder or its subfolders.',
      });
    } else if (job.state === 'done' && job.newPhotos !== undefined) {
      // An import: what is new to the library (a look for new photos mostly finds what it knew).
      const moved = job.movedPhotos ?? 0;
      const known = finished - job.newPhotos - moved;
      const what = job.newPhotos ? `${countOf(job.newPhotos, 'new or changed photo')}` : 'no new photos';
      const found = moved ? `, ${countOf(moved, 'photo')} found moved or renamed` : '';
      this.notify('success', { what: `${noun} finished: ${what}${found}${known ? `, ${countOf(known, 'photo')} already in the library` : ''}.`, todo: '' });
    } else if (job.facesAdded && (job.state === 'done' || job.state === 'cancelled')) {
      const { faces, photos } = job.facesAdded;
      const found = faces ? `${countOf(faces, 'more face')} in ${countOf(photos, 'photo')}` : 'no more faces';
      const looked = job.state === 'done' ? `finished: ${found}${faces ? '' : ` in ${countOf(finished, 'photo')}`}.` : `stopped after ${job.done} of ${countOf(job.total, 'photo')}: ${found}.`;
      this.notify('success', { what: `${noun} ${looked}`, todo: '' });
    } else if (job.state === 'done' && finished > 0 && job.kind !== 'reencode') {
      // (Re-encoding is the studio's own housekeeping: its progress in the status bar is enough.)
      const where = job.outDir ? ` into ${job.outDir}` : '';
      this.notify('success', { what: `${noun} finished: ${finished} of ${job.total} done${where}.`, todo: '' });
    }
    // What the batch did to some photos stays on screen: the user may come back to it later.
    // (The studio batches library folders, so those photos are in the library to open.)
    if (job.unedited?.length) {
      this.notify(
        'info',
        {
          what: `${noun}: the edit is too strong for the model on some faces, left as they were, in ${fewNames(job.unedited)}.`,
          todo: 'Those photos were exported with their other faces edited. Smaller slider amounts may render on them.',
        },
        { stays: true },
      );
    }
    if (job.upsideDown?.length) {
      this.notify(
        'info',
        {
          what: `${noun}: the faces in ${fewNames(job.upsideDown)} looked upside down, so they were edited turned the right way up.`,
          todo: 'The copies keep the photos’ own orientation. To store a photo upright, open it in the editor and turn it with ↺ or ↻.',
        },
        { stays: true },
      );
    }
    if (job.faceless?.length) {
      this.notify(
        'info',
        {
          what: `${noun}: no face was found in ${fewNames(job.faceless)}; exported unchanged.`,
          todo: 'A photo on its side or upside down: open it in the editor, turn it upright with ↺ or ↻, and run the batch again.',
        },
        { stays: true },
      );
    }
  }
}
