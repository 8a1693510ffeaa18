// Latents are stored as IEEE half floats (2 bytes a value, little-endian): eps values are
// roughly N(0, 1), where float16's 11-bit mantissa keeps about 3 decimal digits.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> 0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    if ((mant >>> (shift - 1)) & 1 && ((mant & ((1 << (shift - 1)) - 1)) !== 0 || half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  // round to nearest even
  if (mant & 0x1000 && (mant & 0xfff || half & 1)) half++;
  return sign | half;
}

function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function encodeFloat16(values: Float32Array): Buffer {
  const buf = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) buf.writeUInt16LE(toHalf(values[i]!), i * 2);
  return buf;
}

// Every half float's value, by its bits: decoding is then one lookup a value.
let halfValues: Float32Array | undefined;
function halfTable(): Float32Array {
  return (halfValues ??= Float32Array.from({ length: 0x10000 }, (_, h) => fromHalf(h)));
}

function halfCount(buf: Uint8Array, expected?: number): number {
  if (buf.length % 2 !== 0) throw new RangeError(`a float16 blob has an even number of bytes, got ${buf.length}`);
  const n = buf.length / 2;
  if (expected !== undefined && n !== expected) throw new RangeError(`float16 blob holds ${n} values, expected ${expected}`);
  return n;
}

export function decodeFloat16(buf: Uint8Array, expected?: number): Float32Array {
  const n = halfCount(buf, expected);
  const table = halfTable();
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = table[buf[2 * i]! | (buf[2 * i + 1]! << 8)]!;
  return out;
}

/** The dot product of a float16 blob with `vector`, without decoding the blob first. */
export function dotFloat16(buf: Uint8Array, vector: Float32Array): number {
  const n = halfCount(buf, vector.length);
  const table = halfTable();
  let s = 0;
  for (let i = 0; i < n; i++) s += table[buf[2 * i]! | (buf[2 * i + 1]! << 8)]! * vector[i]!;
  return s;
}

export function encodeFloat32(values: Float32Array): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, i * 4);
  return buf;
}

export function decodeFloat32(buf: Uint8Array, expected?: number): Float32Array {
  if (buf.length % 4 !== 0) throw new RangeError(`a float32 blob has a multiple of 4 bytes, got ${buf.length}`);
  const n = buf.length / 4;
  if (expected !== undefined && n !== expected) throw new RangeError(`float32 blob holds ${n} values, expected ${expected}`);
  const out = new Float32Array(n);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
