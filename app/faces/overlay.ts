// Draws detected faces (box, five landmarks, score) over a photo and writes a PNG.
import sharp from 'sharp';
import type { RgbImage } from '../imaging/decode.js';
import type { Face } from './types.js';

function svgFor(faces: readonly Face[], width: number, height: number): string {
  const stroke = Math.max(2, Math.round(Math.max(width, height) / 600));
  const shapes = faces.map((f, i) => {
    const { x, y, width: w, height: h } = f.box;
    const r = Math.max(2, w / 40);
    const l = f.landmarks;
    const dots = [l.leftEye, l.rightEye, l.nose, l.mouthLeft, l.mouthRight]
      .map(([px, py], k) => `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="${r.toFixed(1)}" fill="${k < 2 ? '#00e5ff' : k === 2 ? '#ffd400' : '#ff3d7f'}"/>`)
      .join('');
    const font = Math.max(12, Math.round(w / 8));
    return (
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="none" stroke="#39ff14" stroke-width="${stroke}"/>` +
      dots +
      `<text x="${x.toFixed(1)}" y="${(y - stroke * 2).toFixed(1)}" font-size="${font}" font-family="sans-serif" fill="#39ff14">${i + 1}: ${f.score.toFixed(2)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}

export async function writeOverlayPng(file: string, image: RgbImage, faces: readonly Face[]): Promise<void> {
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .composite([{ input: Buffer.from(svgFor(faces, image.width, image.height)), top: 0, left: 0 }])
    .png()
    .toFile(file);
}
