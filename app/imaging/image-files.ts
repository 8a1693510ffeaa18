// Reading and writing image files with sharp. Source files are only ever read.
import { access, constants } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** Decompression-bomb guard: refuse images over this many pixels (about 268 MP). */
export const MAX_INPUT_PIXELS = 16384 * 16384;

export class ImageFileError extends Error {
  override name = 'ImageFileError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

function explain(err: unknown): string {
  const msg = (err as Error).message ?? String(err);
  if (/unsupported image format/i.test(msg)) return 'not an image sharp can read (unsupported or unknown format)';
  if (/pixel limit/i.test(msg)) return `image is larger than the ${MAX_INPUT_PIXELS}-pixel limit`;
  if (/premature end|truncated|corrupt|VipsJpeg|bad seek|Invalid PNG/i.test(msg)) return `image data is truncated or corrupt (${msg.split('\n')[0]})`;
  return msg.split('\n')[0] ?? msg;
}

/** One PNG chunk: length, type, body and the CRC over type and body. */
export function pngChunk(type: string, body: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** Reads an image as RGB, resized to size x size (aligned crops are square already). */
export async function readSquareRgb(file: string, size: number): Promise<Uint8Array> {
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImageFileError(file, code === 'ENOENT' ? 'file not found' : `cannot be read (${code})`);
  }
  try {
    const { data, info } = await sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .resize(size, size, { fit: 'cover', kernel: 'lanczos3' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (err) {
    throw new ImageFileError(file, explain(err));
  }
}

/** Tiles equally sized RGB images into one grid and writes it as PNG. */
export async function writeGridPng(
  file: string,
  tiles: readonly Uint8Array[],
  tileSize: number,
  columns: number,
  { scale = 1, gap = 2 } = {},
): Promise<void> {
  const cols = Math.max(1, Math.min(columns, tiles.length));
  const rows = Math.ceil(tiles.length / cols);
  const cell = tileSize * scale;
  const width = cols * cell + (cols + 1) * gap;
  const height = rows * cell + (rows + 1) * gap;
  const composites = await Promise.all(
    tiles.map(async (tile, i) => ({
      input: await sharp(Buffer.from(tile), { raw: { width: tileSize, height: tileSize, channels: 3 } })
        .resize(cell, cell, { kernel: 'nearest' })
        .png()
        .toBuffer(),
      left: gap + (i % cols) * (cell + gap),
      top: gap + Math.floor(i / cols) * (cell + gap),
    })),
  );
  await sharp({ create: { width, height, channels: 3, background: { r: 24, g: 24, b: 28 } } })
    .composite(composites)
    .removeAlpha()
    .png()
    .toFile(file);
}
