// Derive a user attribute from the faces tagged with it and store it in the library: shared
// by the CLI's `derive` and the studio's "Derive attribute" dialog.
import { deriveAttribute, type DeriveInput, type DeriveResult } from './derive.js';
import type { Library } from './library.js';

export interface DeriveAndSaveOptions {
  projectOut?: DeriveInput['projectOut'];
  lambda?: number;
  method?: DeriveInput['method'];
}

export function deriveAndSave(library: Library, modelId: string, epsSize: number, name: string, options: DeriveAndSaveOptions = {}): DeriveResult {
  const tagged = library.tagged(name, modelId);
  if (!tagged.length) {
    throw new RangeError(`no faces of model ${modelId} are tagged '${name}': tag faces that have it and faces that do not, then derive`);
  }
  const eps = (id: number) => library.faceEps(id, epsSize);
  const result = deriveAttribute({
    positives: tagged.filter((t) => t.has).map((t) => eps(t.faceId)),
    negatives: tagged.filter((t) => !t.has).map((t) => eps(t.faceId)),
    ...(options.projectOut ? { projectOut: options.projectOut } : {}),
    ...(options.lambda !== undefined ? { lambda: options.lambda } : {}),
    ...(options.method ? { method: options.method } : {}),
  });
  library.saveAttribute({
    name,
    modelId,
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
