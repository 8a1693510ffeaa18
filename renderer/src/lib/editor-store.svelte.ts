// The editor's state for one photo: the recipe of each face, the rendered face layers,
// undo/redo, and the repaint loop (one renderFace in flight per face, latest value wins,
// timed from slider input to repainted canvas as the 'slider-repaint' measure).
import type { FaceInfo, FaceLayer, PhotoDetail, Recipe } from '../../../app/api/contract.js';
import { editHistory } from './edit-history.js';
import { latestOnly, type LatestOnly } from './latest-only.js';
import type { StudioStore } from './studio-store.svelte';

export type Recipes = Record<number, Recipe>;
export type CompareMode = 'after' | 'before' | 'split';

const EMPTY: Recipe = { sliders: {}, mix: null };

function clone(r: Recipes): Recipes {
  return JSON.parse(JSON.stringify(r)) as Recipes;
}

export function isEmptyRecipe(r: Recipe | null | undefined): boolean {
  return !r || (Object.values(r.sliders ?? {}).every((v) => v === 0) && !r.mix);
}

interface RenderJob {
  faceId: number;
  recipe: Recipe;
  /** performance.now() of the oldest input this render answers. */
  since: number;
}

export class EditorStore {
  photo = $state<PhotoDetail | null>(null);
  loading = $state(false);
  faceId = $state<number | null>(null);
  recipes = $state<Recipes>({});
  layers = $state<Record<number, FaceLayer>>({});
  rendering = $state<Record<number, boolean>>({});
  compare = $state<CompareMode>('after');
  canUndo = $state(false);
  canRedo = $state(false);
  /** Repaint times in ms, newest last (for the status bar). */
  lastRepaintMs = $state<number | null>(null);

  readonly face = $derived(this.photo?.faceList.find((f) => f.id === this.faceId) ?? null);
  readonly recipe = $derived<Recipe>(this.faceId !== null ? (this.recipes[this.faceId] ?? EMPTY) : EMPTY);

  #history = editHistory<Recipes>({});
  #runners = new Map<number, LatestOnly<RenderJob>>();
  #pendingSince = new Map<number, number>();
  #paintWaiters = new Map<number, number>();
  #seq = 0;

  constructor(private readonly studio: StudioStore) {}

  async load(photoId: number): Promise<void> {
    this.loading = true;
    this.photo = null;
    this.layers = {};
    this.#runners.clear();
    const photo = await this.studio.guard('Open the photo', () => this.studio.api.getPhoto({ photoId }));
    this.loading = false;
    if (!photo || this.studio.photoId !== photoId) return;
    this.photo = photo;
    this.studio.rememberFaces(photo.faceList);
    const recipes: Recipes = {};
    for (const f of photo.faceList) recipes[f.id] = { sliders: { ...(f.recipe?.sliders ?? {}) }, mix: f.recipe?.mix ?? null };
    this.recipes = recipes;
    this.#history.reset(clone(recipes));
    this.#syncHistory();
    this.faceId = photo.faceList[0]?.id ?? null;
    for (const f of photo.faceList) if (!isEmptyRecipe(f.recipe)) this.#render(f.id, performance.now());
  }

  selectFace(faceId: number): void {
    this.faceId = faceId;
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
    const snapshot = clone($state.snapshot(this.recipes) as Recipes);
    this.#history.push(snapshot);
    this.#syncHistory();
    if (this.faceId !== null) this.#save(this.faceId);
  }

  resetSlider(name: string): void {
    this.setSlider(name, 0);
    this.commit();
  }

  resetFace(): void {
    this.#edit(() => ({ sliders: {}, mix: null }));
    this.commit();
  }

  undo(): void {
    this.#restore(this.#history.undo());
  }

  redo(): void {
    this.#restore(this.#history.redo());
  }

  updateFace(face: FaceInfo): void {
    this.studio.rememberFaces([face]);
    if (!this.photo) return;
    this.photo = { ...this.photo, faceList: this.photo.faceList.map((f) => (f.id === face.id ? face : f)) };
  }

  /** The canvas calls this once a face layer's pixels are on screen. */
  painted(faceId: number, seq: number): void {
    const since = this.#paintWaiters.get(seq);
    if (since === undefined) return;
    this.#paintWaiters.delete(seq);
    const m = performance.measure('slider-repaint', { start: since, end: performance.now(), detail: { faceId } });
    this.lastRepaintMs = Math.round(m.duration);
  }

  /** The sequence number the canvas passes back to painted() for this layer. */
  paintSeq(layer: FaceLayer): number {
    return (layer as FaceLayer & { seq?: number }).seq ?? -1;
  }

  #edit(change: (r: Recipe) => Recipe): void {
    const id = this.faceId;
    if (id === null) return;
    const now = performance.now();
    performance.mark('slider-input');
    this.recipes = { ...this.recipes, [id]: change(this.recipes[id] ?? EMPTY) };
    this.#render(id, now);
  }

  #render(faceId: number, inputAt: number): void {
    if (!this.#pendingSince.has(faceId)) this.#pendingSince.set(faceId, inputAt);
    let runner = this.#runners.get(faceId);
    if (!runner) {
      runner = latestOnly((job) => this.#renderNow(job));
      this.#runners.set(faceId, runner);
    }
    runner.offer({ faceId, recipe: $state.snapshot(this.recipes[faceId] ?? EMPTY) as Recipe, since: inputAt });
  }

  async #renderNow(job: RenderJob): Promise<void> {
    const since = this.#pendingSince.get(job.faceId) ?? job.since;
    this.#pendingSince.delete(job.faceId);
    const photoId = this.photo?.id;
    this.rendering = { ...this.rendering, [job.faceId]: true };
    if (isEmptyRecipe(job.recipe)) {
      const { [job.faceId]: _gone, ...rest } = this.layers;
      this.layers = rest;
      this.rendering = { ...this.rendering, [job.faceId]: false };
      const seq = ++this.#seq;
      this.#paintWaiters.set(seq, since);
      queueMicrotask(() => requestAnimationFrame(() => this.painted(job.faceId, seq)));
      return;
    }
    const layer = await this.studio.guard('Repaint the face', () =>
      this.studio.api.renderFace({ faceId: job.faceId, recipe: job.recipe }),
    );
    this.rendering = { ...this.rendering, [job.faceId]: false };
    if (!layer || this.photo?.id !== photoId) return;
    const seq = ++this.#seq;
    this.#paintWaiters.set(seq, since);
    this.layers = { ...this.layers, [job.faceId]: { ...layer, seq } as FaceLayer };
  }

  #restore(state: Recipes | undefined): void {
    if (!state) return;
    const before = this.recipes;
    this.recipes = clone(state);
    this.#syncHistory();
    const now = performance.now();
    for (const key of Object.keys(this.recipes)) {
      const id = Number(key);
      if (JSON.stringify(before[id]) !== JSON.stringify(this.recipes[id])) {
        this.#render(id, now);
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

  #syncHistory(): void {
    this.canUndo = this.#history.canUndo;
    this.canRedo = this.#history.canRedo;
  }
}
