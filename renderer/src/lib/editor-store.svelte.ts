// The editor's state for one photo: the recipe of each face, the face layers on the canvas,
// undo/redo (saved in the library, so it outlasts the session), and the repaint loop: one renderFace in flight per face (latest value wins), and
// between exact renders a preview blended from the ones already on hand (slider-preview.ts).
// Every edit is timed until the canvas shows it (or a newer one): 'slider-repaint' to the
// first paint, preview or exact, and 'slider-exact' to the exact pixels.
import type { Box, EditHistory, FaceInfo, FaceLayer, MaskStroke, PhotoDetail, Recipe } from '../../../app/api/contract.js';
import { editHistory, historyToSave, photoHistories, type HistorySnapshot } from './edit-history.js';
import { editsKey, isEmptyRecipe, type EditorState, type Recipes } from './edit-state.js';
import { attributeLabel, countOf } from './format.js';
import { latestOnly, type LatestOnly } from './latest-only.js';
import { canvasOf, loadImage, pixelsOf } from './patch-pixels.js';
import { blendPreview, composeOver, onWhite, planPreview, type PatchSample } from './slider-preview.js';
import type { StudioStore } from './studio-store.svelte';

export type CompareMode = 'after' | 'before' | 'split';

const EMPTY: Recipe = { sliders: {}, mix: null };

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A history the library saved for the photo, if all its states are of the photo's faces as
 * they are now (faces found again after a turn are new faces). */
function savedHistory(saved: EditHistory | null | undefined, photo: PhotoDetail): HistorySnapshot<EditorState> | null {
  if (!saved) return null;
  const faces = new Set(photo.faceList.map((f) => String(f.id)));
  const states = [...saved.past, saved.present, ...saved.future];
  return states.every((state) => Object.keys(state.recipes).every((id) => faces.has(id))) ? (saved as HistorySnapshot<EditorState>) : null;
}

/** What the canvas shows for one face: an exact render, or a preview between exact ones. */
export interface ShownLayer {
  faceId: number;
  /** Where the patch goes, in the photo's pixel coordinates. */
  box: Box;
  image: CanvasImageSource;
  /** The fraction of the edit shown (FaceLayer.strength). */
  strength: number;
  /** Passed back to painted() once the layer is on screen. */
  seq: number;
}

/** An exact render kept for previews, with the decoded patch the canvas draws. */
interface KeptRender extends PatchSample {
  image?: CanvasImageSource;
}

interface RenderJob {
  faceId: number;
  recipe: Recipe;
  /** The input whose recipe this is. */
  input: number;
}

/** An edit not yet on screen: its face, its number and when it happened (performance.now()). */
interface Input {
  faceId: number;
  input: number;
  at: number;
}

/** Exact renders kept per face for previews (each is one patch, about 0.5 MB). */
const KEPT_RENDERS = 24;
/** Sliders at the top of the panel whose first moves are prepared when a face is selected. */
const PREPARED_ON_SELECT = 2;

export class EditorStore {
  photo = $state<PhotoDetail | null>(null);
  /** The photo's brush mask (photo pixels): where the edits are taken back, here and on export. */
  mask = $state<MaskStroke[]>([]);
  loading = $state(false);
  /** Why the photo's pixels could not be shown (the file went, or cannot be read now). */
  imageError = $state<string | null>(null);
  /** The photo is being turned and its faces found again (rotate). */
  turning = $state(false);
  /** Faces are looked for again (findFacesTurned, findSmallerFaces): what the editor says meanwhile. */
  searching = $state<string | null>(null);
  faceId = $state<number | null>(null);
  /** The removed face (place id) whose "Bring back" the pointer or focus is on: the canvas outlines it. */
  pointedPlace = $state<number | null>(null);
  recipes = $state<Recipes>({});
  layers = $state<Record<number, ShownLayer>>({});
  rendering = $state<Record<number, boolean>>({});
  compare = $state<CompareMode>('after');
  canUndo = $state(false);
  canRedo = $state(false);
  /** Repaint times in ms, newest last (for the status bar). */
  lastRepaintMs = $state<number | null>(null);

