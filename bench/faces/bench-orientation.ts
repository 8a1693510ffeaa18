// How well a model tells a photo turned upside down from the photo as it is
// (app/engine/face-orientation.ts), and what the check costs. Each photo is run as it is and
// turned half a turn: the face finder reads most upside-down faces as upright, and the check
// should then say "upside down" for the photo, and never for the photo as it is. The cost is
// the encoder time of the faces with the check against without it, in the same run.
//
//   node --import tsx bench/faces/bench-orientation.ts [--bundle models/bundles/face-64]
//        [--photos ../shared/data/faces/celeba] [--count 200] [--record]
//
// --record writes the figures into the bundle's manifest.json as orientation_check, which turns
// the check on for that model, if it tells them apart well enough (no photo as it is taken for
// upside down, and at least MIN_CAUGHT of the upside-down photos whose faces were found);
// otherwise it removes any earlier record. The manifest is not part of the model's latent key.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SHIPPED_BUNDLES, packageRoot } from '../../app/engine/default-bundle.js';
import { GlowEngine } from '../../app/engine/engine.js';
import { UPSIDE_DOWN_MARGIN, looksUpsideDown, measureUprightMargins } from '../../app/engine/face-orientation.js';
import { pixelsToModel } from '../../app/engine/pixels.js';
import { FaceDetector } from '../../app/faces/detect.js';
import { decodeImage } from '../../app/imaging/decode.js';
import { alignScaled, detectScaled } from '../../app/jobs/big-photo.js';
import { defaultMinFace } from '../../app/faces/face-size.js';

/** The share of upside-down photos with faces found that the check must catch to be recorded. */
const MIN_CAUGHT = 0.8;

const { values } = parseArgs({
  options: { bundle: { type: 'string' }, photos: { type: 'string' }, count: { type: 'string' }, record: { type: 'boolean' } },
});
const bundle = resolve(values.bundle ?? join(packageRoot(), SHIPPED_BUNDLES[0]!));
const photosDir = resolve(values.photos ?? join(packageRoot(), '..', 'shared', 'data', 'faces', 'celeba'));
const count = Number(values.count ?? 200);
// The last photos of the folder: CelebA's highest numbers, which its own split holds out.
const files = readdirSync(photosDir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().slice(-count);
if (!files.length) throw new Error(`${photosDir}: no photos`);

const engine = await GlowEngine.open(bundle, { device: 'cpu' });
if (!engine.measuresDensity) throw new Error(`${bundle}: its encoder gives no bits/dim (export it again: python models/bundle_model.py --bundle ${bundle} --reexport)`);
const detector = await FaceDetector.open();
const size = engine.manifest.image_size;

interface Side {
  photos: number;
  withFaces: number;
  faces: number;
  saidUpsideDown: number;
  margins: number[];
}
const side = (): Side => ({ photos: 0, withFaces: 0, faces: 0, saidUpsideDown: 0, margins: [] });
const asIs = side();
const turned = side();
let checkedMs = 0;
let plainMs = 0;

for (const file of files) {
  for (const [turns, s] of [[0, asIs], [2, turned]] as const) {
    const image = await decodeImage(join(photosDir, file), { turns });
    const faces = await detectScaled(detector, image, defaultMinFace(image.width, image.height));
    const crops = await Promise.all(
      faces.map(async (f) => {
        const aligned = await alignScaled(image, f.landmarks, size);
        return { pixels: pixelsToModel(aligned.pixels, size), nativeSize: aligned.nativeSize };
      }),
    );
    s.photos++;
    if (!crops.length) continue;
    s.withFaces++;
    s.faces += crops.length;
    let t0 = performance.now();
    // Every face's margin, for the figures; the photo is judged as the studio judges it.
    const all = (await measureUprightMargins(engine, crops, {}, Infinity)).map((m) => m.uprightMargin!);
    s.margins.push(...all);
    t0 = performance.now();
    const studio = (await measureUprightMargins(engine, crops)).map((m) => m.uprightMargin);
    checkedMs += performance.now() - t0;
    t0 = performance.now();
    await Promise.all(crops.map((c) => engine.encode(c.pixels)));
    plainMs += performance.now() - t0;
    if (looksUpsideDown(studio)) s.saidUpsideDown++;
  }
}
await detector.close();
await engine.close();

const quantiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return [0, 0.05, 0.5, 0.95, 1].map((q) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(4) : '-')).join(' / ');
};
console.log(`model ${engine.manifest.model_id} (${bundle}); ${files.length} photos from ${photosDir}; margin ${UPSIDE_DOWN_MARGIN} bits/dim`);
console.log('photos           with faces  faces  said upside down  face margins min / 5% / median / 95% / max');
for (const [name, s] of [['as they are', asIs], ['turned 180', turned]] as const) {
  console.log(`${name.padEnd(16)} ${String(s.withFaces).padStart(10)}  ${String(s.faces).padStart(5)}  ${String(s.saidUpsideDown).padStart(16)}  ${quantiles(s.margins)}`);
}
const caught = turned.withFaces ? turned.saidUpsideDown / turned.withFaces : 0;
console.log(`false alarms: ${asIs.saidUpsideDown} of ${asIs.withFaces} photos as they are; caught: ${turned.saidUpsideDown} of ${turned.withFaces} turned photos with faces found (${(100 * caught).toFixed(0)}%); ${turned.photos - turned.withFaces} turned photos had no face found`);
console.log(`encoder time for the same faces: ${(checkedMs / 1000).toFixed(1)} s with the check, ${(plainMs / 1000).toFixed(1)} s without: ${(checkedMs / plainMs).toFixed(2)}x (CPU)`);

if (values.record) {
  const manifestPath = join(bundle, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const works = asIs.saidUpsideDown === 0 && caught >= MIN_CAUGHT;
  if (works) {
    manifest.orientation_check = {
      margin: UPSIDE_DOWN_MARGIN,
      measured_with: 'bench/faces/bench-orientation.ts',
      photos: `${files.length} from ${photosDir.split(/[\\/]/).slice(-2).join('/')} (the last by name), as they are and turned 180 degrees`,
      as_they_are: { with_faces: asIs.withFaces, said_upside_down: asIs.saidUpsideDown, smallest_face_margin: Math.min(...asIs.margins) },
      turned: { with_faces: turned.withFaces, said_upside_down: turned.saidUpsideDown, no_face_found: turned.photos - turned.withFaces },
    };
  } else delete manifest.orientation_check;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(works ? `recorded in ${manifestPath}: the check is on for this model` : `not recorded: this model does not tell them apart well enough; the check is off for it`);
}
