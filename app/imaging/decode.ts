// Decoding a photo for the faces pipeline: JPEG, PNG, WebP, TIFF, AVIF or HEIC -> 8-bit sRGB RGB with the
// EXIF orientation applied, the source's metadata kept for export. Source files are only read.
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { heicAsPng } from './heic.js';
import { ImageFileError, MAX_INPUT_PIXELS } from './image-files.js';

/** Interleaved 8-bit RGB, row-major, `width * height * 3` bytes. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** The source's transparency, `width * height` bytes, where it has any: `data` is then the
   * photo composited on white (what the model sees), and export puts the transparency back. */
  alpha?: Uint8Array;
  /** The photo is black and white (stored as gray, or as colour with R = G = B everywhere):
   * edits keep it so (pasteInPlace) and export writes it as gray. */
  grayscale?: boolean;
}

/** What the source file said about itself, kept so export can carry it over. */
export interface SourceMetadata {
  format: 'jpeg' | 'png' | 'webp' | 'tiff' | 'avif' | 'heic';
  /** EXIF orientation 1..8 as stored; the decoded pixels already have it applied. */
  orientation: number;
  /** Size as stored in the file, before orientation. */
  storedWidth: number;
  storedHeight: number;
  /** Colour space and sample depth as stored (e.g. 'cmyk', 'b-w', 'srgb'; 'uchar', 'ushort'). */
  space: string;
  depth: string;
  hasAlpha: boolean;
  density?: number;
  exif?: Buffer;
  xmp?: Buffer;
  icc?: Buffer;
}

export interface DecodedImage extends RgbImage {
  file: string;
  metadata: SourceMetadata;
}

export interface DecodeOptions {
  /** Decompression-bomb guard; default MAX_INPUT_PIXELS (about 268 MP). */
  maxPixels?: number;
  /** Quarter turns clockwise, 0 to 3, after the EXIF orientation: the turn the user gave a
   * photo in the library (app/library/rotation.ts). */
  turns?: number;
}

const FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif']);
const KNOWN = 'expected JPEG, PNG, WebP, TIFF, AVIF or HEIC';
/** sharp names both HEIF kinds 'heif': AVIF (AV1 inside, which libvips decodes) and HEIC (HEVC
 * inside, the iPhone's default, which heic.ts decodes). */
const HEIF_KINDS: Record<string, SourceMetadata['format']> = { av1: 'avif', hevc: 'heic' };

function describeSharpError(err: unknown, maxPixels: number): string {
  const msg = ((err as Error).message ?? String(err)).split('\n')[0]!;
  if (/unsupported image format/i.test(msg)) return `not an image (unknown or unsupported format; ${KNOWN})`;
  if (/pixel limit/i.test(msg)) return `image is larger than the ${formatMp(maxPixels)} pixel limit`;
  // libvips keeps one error buffer for all its threads: with several decodes in flight, a
  // failing one can report only "Unknown error". The header has been read by then, so a
  // decoder failure without a reason is still bad image data.
  if (/premature end|truncated|corrupt|bad seek|Invalid PNG|read error|out of data|IDAT|CRC|^Unknown error$/i.test(msg)) {
    return `image data is truncated or corrupt (${msg})`;
  }
  return msg;
}

function formatMp(pixels: number): string {
  return `${(pixels / 1e6).toFixed(pixels < 1e7 ? 1 : 0)} MP`;
}

/** Reads the whole file (read-only) and names the file in every failure. */
async function readSource(file: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not an image file' : `cannot be read (${code})`;
    throw new ImageFileError(file, why);
  }
  if (buf.length === 0) throw new ImageFileError(file, 'file is empty (0 bytes)');
  return buf;
}