  readonly face = $derived(this.photo?.faceList.find((f) => f.id === this.faceId) ?? null);
  readonly recipe = $derived<Recipe>(this.faceId !== null ? (this.recipes[this.faceId] ?? EMPTY) : EMPTY);

  #histories = this.#newHistories();
  #history = editHistory<EditorState>({ recipes: {}, mask: [] });
  /** Saves each photo's history, one request at a time per photo, the newest state winning. */
  #historySavers = new Map<number, LatestOnly<HistorySnapshot<EditorState>>>();
  #runners = new Map<number, LatestOnly<RenderJob>>();
  #inputs = 0;
  /** The newest input per face. */
  #lastInput = new Map<number, number>();
  /** Inputs the canvas does not show yet, and those it shows only as a preview. */
  #unshown: Input[] = [];
  #inexact: Input[] = [];
  /** What each paint sequence number shows: the face, the newest input covered, exact or not. */
  #shows = new Map<number, { faceId: number; input: number; exact: boolean }>();
  #seq = 0;
  #kept = new Map<number, KeptRender[]>();
  /** The photo's own pixels under each face's patch, the patch's box, and the face unedited
   * as a render to preview from. */
  #originals = new Map<number, { box: Box; pixels: Uint8ClampedArray; unedited: KeptRender }>();
  #photoImage: Promise<HTMLImageElement> | null = null;
  /** Renders asked for ahead of use (prepareSliders), by face and recipe. */
  #prepared = new Set<string>();
  /** One preparation at a time: sweeping the pointer over the panel keeps only the latest. */
  #preparer = latestOnly((job: { faceId: number; names: readonly string[] }) => this.#prepareNow(job.faceId, job.names));

  constructor(private readonly studio: StudioStore) {}

