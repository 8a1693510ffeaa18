// HEIC (HEIF with HEVC inside, the iPhone's default) decoded by libheif compiled to WASM (the
// heic-decode package): sharp's libvips reads HEIC headers and metadata but has no HEVC
// decoder. The decode runs in a worker thread because it is synchronous WASM (most of a second
// for a 12 MP photo) and would stall the studio's event loop meanwhile.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { pngChunk } from './image-files.js';

// Plain CommonJS, so that it runs the same from the TypeScript sources and from the build;
// the package's path is resolved here, where node_modules is known.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const decode = require(workerData.module);
parentPort.on('message', async ({ id, buffer }) => {
  try {
    const { width, height, data } = await decode({ buffer });
    parentPort.postMessage({ id, width, height, data }, [data.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});`;

interface Decoded {
  width: number;
  height: number;
  /** RGBA, with the image's rotation and mirroring applied. */
  data: Uint8ClampedArray;
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (d: Decoded) => void; reject: (e: Error) => void }>();

function heicWorker(): Worker {
  if (worker) return worker;
  // In the packaged app the package lies unpacked beside app.asar (electron-builder.yml).
  const modulePath = createRequire(import.meta.url).resolve('heic-decode').replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: modulePath } });
  w.on('message', (m: Decoded & { id: number; error?: string }) => {
    const call = pending.get(m.id);
    pending.delete(m.id);
    if (!pending.size) w.unref(); // idle: it does not keep the process alive
    if (m.error !== undefined) call?.reject(new Error(m.error));
    else call?.resolve(m);
  });
  w.on('error', (err) => {
    for (const call of pending.values()) call.reject(err);
    pending.clear();
    worker = undefined;
  });
  w.unref();
  return (worker = w);
}

function decodeInWorker(buffer: Buffer): Promise<Decoded> {
  const w = heicWorker();
  w.ref();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, buffer });
  });
}

/**
 * The HEIC photo in `buffer` as an uncompressed PNG carrying the photo's ICC profile, for
 * decode.ts to read like any other file: sharp cannot give raw pixels a colour profile of
 * their own, and iPhone photos are in Display P3, which read as sRGB would shift the colours
 * of every export.
 */
export async function heicAsPng(buffer: Buffer, icc: Buffer | undefined): Promise<Buffer> {
  const { width, height, data } = await decodeInWorker(buffer);
  const png = await sharp(data, { raw: { width, height, channels: 4 } }).png({ compressionLevel: 0 }).toBuffer();
  if (!icc) return png;
  // The iCCP chunk goes right after IHDR (8-byte signature, then IHDR's 25 bytes).
  const iccp = pngChunk('iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(icc)]));
  return Buffer.concat([png.subarray(0, 33), iccp, png.subarray(33)]);
}