/** Reads only the header: format, stored size, orientation and metadata blocks. */
export async function readSourceMetadata(file: string, buf?: Buffer, options: DecodeOptions = {}): Promise<SourceMetadata> {
  const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;
  const input = buf ?? (await readSource(file));
  let m: Metadata;
  try {
    m = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageFileError(file, describeSharpError(err, maxPixels));
  }
  if (!m.format || !FORMATS.has(m.format)) {
    throw new ImageFileError(file, `unsupported format '${m.format ?? 'unknown'}' (${KNOWN})`);
  }
  const format = m.format === 'heif' ? HEIF_KINDS[m.compression ?? ''] : (m.format as SourceMetadata['format']);
  if (!format) throw new ImageFileError(file, `unsupported HEIF compression '${m.compression ?? 'unknown'}' (${KNOWN})`);
  const width = m.width ?? 0;
  const height = m.height ?? 0;
  if (width < 1 || height < 1) throw new ImageFileError(file, `image header gives no size (${width}x${height})`);
  if (width * height > maxPixels) {
    throw new ImageFileError(
      file,
      `image is ${width}x${height} (${formatMp(width * height)}), over the ${formatMp(maxPixels)} limit for one photo; refusing to decode it (possible decompression bomb)`,
    );
  }
  return {
    format,
    orientation: m.orientation ?? 1,
    storedWidth: width,
    storedHeight: height,
    space: m.space ?? 'unknown',
    depth: m.depth ?? 'unknown',
    hasAlpha: Boolean(m.hasAlpha),
    ...(m.density ? { density: m.density } : {}),
    ...(m.exif ? { exif: m.exif } : {}),
    ...(m.xmp ? { xmp: m.xmp } : {}),
    ...(m.icc ? { icc: m.icc } : {}),
  };
}

/**
 * Decodes `file` to upright 8-bit sRGB RGB. Grayscale, CMYK, 16-bit and palette images are
 * converted (through the embedded ICC profile when there is one); alpha is composited on white
 * and kept beside the pixels (RgbImage.alpha).
 * Fails with an ImageFileError naming the file: missing, empty, not an image, unsupported
 * format, over the pixel limit, truncated or corrupt.
 */
export async function decodeImage(file: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;
  const turns = options.turns ?? 0;
  if (!Number.isInteger(turns) || turns < 0 || turns > 3) throw new RangeError(`${file}: turns must be a whole number of quarter turns from 0 to 3, got ${turns}`);
  const buf = await readSource(file);
  const metadata = await readSourceMetadata(file, buf, options);
  try {
    const input = metadata.format === 'heic' ? await heicAsPng(buf, metadata.icc) : buf;
    // autoOrient applies the EXIF orientation first; rotate then turns the upright photo.
    const pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: 'truncated' }).autoOrient().rotate(90 * turns).toColourspace('srgb');
    if (metadata.hasAlpha) {
      const { data, info } = await pipeline.ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      if (info.channels !== 4) throw new Error(`decoded to ${info.channels} channels, expected 4`);
      const split = splitAlpha(data);
      return { file, width: info.width, height: info.height, ...split, ...grayscaleFlag(metadata, split.data), metadata };
    }
    const { data, info } = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    const rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { file, width: info.width, height: info.height, data: rgb, ...grayscaleFlag(metadata, rgb), metadata };
  } catch (err) {
    throw new ImageFileError(file, describeSharpError(err, maxPixels));
  }
}

/** `{ grayscale: true }` for a black-and-white photo: stored as gray, or as colour whose
 * channels differ by at most one level anywhere (a colour profile's rounding); else `{}`. */
function grayscaleFlag(metadata: SourceMetadata, rgb: Uint8Array): { grayscale?: true } {
  if (metadata.space === 'b-w' || metadata.space === 'grey16') return { grayscale: true };
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i]!;
    const g = rgb[i + 1]!;
    const b = rgb[i + 2]!;
    if (r - g > 1 || g - r > 1 || g - b > 1 || b - g > 1 || r - b > 1 || b - r > 1) return {};
  }
  return { grayscale: true };
}

/** RGBA -> RGB composited on white, and the alpha. */
function splitAlpha(rgba: Uint8Array): { data: Uint8Array; alpha: Uint8Array } {
  const n = rgba.length / 4;
  const data = new Uint8Array(n * 3);
  const alpha = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = rgba[i * 4 + 3]!;
    alpha[i] = a;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round((rgba[i * 4 + c]! * a + 255 * (255 - a)) / 255);
  }
  return { data, alpha };
}

/** The inverse of compositing on white: RGBA with the colours the source had, as far as
 * 8 bits keep them (edits inside the photo stay as edited). */
export function restoreAlpha(image: RgbImage & { alpha: Uint8Array }): Uint8Array {
  const n = image.width * image.height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const a = image.alpha[i]!;
    for (let c = 0; c < 3; c++) {
      const v = image.data[i * 3 + c]!;
      rgba[i * 4 + c] = a === 0 || a === 255 ? v : Math.max(0, Math.min(255, Math.round(((v - 255) * 255) / a + 255)));
    }
    rgba[i * 4 + 3] = a;
  }
  return rgba;
}
