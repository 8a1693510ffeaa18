// Builds a folder of test photos: drawn faces on varied backgrounds, JPEGs with EXIF
// (camera, date and GPS), plus one file that is not an image at all.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export interface FixtureFace {
  cx: number;
  cy: number;
  r: number;
  skin: string;
}

export interface FixturePhoto {
  file: string;
  width: number;
  height: number;
  faces: FixtureFace[];
}

const SKINS = ['#e8b48f', '#c98b62', '#8d5a3b', '#f1c9a5', '#b07850', '#d9a27c'];
const SKIES = [
  ['#2b4c7e', '#8fb6d9'],
  ['#5a3e6b', '#d99a7a'],
  ['#1f3b2f', '#7fa88a'],
  ['#3a3a46', '#a7a7b8'],
  ['#6b4a2b', '#e0c08f'],
];

function faceSvg(f: FixtureFace): string {
  const { cx, cy, r, skin } = f;
  return `
  <ellipse cx="${cx}" cy="${cy + r * 0.05}" rx="${r * 0.8}" ry="${r}" fill="${skin}"/>
  <path d="M${cx - r * 0.85} ${cy - r * 0.25} Q${cx} ${cy - r * 1.45} ${cx + r * 0.85} ${cy - r * 0.25} Q${cx} ${cy - r * 0.9} ${cx - r * 0.85} ${cy - r * 0.25}Z" fill="#2a1d17"/>
  <ellipse cx="${cx - r * 0.3}" cy="${cy - r * 0.05}" rx="${r * 0.12}" ry="${r * 0.08}" fill="#fff"/>
  <ellipse cx="${cx + r * 0.3}" cy="${cy - r * 0.05}" rx="${r * 0.12}" ry="${r * 0.08}" fill="#fff"/>
  <circle cx="${cx - r * 0.3}" cy="${cy - r * 0.05}" r="${r * 0.06}" fill="#2d2018"/>
  <circle cx="${cx + r * 0.3}" cy="${cy - r * 0.05}" r="${r * 0.06}" fill="#2d2018"/>
  <path d="M${cx} ${cy + r * 0.05} L${cx - r * 0.08} ${cy + r * 0.3} L${cx + r * 0.06} ${cy + r * 0.32}" fill="none" stroke="#7a4b33" stroke-width="${r * 0.03}"/>
  <path d="M${cx - r * 0.28} ${cy + r * 0.5} Q${cx} ${cy + r * 0.62} ${cx + r * 0.28} ${cy + r * 0.5}" fill="none" stroke="#8c3b3b" stroke-width="${r * 0.06}" stroke-linecap="round"/>`;
}

function photoSvg(width: number, height: number, faces: FixtureFace[], i: number): string {
  const [top, bottom] = SKIES[i % SKIES.length]!;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#g)"/>
  <circle cx="${width * 0.85}" cy="${height * 0.18}" r="${height * 0.08}" fill="#fff3c4" opacity="0.8"/>
  <rect y="${height * 0.78}" width="100%" height="${height * 0.22}" fill="#000" opacity="0.25"/>
  ${faces.map((f) => `<rect x="${f.cx - f.r * 0.9}" y="${f.cy + f.r * 0.95}" width="${f.r * 1.8}" height="${height}" rx="${f.r * 0.5}" fill="#334"/>`).join('')}
  ${faces.map(faceSvg).join('')}
</svg>`;
}

/** Writes `count` photos (some with two faces) and `bad.jpg` into dir; returns the photos. */
export async function makeFixtureFolder(dir: string, count = 6): Promise<FixturePhoto[]> {
  mkdirSync(dir, { recursive: true });
  const photos: FixturePhoto[] = [];
  for (let i = 0; i < count; i++) {
    const width = 960;
    const height = 640;
    const two = i % 2 === 1;
    const faces: FixtureFace[] = two
      ? [
          { cx: 330, cy: 300, r: 110, skin: SKINS[i % SKINS.length]! },
          { cx: 640, cy: 320, r: 100, skin: SKINS[(i + 3) % SKINS.length]! },
        ]
      : [{ cx: 470 + (i % 3) * 20, cy: 300, r: 140, skin: SKINS[i % SKINS.length]! }];
    const file = join(dir, `portrait-${String(i + 1).padStart(2, '0')}.jpg`);
    await sharp(Buffer.from(photoSvg(width, height, faces, i)))
      .jpeg({ quality: 90 })
      .withExif({
        IFD0: { Make: 'GlowCam', Model: 'Test 1', Copyright: 'Glow Studio tests' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' },
      })
      .toFile(file);
    photos.push({ file, width, height, faces });
  }
  writeFileSync(join(dir, 'bad.jpg'), 'this is not a JPEG, it is a text file with the wrong name\n');
  return photos;
}
