// What a batch job's runner edits each photo with, built the same way by the studio and the
// command line: the job's spec, the directions its recipe's sliders name, the mix partner's
// latent, the smallest face to edit, the turns the user gave photos in the library, and which
// faces to edit where the batch takes only some. How a slider name finds its direction is the
// caller's: the studio looks names up exactly, the CLI also takes aliases (resolveAttributes).
import type { GlowEngine } from '../engine/engine.js';
import type { SearchDirection } from '../library/attribute-search.js';
import type { FaceDetector } from '../faces/detect.js';
import type { Library } from '../library/library.js';
import { asInLibrary } from '../library/photo-pixels.js';
import { BatchSpec } from './batch.js';
import { partnerEps, type FaceEditContext } from './face-edit.js';
import { JobStore } from './job-store.js';

/** Directions by slider name, one for every name; throws on a name it does not know. */
export type DirectionLookup = (names: readonly string[]) => Record<string, Float32Array> | Promise<Record<string, Float32Array>>;

/** What the library is searched by for an attribute (attribute-search.ts searchDirection). */
export type SearchLookup = (name: string) => SearchDirection | Promise<SearchDirection>;

export interface BatchContextSources {
  engine: GlowEngine;
  detector: FaceDetector;
  directions: DirectionLookup;
  /** For a batch of only some faces (BatchSpec.faces); without it such a batch cannot run. */
  search?: SearchLookup;
}

/**
 * Reads batch job `jobId`'s spec and builds the context its BatchRunner needs. A job that was
 * just made (`fresh`, createBatchJob's `!resumed`) and cannot be set up (a mix partner photo
 * that cannot be used, say) is removed, so that it does not hold on to its planned names.
 */
export async function batchContext(library: Library, jobId: number, { engine, detector, directions, search }: BatchContextSources, { fresh = false } = {}): Promise<{ spec: BatchSpec; context: FaceEditContext }> {
  const store = new JobStore(library);
  const spec = store.job(jobId, BatchSpec).spec;
  const { sliders, mix } = spec.recipe;
  const searchFor = search ?? ((name: string) => Promise.reject(new Error(`batch job ${jobId} edits only faces by '${name}', which this runner cannot look up`)));
  try {
    const context: FaceEditContext = {
      engine,
      detector,
      directions: await directions(Object.keys(sliders)),
      sliders,
      asInLibrary: (file) => asInLibrary(library, file),
      ...(spec.minFace ? { minFaceSize: spec.minFace } : {}),
      ...(spec.smallFaces ? { smallFaces: true } : {}),
      ...(mix ? { mix: { eps: await partnerEps(mix.with, engine, detector), weights: mix.weights } } : {}),
      ...(spec.faces ? { only: { search: await searchFor(spec.faces.attribute), has: spec.faces.has } } : {}),
    };
    return { spec, context };
  } catch (err) {
    if (fresh) store.delete(jobId);
    throw err;
  }
}
