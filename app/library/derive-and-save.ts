// Derive a user attribute from the faces tagged with it and store it in the library: shared
// by the CLI's `derive` and the studio's "Derive attribute" dialog. A derived direction lives
// in one model's latent space; after a switch of model (or an update of the shipped one),
// derivedAttributes derives the user's attributes again from their tags.
import type { GlowEngine } from '../engine/engine.js';
import { deriveAttribute, type DeriveInput, type DeriveResult } from './derive.js';
import { faceLatent } from './face-latents.js';
import type { AttributeRecord, Library } from './library.js';

export interface DeriveAndSaveOptions {
  projectOut?: DeriveInput['projectOut'];
  lambda?: number;
  method?: DeriveInput['method'];
}

export async function deriveAndSave(library: Library, engine: GlowEngine, name: string, options: DeriveAndSaveOptions = {}): Promise<DeriveResult> {
  const tagged = library.tagged(name);
  if (!tagged.length) {
    throw new RangeError(`no faces are tagged '${name}': tag faces that have it and faces that do not, then derive`);
  }
  // In tag order, one at a time: faces another model encoded are encoded again on the way.
  const eps: Float32Array[] = [];
  for (const t of tagged) eps.push((await faceLatent(library, engine, t.faceId)).eps);
  const result = deriveAttribute({
    positives: eps.filter((_, i) => tagged[i]!.has),
    negatives: eps.filter((_, i) => !tagged[i]!.has),
    ...(options.projectOut ? { projectOut: options.projectOut } : {}),
    ...(options.lambda !== undefined ? { lambda: options.lambda } : {}),
    ...(options.method ? { method: options.method } : {}),
  });
  library.saveAttribute({
    name,
    modelId: engine.latentKey,
    source: 'derived',
    direction: result.direction,
    positives: result.positives,
    negatives: result.negatives,
    quality: {
      method: result.method,
      meanDiffAccuracy: result.meanDiffAccuracy,
      classifierAccuracy: result.classifierAccuracy,
      projectedOut: result.projectedOut,
      warnings: result.warnings,
    },
  });
  return result;
}

/** The user's derived attributes in the running model's latent space. One derived only for
 * another model is derived again from its tags, with the same method and the same attributes
 * projected out (`known`: the directions that can be projected out, by name); one whose tags
 * are gone is left out. */
export async function derivedAttributes(library: Library, engine: GlowEngine, known: () => Promise<Record<string, Float32Array>>): Promise<AttributeRecord[]> {
  let table: Record<string, Float32Array> | undefined; // read only when one is derived again
  for (const old of library.derivedForOtherModels(engine.latentKey)) {
    if (!library.tagged(old.name).length) continue;
    const directions = (table ??= await known());
    const projectOut = (old.quality.projectedOut ?? []).filter((n) => directions[n]).map((n) => ({ name: n, direction: directions[n]! }));
    const method = old.quality.method === 'ridge' || old.quality.method === 'mean' ? old.quality.method : undefined;
    await deriveAndSave(library, engine, old.name, { projectOut, ...(method ? { method } : {}) });
  }
  return library.attributes(engine.latentKey).filter((a) => a.source === 'derived');
}
