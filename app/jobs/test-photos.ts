// Photos for tests and benchmarks, made at run time with the faces fixture composer: a canvas
// with 1 to 3 copies of the astronaut's face at different places, sizes and roll angles.
// Also the broken files a batch must survive (truncated JPEG, empty file, text named .jpg).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../engine/latent.js';
import { composePhoto, type Placement } from '../faces/fixtures/compose.js';

export interface TestPhotoOptions {
  width: number;
  height: number;
  /** Faces per photo: a number, or [min, max] chosen per photo. */
  faces: number | [number, number];
  format?: 'jpeg' | 'png' | 'webp';
  seed?: number;
  /** Attach EXIF with a GPS block and the date taken (exifDate), for metadata and order tests. */
  exif?: boolean;
}

export function placements(width: number, height: number, count: number, random: () => number): Placement[] {
  const cell = width / count;
  const size = Math.round(Math.min(cell, height) * (0.3 + 0.15 * random()));
  return Array.from({ length: count }, (_, i) => ({
    size,
    x: Math.round(cell * (i + 0.5)),
    y: Math.round(height * (0.4 + 0.2 * random())),
    angle: Math.round((random() - 0.5) * 20),
  }));
}

/** The date taken of the `index`-th test photo with EXIF: days after 1 January 2020 that do
 * not follow the names' order (photo-000 0 days, photo-001 37, photo-002 74, photo-003 10...). */
export function exifDate(index: number): string {
  const day = new Date(Date.UTC(2020, 0, 1 + ((index * 37) % 101), 9, 30, index % 60));
  return day.toISOString().replace(/-/g, ':').replace('T', ' ').slice(0, 19);
}

export async function writeTestPhoto(file: string, options: TestPhotoOptions, index = 0): Promise<void> {
  const random = seededRandom((options.seed ?? 1) * 7919 + index);
  const [lo, hi] = typeof options.faces === 'number' ? [options.faces, options.faces] : options.faces;
  const count = lo + Math.floor(random() * (hi - lo + 1));
  const image = await composePhoto(options.width, options.height, placements(options.width, options.height, count, random));
  let p = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (options.exif) {
    p = p.withExif({
      IFD0: { Make: 'GlowTest', Model: 'Composer', Copyright: 'test' },
      IFD2: { DateTimeOriginal: exifDate(index) },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 0/1' },
    });
  }
  const format = options.format ?? 'jpeg';
  p = format === 'jpeg' ? p.jpeg({ quality: 90 }) : format === 'png' ? p.png() : p.webp({ quality: 90 });
  await writeFile(file, await p.toBuffer());
}

/** `count` photos named photo-000.jpg ... in `dir` (optionally spread over subfolders). */
export async function writeTestPhotos(dir: string, count: number, options: TestPhotoOptions, subfolders = 1): Promise<string[]> {
  const ext = options.format === 'png' ? '.png' : options.format === 'webp' ? '.webp' : '.jpg';
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const sub = subfolders > 1 ? join(dir, `set-${i % subfolders}`) : dir;
    await mkdir(sub, { recursive: true });
    const file = join(sub, `photo-${String(i).padStart(3, '0')}${ext}`);
    await writeTestPhoto(file, options, i);
    files.push(file);
  }
  return files;
}

/** The three bad files: a truncated JPEG, an empty file and a text file named .jpg. */
export async function writeBadPhotos(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const good = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 120, g: 90, b: 60 } } })
    .jpeg()
    .toBuffer();
  const truncated = join(dir, 'bad-truncated.jpg');
  const empty = join(dir, 'bad-empty.jpg');
  const text = join(dir, 'bad-text.jpg');
  await writeFile(truncated, good.subarray(0, Math.floor(good.length / 2)));
  await writeFile(empty, Buffer.alloc(0));
  await writeFile(text, 'this is not a photo\n');
  return [truncated, empty, text];
}
