/** NumPy .npy (format 1.0) writer for typed arrays. */
import type { PixelArray } from '../types.js';

const DESCR: Record<string, string> = {
  Uint8Array: '|u1',
  Int8Array: '|i1',
  Uint16Array: '<u2',
  Int16Array: '<i2',
  Uint32Array: '<u4',
  Int32Array: '<i4',
  Float32Array: '<f4',
  Float64Array: '<f8',
};

/** The .npy bytes of `data` with `shape` (C order); typed arrays are little-endian here. */
export function encodeNpy(data: PixelArray, shape: readonly number[]): Uint8Array {
  const descr = DESCR[data.constructor.name];
  if (!descr) throw new Error(`no NumPy dtype for ${data.constructor.name}`);
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  // Magic (6) + version (2) + length (2) + header, padded with spaces to 64 bytes, ending in \n.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}
