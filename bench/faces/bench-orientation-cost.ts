// What the upside-down check (app/engine/face-orientation.ts) costs an import and a batch: the
// same generated photos imported into a fresh library and batch-edited, with the model's check
// on and off, side by side in one run (off: a copy of the bundle whose manifest has no
// orientation_check). Rounds alternate off, on, off, on..., so a drift of the machine's speed
// hits both alike; photos per minute are the medians over the rounds.
//
//   node --import tsx bench/faces/bench-orientation-cost.ts [--bundle models/bundles/face-64]
//        [--count 20] [--rounds 3] [--width 2000 --height 1500]
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SHIPPED_BUNDLES, packageRoot } from '../../app/engine/default-bundle.js';
import { GlowEngine } from '../../app/engine/engine.js';
import { checksOrientation } from '../../app/engine/face-orientation.js';
import { FaceDetector } from '../../app/faces/detect.js';
import { BatchRunner, createBatchJob } from '../../app/jobs/batch.js';
import { batchContext } from '../../app/jobs/batch-context.js';
import { ExportOptions } from '../../app/jobs/export.js';
import { resolveAttributes } from '../../app/jobs/recipe.js';
import { writeTestPhoto } from '../../app/jobs/test-photos.js';
import { loadBuiltinAttributes } from '../../app/library/builtin-attributes.js';
import { importFolder } from '../../app/library/import.js';
import { Library } from '../../app/library/library.js';

const { values } = parseArgs({
  options: {
    bundle: { type: 'string' },
    count: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    width: { type: 'string', default: '2000' },
    height: { type: 'string', default: '1500' },
  },
});
const count = Number(values.count);
const rounds = Number(values.rounds);
const [width, height] = [Number(values.width), Number(values.height)];
const bundleOn = resolve(values.bundle ?? join(packageRoot(), SHIPPED_BUNDLES[0]!));

const work = mkdtempSync(join(tmpdir(), 'glow-bench-orientation-'));
const photos = join(work, 'photos');
mkdirSync(photos);
for (let i = 0; i < count; i++) await writeTestPhoto(join(photos, `photo-${String(i).padStart(3, '0')}.jpg`), { width, height, faces: [1, 3], seed: 7 }, i);
// The same model with the check off: its manifest without the record that turns it on.
const bundleOff = join(work, 'bundle-off');
cpSync(bundleOn, bundleOff, { recursive: true });
const manifest = JSON.parse(readFileSync(join(bundleOff, 'manifest.json'), 'utf8'));
delete manifest.orientation_check;
writeFileSync(join(bundleOff, 'manifest.json'), JSON.stringify(manifest, null, 2));

const detector = await FaceDetector.open();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  return Number.isInteger(mid) ? (s[mid - 1]! + s[mid]!) / 2 : s[Math.floor(mid)]!;
};

/** Photos per minute: importing the folder into a fresh library, then batch-editing it. */
async function run(bundleDir: string, round: number): Promise<{ check: boolean; importRate: number; batchRate: number }> {
  const engine = await GlowEngine.open(bundleDir, { device: 'cpu' });
  const lib = Library.open(join(work, `lib-${round}-${bundleDir === bundleOn ? 'on' : 'off'}.sqlite`));
  try {
    let t0 = performance.now();
    await importFolder(lib, photos, engine, detector);
    const importRate = (60 * count * 1000) / (performance.now() - t0);
    const builtin = (await loadBuiltinAttributes(bundleDir, engine.manifest)) ?? [];
    const sliders = { [builtin[0]!.name]: 0.6 };
    const out = join(work, `out-${round}-${bundleDir === bundleOn ? 'on' : 'off'}`);
    const { jobId } = await createBatchJob(lib, { source: photos, out, recipe: { sliders }, bundle: bundleDir, modelId: engine.latentKey, export: ExportOptions.parse({}) });
    const directions = (wanted: readonly string[]) => resolveAttributes(wanted, builtin, [], { bundleDir, modelId: engine.manifest.model_id }).directions;
    const { context } = await batchContext(lib, jobId, { engine, detector, directions });
    t0 = performance.now();
    const s = await new BatchRunner(lib, jobId, context).run();
    if (s.counts.done !== count) throw new Error(`batch: ${s.counts.done} of ${count} done`);
    return { check: checksOrientation(engine), importRate, batchRate: (60 * count * 1000) / (performance.now() - t0) };
  } finally {
    lib.close();
    await engine.close();
  }
}

const results: Record<'on' | 'off', { importRate: number[]; batchRate: number[] }> = { on: { importRate: [], batchRate: [] }, off: { importRate: [], batchRate: [] } };
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, dir] of [['off', bundleOff], ['on', bundleOn]] as const) {
      const r = await run(dir, round);
      if (r.check !== (name === 'on')) throw new Error(`${dir}: the check is ${r.check ? 'on' : 'off'}, expected ${name} (is the bundle's check recorded? bench/faces/bench-orientation.ts --record)`);
      results[name].importRate.push(r.importRate);
      results[name].batchRate.push(r.batchRate);
      process.stderr.write(`round ${round + 1}: check ${name}: import ${r.importRate.toFixed(1)}/min, batch ${r.batchRate.toFixed(1)}/min\n`);
    }
  }
} finally {
  await detector.close();
  rmSync(work, { recursive: true, force: true });
}
console.log(`\n${count} photos ${width}x${height}, 1 to 3 faces each; model ${manifest.model_id}; CPU: ${cpus()[0]?.model ?? '?'} x ${availableParallelism()}; medians of ${rounds} rounds`);
for (const stage of ['importRate', 'batchRate'] as const) {
  const [off, on] = [median(results.off[stage]), median(results.on[stage])];
  console.log(`${stage === 'importRate' ? 'import' : 'batch '}: ${off.toFixed(1)} photos/min with the check off, ${on.toFixed(1)} with it on: ${(off / on).toFixed(2)}x the time`);
}
