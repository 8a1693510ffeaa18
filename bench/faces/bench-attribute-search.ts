// How well a model's built-in attribute directions find faces that have an attribute, when the
// library is searched by attribute (app/library/attribute-search.ts): a face has it when its
// eps, projected on the direction, is past the threshold halfway between the projections of
// the mean face with and without it. Photos go through the studio's own path (decode, find
// faces, align, encode with onnxruntime), the largest face of each photo counting.
//
//   node --import tsx bench/faces/bench-attribute-search.ts [--bundle models/bundles/face-64]
//        [--celeba ../shared/data/faces/celeba] [--utkface ../shared/data/faces/utkface]
//        [--calibrate 3000] [--record]
//
// Thresholds come from --calibrate photos of each source, evenly spread over the training split
// (each source's first 95% by file name, as models/prepare_aligned.py splits them); the figures
// from the held-out 5%, which neither the model nor its directions saw. --record writes each
// attribute's threshold and figures into the bundle's attributes.json (and its hash into
// manifest.json), for the attributes that have at least MIN_HELD_OUT held-out faces on each
// side and a balanced accuracy of at least MIN_BALANCED: those the library offers to search by.
// It then checks the studio's estimate of how many of the faces a search finds are right
// (attribute-search.ts likelyRight) against the labels: see checkLikelyRight below.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CELEBA_ATTR_FILE, parseCelebaAttributes, parseUtkFaceName } from '../../app/cli/dataset-labels.js';
import { SHIPPED_BUNDLES, packageRoot } from '../../app/engine/default-bundle.js';
import { GlowEngine } from '../../app/engine/engine.js';
import { pixelsToModel } from '../../app/engine/pixels.js';
import { FaceDetector } from '../../app/faces/detect.js';
import { decodeImage } from '../../app/imaging/decode.js';
import { alignScaled, detectScaled } from '../../app/jobs/big-photo.js';
import { defaultMinFace } from '../../app/faces/face-size.js';
import { attributeMargin, likelyRight } from '../../app/library/attribute-search.js';
import { ATTRIBUTES_BIN, ATTRIBUTES_JSON } from '../../app/library/builtin-attributes.js';
import { decodeFloat32 } from '../../app/library/float16.js';

const MIN_HELD_OUT = 10;
const MIN_BALANCED = 0.75;
const HELD_OUT_SHARE = 0.05;

const { values } = parseArgs({
  options: {
    bundle: { type: 'string' },
    celeba: { type: 'string' },
    utkface: { type: 'string' },
    calibrate: { type: 'string' },
    record: { type: 'boolean' },
  },
});
const shared = join(packageRoot(), '..', 'shared', 'data', 'faces');
const bundle = resolve(values.bundle ?? join(packageRoot(), SHIPPED_BUNDLES[0]!));
const celebaDir = resolve(values.celeba ?? join(shared, 'celeba'));
const utkDir = resolve(values.utkface ?? join(shared, 'utkface'));
const calibrateCount = Number(values.calibrate ?? 3000);

/** 1: has the attribute, 0: has not, undefined: neither (no label, or outside both groups). */
type Labeller = (file: string) => number | undefined;

interface AttributeRecord {
  name: string;
  source?: string;
}
const doc = JSON.parse(readFileSync(join(bundle, ATTRIBUTES_JSON), 'utf8')) as { eps_size: number; attributes: AttributeRecord[]; search_measured_with?: string } & Record<string, unknown>;
const vectors = decodeFloat32(readFileSync(join(bundle, ATTRIBUTES_BIN)));
const epsSize = doc.eps_size;

const celebaLabels = parseCelebaAttributes(readFileSync(join(celebaDir, CELEBA_ATTR_FILE), 'utf8'), join(celebaDir, CELEBA_ATTR_FILE));
function labeller(name: string): { source: 'celeba' | 'utkface'; label: Labeller } | undefined {
  const column = celebaLabels.columns.indexOf(name);
  if (column >= 0) return { source: 'celeba', label: (f) => { const row = celebaLabels.of(f); return row ? Number(row[column]) : undefined; } };
  // The groups models/attributes.py took for UTKFace's two directions.
  if (name === 'Age') return { source: 'utkface', label: (f) => { const age = Number(parseUtkFaceName(f)?.[0]); return age >= 50 ? 1 : age >= 18 && age <= 35 ? 0 : undefined; } };
  if (name === 'Female') return { source: 'utkface', label: (f) => { const g = parseUtkFaceName(f)?.[1]; return g === undefined ? undefined : Number(g); } };
  return undefined;
}