  #newHistories() {
    return photoHistories<EditorState>((a, b) => editsKey(a) === editsKey(b));
  }

  /** Deletes one of the user's derived attributes; false when refused (a notice says why).
   * The library took its slider out of saved edits and histories: the histories kept here are
   * dropped for the library's, and the open photo is opened again with its edits as saved. */
  async removeAttribute(name: string): Promise<boolean> {
    const removed = await this.studio.guard('Delete the slider', () => this.studio.api.removeAttribute({ name }));
    if (!removed) return false;
    this.#histories = this.#newHistories();
    await Promise.all([this.studio.refreshAttributes(), this.photo ? this.load(this.photo.id) : undefined]);
    void this.studio.refreshPhotos(true); // photos whose only edit was this slider are no longer edited
    const faces = removed.edits ? ` ${countOf(removed.edits, 'saved face edit')} lost it.` : '';
    this.studio.notify('success', { what: `Deleted the slider ${attributeLabel(name)}.${faces}`, todo: '' });
    return true;
  }

  async load(photoId: number): Promise<void> {
    this.loading = true;
    this.photo = null;
    this.pointedPlace = null; // its button may have gone without a pointerleave or blur
    this.mask = [];
    this.layers = {};
    this.#runners.clear();
    this.#lastInput.clear();
    this.#unshown = [];
    this.#inexact = [];
    this.#shows.clear();
    this.#kept.clear();
    this.#originals.clear();
    this.#prepared.clear();
    this.#photoImage = null;
    this.imageError = null;
    const [photo, saved] = await Promise.all([
      this.studio.guard('Open the photo', () => this.studio.api.getPhoto({ photoId })),
      this.studio.guard('Read the undo history', () => this.studio.api.getEditHistory({ photoId }), true),
    ]);
    this.loading = false;
    if (!photo || this.studio.photoId !== photoId) return;
    this.photo = photo;
    this.mask = photo.mask;
    if (photo.error) {
      // Nothing to render the faces on: the editor says why (EditorView), the faces wait.
      this.imageError = `${photo.name}: ${photo.error}.`;
      this.faceId = null;
      return;
    }
    const recipes: Recipes = {};
    for (const f of photo.faceList) recipes[f.id] = { sliders: { ...(f.recipe?.sliders ?? {}) }, mix: f.recipe?.mix ?? null };
    this.recipes = recipes;
    this.#history = this.#histories.open(photoId, clone({ recipes, mask: photo.mask }), savedHistory(saved?.history, photo));
    this.#syncHistory();
    this.faceId = photo.faceList[0]?.id ?? null;
    for (const f of photo.faceList) if (!isEmptyRecipe(f.recipe)) this.#request(f.id, performance.now());
    if (this.faceId !== null) void this.#warm(this.faceId);
  }

  /** Turns the photo quarter turns clockwise (1: right, 2: upside down, 3: left), for one the
   * face finder read wrong, and opens it again with the faces found in it turned. */
  async rotate(turns: 1 | 2 | 3): Promise<void> {
    const photoId = this.photo?.id;
    if (photoId === undefined || this.turning || this.searching) return;
    this.turning = true;
    const turned = await this.studio.guard('Turn the photo', () => this.studio.api.rotatePhoto({ photoId, turns }));
    this.turning = false;
    if (!turned || this.studio.photoId !== photoId) return;
    this.studio.reportLost(turned.lost);
    if (turned.lost) void this.studio.refreshTags(); // a face lost may have taken tags
    await this.load(photoId);
    void this.studio.refreshPhotos(true); // its thumbnail and face count
  }

  /** The photo is upright as it is, though its faces lie on their side or look upside down
   * (people lying down, say): it is no longer marked. */
  async keepUpright(): Promise<void> {
    const photoId = this.photo?.id;
    if (photoId === undefined) return;
    const kept = await this.studio.guard('Keep the photo as it is', () => this.studio.api.keepUpright({ photoId }));
    if (!kept || this.photo?.id !== photoId) return;
    this.photo = { ...this.photo, suggestedTurns: undefined };
    void this.studio.refreshPhotos(true); // its tile's mark
  }

  /** Asks the studio to look at the open photo's faces again (`ask`), saying `saying` over the
   * canvas meanwhile; the answer, unless the user went to another photo (or it failed: a notice
   * says why). */
  async #lookAgain<T>(saying: string, action: string, ask: (photoId: number) => Promise<T>): Promise<{ photoId: number; found: T } | undefined> {
    const photoId = this.photo?.id;
    if (photoId === undefined || this.turning || this.searching) return undefined;
    this.searching = saying;
    const found = await this.studio.guard(action, () => ask(photoId));
    this.searching = null;
    return found && this.studio.photoId === photoId ? { photoId, found } : undefined;
  }

  /** For a photo with no faces found: looks for them with the photo turned, and turns it
   * where they are upright. */
  async findFacesTurned(): Promise<void> {
    const looked = await this.#lookAgain('Looking for faces with the photo turned…', 'Look for faces in the photo turned', (photoId) => this.studio.api.findUprightTurns({ photoId }));
    if (!looked) return;
    const { turns } = looked.found;
    if (turns === 1 || turns === 2 || turns === 3) return this.rotate(turns);
    this.studio.notify('info', { what: 'No face was found in this photo at any quarter turn either.', todo: 'Faces smaller than about 40 pixels, or hidden, are not found.' });
  }

  /** Looks again for faces smaller than an import looks for (a group photo's back rows), and
   * opens the photo again with those found added. */
  async findSmallerFaces(): Promise<void> {
    const looked = await this.#lookAgain('Looking for smaller faces…', 'Look for smaller faces', (photoId) => this.studio.api.findSmallerFaces({ photoId }));
    if (!looked) return;
    const { photoId, found } = looked;
    if (!found.added) {
      this.studio.notify('info', { what: 'No more faces were found in this photo.', todo: 'Faces smaller than about 40 pixels in a 12 MP photo, turned away or hidden, are not found.' });
      return;
    }
    this.studio.notify('success', { what: `Found ${countOf(found.added, 'more face')} in this photo.`, todo: '' });
    await this.load(photoId);
    void this.studio.refreshPhotos(true); // its tile's face count
  }

  /** Takes face `faceId` out of the open photo's faces (a false find, or a face never to edit),
   * with its edit and tags; the caller asks first where those would be lost. The library took
   * it out of saved histories: the histories kept here are dropped for the library's. */
  async removeFace(faceId: number): Promise<boolean> {
    const photoId = this.photo?.id;
    const number = this.numberOf(faceId);
    if (photoId === undefined || !number || this.turning || this.searching) return false;
    const removed = await this.studio.guard('Remove the face', () => this.studio.api.removeFace({ faceId }));
    if (!removed) return false;
    this.#histories = this.#newHistories();
    const lost = [removed.hadEdit ? 'its edit' : '', removed.tags ? countOf(removed.tags, 'tag') : ''].filter(Boolean).join(' and ');
    this.studio.notify('success', { what: `Removed face ${number} from this photo${lost ? `, with ${lost}` : ''}.`, todo: 'Batches leave it alone, and looking for faces again passes over it; “Bring back” under Faces finds it again.' });
    if (removed.tags) void this.studio.refreshTags(); // the tag counts the panel shows
    if (this.studio.photoId === photoId) await this.load(photoId);
    void this.studio.refreshPhotos(true); // its tile's face count and edited mark
    return true;
  }

  /** Looks again for the faces removed from the open photo (`places`: these of its
   * removedFaces, by id; all by default), and opens it with those found. */
  async bringBackFaces(places?: number[]): Promise<void> {
    const one = places?.length === 1;
    const looked = await this.#lookAgain(one ? 'Looking for the removed face…' : 'Looking for the removed faces…', one ? 'Bring back the removed face' : 'Bring back the removed faces', (photoId) =>
      this.studio.api.bringBackFaces({ photoId, ...(places ? { places } : {}) }),
    );
    if (!looked) return;
    const { photoId, found } = looked;
    if (found.added) this.studio.notify('success', { what: `${countOf(found.added, 'face')} back in this photo.`, todo: '' });
    else this.studio.notify('info', { what: one ? 'The removed face was not found again.' : 'The removed faces were not found again.', todo: '' });
    await this.load(photoId);
    void this.studio.refreshPhotos(true);
  }

  /** A face's number in the open photo, as its chip is labelled (1 for the first; 0: not there). */
  numberOf(faceId: number | null): number {
    return (this.photo?.faceList.findIndex((f) => f.id === faceId) ?? -1) + 1;
  }

  selectFace(faceId: number): void {
    this.faceId = faceId;
    void this.#warm(faceId);
  }

  /**
   * Renders ahead, unseen, one unit along each named slider from the selected face's recipe,
   * so the first moves of that slider are previewed at once instead of waiting for the model
   * (slider-preview.ts needs two renders along a slider). One preparation runs at a time, and
   * it stops while the face has an edit rendering, so it delays an edit by at most the one
   * render it has in flight.
   */
  prepareSliders(names: readonly string[]): void {
    const faceId = this.faceId;
    if (faceId === null || !this.#originals.has(faceId)) return; // #warm prepares the top sliders
    this.#preparer.offer({ faceId, names });
  }

  async #prepareNow(faceId: number, names: readonly string[]): Promise<void> {
    const photoId = this.photo?.id;
    for (const name of names) {
      if (this.faceId !== faceId || this.photo?.id !== photoId || this.#runners.get(faceId)?.busy) return;
      const base = $state.snapshot(this.recipes[faceId] ?? EMPTY) as Recipe;
      const from = base.sliders[name] ?? 0;
      const recipe: Recipe = { ...base, sliders: { ...base.sliders, [name]: from <= 1 ? from + 1 : from - 1 } };
      const key = `${faceId} ${JSON.stringify(recipe)}`;
      if (this.#prepared.has(key)) continue;
      this.#prepared.add(key);
      const layer = await this.studio.guard('Prepare the slider', () => this.studio.api.renderFace({ faceId, recipe }), true);
      if (!layer || !(await this.#keep(faceId, recipe, layer, photoId))) return;
      // An edit made meanwhile may now be previewed from it.
      if (this.#unshown.some((i) => i.faceId === faceId)) this.#showCurrent(faceId);
    }
  }

  /** While dragging: repaint, but do not record history or save yet. */
  setSlider(name: string, value: number): void {
    this.#edit((r) => ({ ...r, sliders: { ...r.sliders, [name]: value } }));
  }

  setMix(mix: Recipe['mix']): void {
    this.#edit((r) => ({ ...r, mix }));
  }

  /** A gesture ended (pointer up, key, reset): record it for undo and save the recipe. */
  commit(): void {
    this.#record();
    if (this.faceId !== null) this.#save(this.faceId);
  }

  #record(): void {
    this.#history.push({ recipes: $state.snapshot(this.recipes) as Recipes, mask: $state.snapshot(this.mask) as MaskStroke[] }); // snapshots are plain deep copies
    this.#syncHistory();
    this.#saveHistory();
  }

  resetSlider(name: string): void {
    this.setSlider(name, 0);
    this.commit();
  }

  resetFace(): void {
    this.#edit(() => ({ sliders: {}, mix: null }));
    this.commit();
  }

  /** Gives every face of the photo the selected face's slider values (each keeps its own
   * mix): a group photo's faces edited alike, as one undo step. */
  slidersToAllFaces(): void {
    const from = this.faceId;
    if (from === null || !this.photo) return;
    const sliders = $state.snapshot(this.recipes[from]?.sliders ?? {}) as Recipe['sliders'];
    const next = clone($state.snapshot(this.recipes) as Recipes);
    for (const f of this.photo.faceList) next[f.id] = { ...(next[f.id] ?? EMPTY), sliders: clone(sliders) };
    this.#apply(next);
    this.#record();
  }

  undo(): void {
    this.#restore(this.#history.undo());
    this.#saveHistory();
  }

  redo(): void {
    this.#restore(this.#history.redo());
    this.#saveHistory();
  }

  updateFace(face: FaceInfo): void {
    if (!this.photo) return;
    this.photo = { ...this.photo, faceList: this.photo.faceList.map((f) => (f.id === face.id ? face : f)) };
  }

  /** The canvas calls this once a face layer (or its removal) is on screen. */
  painted(seq: number): void {
    const shown = this.#shows.get(seq);
    if (!shown) return;
    this.#shows.delete(seq);
    const now = performance.now();
    const measure = (name: string, i: Input) => Math.round(performance.measure(name, { start: i.at, end: now, detail: { faceId: i.faceId } }).duration);
    const covered = (i: Input) => i.faceId === shown.faceId && i.input <= shown.input;
    for (const i of this.#unshown.filter(covered)) measure('slider-repaint', i);
    this.#unshown = this.#unshown.filter((i) => !covered(i));
    if (!shown.exact) return;
    // The exact pixels of an edit the slider has already left are never shown; time only the
    // edit this paint shows.
    for (const i of this.#inexact.filter(covered)) if (i.input === shown.input) this.lastRepaintMs = measure('slider-exact', i);
    this.#inexact = this.#inexact.filter((i) => !covered(i));
  }

  #edit(change: (r: Recipe) => Recipe): void {
    const id = this.faceId;
    if (id === null) return;
    const now = performance.now();
    this.recipes = { ...this.recipes, [id]: change(this.recipes[id] ?? EMPTY) };
    this.#request(id, now);
  }

  /** Shows the face's new recipe: from the renders on hand when they allow, and asks for the
   * exact render unless one of those already is. */
  #request(faceId: number, at: number): void {
    const input = ++this.#inputs;
    this.#lastInput.set(faceId, input);
    this.#unshown.push({ faceId, input, at });
    this.#inexact.push({ faceId, input, at });
    let runner = this.#runners.get(faceId);
    if (!runner) {
      runner = latestOnly((job) => this.#renderNow(job));
      this.#runners.set(faceId, runner);
    }
    if (this.#showCurrent(faceId) === 'exact') {
      runner.clear();
      return;
    }
    runner.offer({ faceId, recipe: $state.snapshot(this.recipes[faceId] ?? EMPTY) as Recipe, input });
  }

  /** Puts the face's current recipe on the canvas if it can be shown without the model:
   * no edit, an exact render on hand, or a preview between them. */
  #showCurrent(faceId: number): 'exact' | 'preview' | null {
    const recipe = this.recipes[faceId] ?? EMPTY;
    const input = this.#lastInput.get(faceId) ?? 0;
    if (isEmptyRecipe(recipe)) {
      const { [faceId]: _gone, ...rest } = this.layers;
      this.layers = rest;
      const seq = this.#show(faceId, input, true);
      requestAnimationFrame(() => this.painted(seq));
      return 'exact';
    }
    const original = this.#originals.get(faceId);
    const plan = original ? planPreview(recipe, [original.unedited, ...(this.#kept.get(faceId) ?? [])]) : null;
    if (!original || !plan) return null;
    const { box } = original;
    const near = plan.t < 0.5 ? plan.from : plan.to;
    const { exact } = plan;
    let image = exact ? plan.from.image : undefined;
    if (!image) {
      const pixels = new Uint8ClampedArray(original.pixels.length);
      blendPreview(plan, original.pixels, pixels);
      image = canvasOf(pixels, box.width, box.height);
    }
    this.#setLayer({ faceId, box, image, strength: near.strength, seq: this.#show(faceId, input, exact) });
    return exact ? 'exact' : 'preview';
  }

  #show(faceId: number, input: number, exact: boolean): number {
    const seq = ++this.#seq;
    this.#shows.set(seq, { faceId, input, exact });
    return seq;
  }

  #setLayer(layer: ShownLayer): void {
    this.layers = { ...this.layers, [layer.faceId]: layer };
  }

  async #renderNow(job: RenderJob): Promise<void> {
    const photoId = this.photo?.id;
    this.rendering = { ...this.rendering, [job.faceId]: true };
    try {
      const called = performance.now();
      const layer = await this.studio.guard('Repaint the face', () => this.studio.api.renderFace({ faceId: job.faceId, recipe: job.recipe }));
      performance.measure('repaint-call', { start: called, end: performance.now(), detail: { serverMs: layer?.ms } });
      const image = layer && (await this.#keep(job.faceId, job.recipe, layer, photoId));
      if (!layer || !image) return;
      // The recipe may have moved on while this rendered: show it (this render, or a preview
      // that now includes it) when possible, else this render, the newest exact one.
      if (this.#showCurrent(job.faceId)) return;
      this.#setLayer({ faceId: job.faceId, box: layer.box, image, strength: layer.strength, seq: this.#show(job.faceId, job.input, true) });
    } finally {
      this.rendering = { ...this.rendering, [job.faceId]: false };
    }
  }

  /** Keeps an exact render for previews; its decoded image, or null if the photo changed. */
  async #keep(faceId: number, recipe: Recipe, layer: FaceLayer, photoId: number | undefined): Promise<CanvasImageSource | null> {
    if (this.photo?.id !== photoId) return null;
    const image = await loadImage(layer.image);
    const original = await this.#original(faceId, layer.box);
    if (this.photo?.id !== photoId) return null;
    const { width, height } = layer.box;
    const kept = this.#kept.get(faceId) ?? [];
    kept.push({ recipe, pixels: composeOver(pixelsOf(image, { x: 0, y: 0, width, height }), original), strength: layer.strength, image });
    this.#kept.set(faceId, kept.slice(-KEPT_RENDERS));
    return image;
  }

  /** Readies a face for editing before its first slider move: the studio decodes the photo
   * and the face's reconstruction, this store reads the photo's pixels under the patch, and
   * the sliders at the top of the panel are prepared. */
  async #warm(faceId: number): Promise<void> {
    if (this.#originals.has(faceId)) return;
    const photoId = this.photo?.id;
    const layer = await this.studio.guard('Prepare the face', () => this.studio.api.renderFace({ faceId, recipe: EMPTY }), true);
    if (!layer || this.photo?.id !== photoId) return;
    await this.#original(faceId, layer.box);
    const top = this.studio.attributes.filter((a) => a.source === 'builtin').slice(0, PREPARED_ON_SELECT);
    if (this.faceId === faceId) this.prepareSliders(top.map((a) => a.name));
  }

  /** The photo's pixels under a face's patch (the patch's box is the same for every render),
   * on white as the model sees them, with their alpha. */
  async #original(faceId: number, box: Box): Promise<Uint8ClampedArray> {
    const known = this.#originals.get(faceId);
    if (known) return known.pixels;
    this.#photoImage ??= loadImage(this.photo!.imageUrl);
    const pixels = onWhite(pixelsOf(await this.#photoImage, box));
    const unedited = { recipe: EMPTY, pixels, strength: 1 }; // the photo itself
    this.#originals.set(faceId, { box, pixels, unedited });
    return pixels;
  }

  #restore(state: EditorState | undefined): void {
    if (!state) return;
    this.#syncHistory();
    if (JSON.stringify($state.snapshot(this.mask)) !== JSON.stringify(state.mask)) this.#saveMask(clone(state.mask));
    this.#apply(state.recipes);
  }

  /** Shows and saves `recipes`, for the faces whose recipe they change. */
  #apply(recipes: Recipes): void {
    const before = this.recipes;
    this.recipes = clone(recipes);
    const now = performance.now();
    for (const key of Object.keys(this.recipes)) {
      const id = Number(key);
      if (JSON.stringify(before[id]) !== JSON.stringify(this.recipes[id])) {
        this.#request(id, now);
        this.#save(id);
      }
    }
  }

  #save(faceId: number): void {
    const recipe = $state.snapshot(this.recipes[faceId] ?? EMPTY) as Recipe;
    void this.studio.guard(
      'Save the edit',
      async () => {
        const face = await this.studio.api.saveEdit({ faceId, recipe });
        this.updateFace(face);
      },
      true,
    );
  }

  /** A stroke, or clearing the mask, is one undo step, as a slider gesture is. */
  addMaskStroke(stroke: MaskStroke): void {
    this.#saveMask([...this.mask, stroke]);
    this.#record();
  }

  clearMask(): void {
    if (!this.mask.length) return;
    this.#saveMask([]);
    this.#record();
  }

  #saveMask(strokes: MaskStroke[]): void {
    const photoId = this.photo?.id;
    if (photoId === undefined) return;
    this.mask = strokes;
    void this.studio.guard('Save the mask', () => this.studio.api.saveMask({ photoId, strokes: $state.snapshot(strokes) as MaskStroke[] }));
  }

  #saveHistory(): void {
    const photoId = this.photo?.id;
    const history = photoId === undefined ? null : historyToSave(this.#history.snapshot());
    if (photoId === undefined || !history) return;
    let saver = this.#historySavers.get(photoId);
    if (!saver) {
      saver = latestOnly(async (h: HistorySnapshot<EditorState>) => {
        await this.studio.guard('Save the undo history', () => this.studio.api.saveEditHistory({ photoId, history: h as EditHistory }), true);
      });
      this.#historySavers.set(photoId, saver);
    }
    saver.offer(history);
  }

  #syncHistory(): void {
    this.canUndo = this.#history.canUndo;
    this.canRedo = this.#history.canRedo;
  }
}
