// For the library's tests: a face row as the face finder gives one, a library file opened for
// one piece of work and closed whatever happens, and the fixture model with the face finder.
import { join } from 'node:path';
import { after, before } from 'node:test';
import { FIXTURE_BUNDLE, packageRoot } from '../engine/default-bundle.js';
import { GlowEngine } from '../engine/engine.js';
import { FaceDetector } from '../faces/detect.js';
import { Library } from './library.js';

export function testFace(eps: Float32Array = new Float32Array(12)) {
  return {
    box: { x: 10, y: 20, width: 100, height: 120 },
    landmarks: { leftEye: [40, 60], rightEye: [80, 60], nose: [60, 80], mouthLeft: [45, 100], mouthRight: [75, 100] } as const,
    transform: [1, 0, 0, 0, 1, 0] as const,
    score: 0.98,
    eps,
  };
}

/** Runs `work` on the library file `name` in `dir` (new, unless an earlier call made it). */
export function withLibrary(dir: string, name: string, work: (lib: Library) => void): void {
  const lib = Library.open(join(dir, name));
  try {
    work(lib);
  } finally {
    lib.close();
  }
}

/** The fixture model and the face finder for a test file: opened before its tests, closed after. */
export function fixtureModels(): { readonly engine: GlowEngine; readonly detector: FaceDetector } {
  const models = {} as { engine: GlowEngine; detector: FaceDetector };
  before(async () => {
    models.engine = await GlowEngine.open(join(packageRoot(), FIXTURE_BUNDLE), { device: 'cpu' });
    models.detector = await FaceDetector.open();
  });
  after(async () => {
    await models.detector?.close();
    await models.engine?.close();
  });
  return models;
}