function photosOf(dir: string): { calibrate: string[]; heldOut: string[] } {
  const files = readdirSync(dir).filter((f) => /\.jpe?g$/i.test(f)).sort();
  const trainCount = Math.round(files.length * (1 - HELD_OUT_SHARE));
  const train = files.slice(0, trainCount);
  const step = Math.max(1, train.length / calibrateCount);
  const calibrate = Array.from({ length: Math.min(calibrateCount, train.length) }, (_, i) => train[Math.floor(i * step)]!);
  return { calibrate, heldOut: files.slice(trainCount) };
}

const engine = await GlowEngine.open(bundle, { device: 'cpu' });
const detector = await FaceDetector.open();
const size = engine.manifest.image_size;

/** The eps of each photo's largest face (photos without a face are left out). */
async function encodeLargestFaces(dir: string, files: string[], what: string): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  const t0 = performance.now();
  const CHUNK = 8;
  for (let i = 0; i < files.length; i += CHUNK) {
    await Promise.all(
      files.slice(i, i + CHUNK).map(async (file) => {
        const image = await decodeImage(join(dir, file));
        const faces = await detectScaled(detector, image, defaultMinFace(image.width, image.height));
        const face = faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
        if (!face) return;
        const aligned = await alignScaled(image, face.landmarks, size);
        out.set(file, await engine.encode(pixelsToModel(aligned.pixels, size)));
      }),
    );
    if ((i / CHUNK) % 50 === 0) console.error(`${what}: ${Math.min(i + CHUNK, files.length)}/${files.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return out;
}

const sources = { celeba: { dir: celebaDir, ...photosOf(celebaDir) }, utkface: { dir: utkDir, ...photosOf(utkDir) } };
const eps = {
  celeba: { calibrate: await encodeLargestFaces(celebaDir, sources.celeba.calibrate, 'CelebA, calibration'), heldOut: await encodeLargestFaces(celebaDir, sources.celeba.heldOut, 'CelebA, held out') },
  utkface: { calibrate: await encodeLargestFaces(utkDir, sources.utkface.calibrate, 'UTKFace, calibration'), heldOut: await encodeLargestFaces(utkDir, sources.utkface.heldOut, 'UTKFace, held out') },
};
await detector.close();
await engine.close();

interface Figures {
  threshold: number;
  held_out: { positives: number; negatives: number; found: number; false_alarms: number; balanced_accuracy: number };
}
const results = new Map<string, Figures>();
console.log(`model ${engine.manifest.model_id} (${bundle}); calibration: ${eps.celeba.calibrate.size} CelebA + ${eps.utkface.calibrate.size} UTKFace faces of the training split; held out: ${eps.celeba.heldOut.size} CelebA + ${eps.utkface.heldOut.size} UTKFace faces`);
console.log('attribute             threshold   held out +/-    found  false alarms  balanced accuracy');
/** Each attribute's threshold and its labelled held-out faces, in file order, for checkLikelyRight. */
const labelled = new Map<string, { threshold: number; faces: { label: number; margin: number }[] }>();
doc.attributes.forEach((a, i) => {
  const labels = labeller(a.name);
  if (!labels) return;
  const d = vectors.subarray(i * epsSize, (i + 1) * epsSize);
  const byClass = (faces: Map<string, Float32Array>) => {
    const pos: number[] = [];
    const neg: number[] = [];
    for (const [file, e] of faces) {
      const l = labels.label(file);
      const projected = attributeMargin(e, { direction: d, threshold: 0 });
      if (l === 1) pos.push(projected);
      else if (l === 0) neg.push(projected);
    }
    return { pos, neg };
  };
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const cal = byClass(eps[labels.source].calibrate);
  if (!cal.pos.length || !cal.neg.length) return;
  const threshold = (mean(cal.pos) + mean(cal.neg)) / 2;
  const held = byClass(eps[labels.source].heldOut);
  labelled.set(a.name, {
    threshold,
    faces: [...eps[labels.source].heldOut].flatMap(([file, e]) => {
      const label = labels.label(file);
      return label === undefined ? [] : [{ label, margin: attributeMargin(e, { direction: d, threshold: 0 }) }];
    }),
  });
  const found = held.pos.filter((s) => s > threshold).length;
  const falseAlarms = held.neg.filter((s) => s > threshold).length;
  const balanced = held.pos.length && held.neg.length ? (found / held.pos.length + 1 - falseAlarms / held.neg.length) / 2 : NaN;
  results.set(a.name, {
    threshold: Number(threshold.toPrecision(6)),
    held_out: { positives: held.pos.length, negatives: held.neg.length, found, false_alarms: falseAlarms, balanced_accuracy: Number(balanced.toFixed(3)) },
  });
  console.log(
    `${a.name.padEnd(20)} ${threshold.toFixed(2).padStart(10)}  ${`${held.pos.length}/${held.neg.length}`.padStart(13)}  ${String(found).padStart(7)}  ${String(falseAlarms).padStart(12)}  ${Number.isNaN(balanced) ? '-' : balanced.toFixed(3)}`,
  );
});

const searchable = [...results].filter(([, f]) => f.held_out.positives >= MIN_HELD_OUT && f.held_out.negatives >= MIN_HELD_OUT && f.held_out.balanced_accuracy >= MIN_BALANCED);
console.log(`searchable (${MIN_HELD_OUT}+ held-out faces each side, balanced accuracy ${MIN_BALANCED}+): ${searchable.length} of ${doc.attributes.length}: ${searchable.map(([n]) => n).join(', ')}`);

/**
 * The studio shows how many of the faces a search finds are likely right in the user's library
 * (likelyRight), from the share of its faces read that way and the rates measured on held-out
 * faces. Checked here against the labels: the rates come from every other held-out face (by
 * name); the rest are the library, as it is and with three in four of its faces with the
 * attribute left out (a rarer trait, the case where the balanced accuracy misleads most).
 * Prints, per library, the share of the faces found that are actually right, the estimate, and
 * the balanced accuracy of the rates' half (what the studio showed before).
 */
function checkLikelyRight(names: readonly string[]): void {
  console.log('\nhow many of the faces found are right: actual, the estimate (likelyRight), the balanced accuracy');
  console.log('attribute             library           faces  found  actually right  estimate  balanced accuracy');
  const errors = { estimate: [] as number[], balanced: [] as number[] };
  for (const name of names) {
    const { threshold, faces } = labelled.get(name)!;
    const [half, library] = [faces.filter((_, i) => i % 2 === 0), faces.filter((_, i) => i % 2 === 1)];
    const rate = (label: number) => {
      const side = half.filter((f) => f.label === label);
      return side.filter((f) => f.margin > threshold).length / Math.max(1, side.length);
    };
    const rates = { found: rate(1), falseAlarms: rate(0) };
    const balanced = (rates.found + 1 - rates.falseAlarms) / 2;
    let withIt = 0;
    const rarer = library.filter((f) => f.label === 0 || withIt++ % 4 === 0);
    for (const [what, faces] of [['as it is', library], ['1 in 4 with it', rarer]] as const) {
      const found = faces.filter((f) => f.margin > threshold);
      const estimate = likelyRight({ read: faces.length, found: found.length, tagged: 0 }, rates, true);
      if (!found.length || estimate === undefined) continue;
      const actual = found.filter((f) => f.label === 1).length / found.length;
      errors.estimate.push(Math.abs(estimate - actual));
      errors.balanced.push(Math.abs(balanced - actual));
      const pct = (x: number) => `${Math.round(x * 100)}%`.padStart(4);
      console.log(`${name.padEnd(20)}  ${what.padEnd(15)} ${String(faces.length).padStart(6)} ${String(found.length).padStart(6)}  ${pct(actual).padStart(14)}  ${pct(estimate).padStart(8)}  ${pct(balanced).padStart(17)}`);
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  console.log(
    `mean distance from the share actually right, over ${errors.estimate.length} libraries: the estimate ${(100 * mean(errors.estimate)).toFixed(1)} points, ` +
      `the balanced accuracy ${(100 * mean(errors.balanced)).toFixed(1)} points`,
  );
}
checkLikelyRight(searchable.map(([name]) => name));

if (values.record) {
  const keep = new Map(searchable);
  for (const a of doc.attributes as (AttributeRecord & { search?: Figures })[]) {
    const f = keep.get(a.name);
    if (f) a.search = f;
    else delete a.search;
  }
  doc.search_measured_with =
    `bench/faces/bench-attribute-search.ts: thresholds from ${eps.celeba.calibrate.size} CelebA and ${eps.utkface.calibrate.size} UTKFace photos of the training split, ` +
    `figures from the last ${HELD_OUT_SHARE * 100}% of each folder by name (${eps.celeba.heldOut.size} CelebA, ${eps.utkface.heldOut.size} UTKFace faces)`;
  const json = JSON.stringify(doc, null, 2) + '\n';
  writeFileSync(join(bundle, ATTRIBUTES_JSON), json);
  const manifestPath = join(bundle, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.files.attributes.sha256 = createHash('sha256').update(json).digest('hex');
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`recorded in ${join(bundle, ATTRIBUTES_JSON)}: ${searchable.length} attributes can be searched by`);
}
