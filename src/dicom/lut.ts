/**
 * Lookup tables as stored in a dataset: LUT Descriptor + LUT Data (PS3.3 C.11.1.1.1,
 * C.11.2.1.1, C.7.6.3.1.5-6) and Segmented Palette Color LUT Data (PS3.3 C.7.9.2).
 */
import { DecodeError } from '../errors.js';
import type { LutData } from '../types.js';
import type { DataSet } from './dicomParser.js';
import { elementBytes, presentElement, readUint16 } from './values.js';

export interface LutDescriptor {
  /** Number of entries; a stored 0 means 65536. */
  entries: number;
  firstMapped: number;
  bitsPerEntry: number;
}

/**
 * Read a three-valued LUT Descriptor. The first mapped value is read as its raw 16 bits and
 * reinterpreted as two's complement when Pixel Representation is 1, whatever the VR (US or SS)
 * says (PS3.3 C.11.1.1.1).
 */
export function readLutDescriptor(dataSet: DataSet, tag: string, signed: boolean): LutDescriptor | undefined {
  const entries = readUint16(dataSet, tag, 0);
  const firstMapped = readUint16(dataSet, tag, 1);
  const bitsPerEntry = readUint16(dataSet, tag, 2);
  if (entries === undefined || firstMapped === undefined || bitsPerEntry === undefined) return undefined;
  return {
    entries: entries === 0 ? 65536 : entries,
    firstMapped: signed && firstMapped >= 0x8000 ? firstMapped - 0x10000 : firstMapped,
    bitsPerEntry,
  };
}

/** The bytes of an OW value in stream order: undoes the 16-bit word swap of big endian data. */
function owBytes(bytes: Uint8Array, count: number, littleEndian: boolean): Uint8Array {
  if (littleEndian) return bytes.slice(0, count);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = bytes[i ^ 1] ?? 0;
  return out;
}

function words(bytes: Uint8Array, count: number, littleEndian: boolean): Uint16Array {
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const first = bytes[2 * i]!;
    const second = bytes[2 * i + 1]!;
    out[i] = littleEndian ? first | (second << 8) : (first << 8) | second;
  }
  return out;
}

/**
 * Read LUT Data (US or OW) described by `descriptor`. Entries are 16-bit words; when the data
 * holds only one byte per entry (8 bits per entry packed two to a word, low byte first, the
 * "8 bits allocated" layout of PS3.3 C.11.1.1.1) the result is a Uint8Array, as pydicom does
 * for palettes. Always a copy: LUTs are small and the result must not alias the file.
 *
 * @throws {DecodeError} INVALID_PIXEL_INFO when the data is shorter than the descriptor says.
 */
export function readLutData(
  dataSet: DataSet,
  tag: string,
  descriptor: LutDescriptor,
  littleEndian: boolean,
  what: string,
): LutData {
  const bytes = lutBytes(dataSet, tag);
  const { entries, firstMapped, bitsPerEntry } = descriptor;
  if (bytes.length >= 2 * entries) {
    return { firstMapped, bitsPerEntry, data: words(bytes, entries, littleEndian) };
  }
  // One byte per entry; an odd count is padded to a whole word.
  if (bytes.length === entries + (entries & 1)) {
    return { firstMapped, bitsPerEntry: 8, data: owBytes(bytes, entries, littleEndian) };
  }
  throw new DecodeError(
    'INVALID_PIXEL_INFO',
    `${what} has ${bytes.length} bytes of data, its descriptor says ${entries} entries of ${bitsPerEntry} bits`,
  );
}

/** The bytes of a LUT Data element; empty when it is missing. */
function lutBytes(dataSet: DataSet, tag: string): Uint8Array {
  const element = presentElement(dataSet, tag);
  return element ? elementBytes(dataSet, element) : new Uint8Array(0);
}

/**
 * Expand Segmented Palette Color LUT Data (PS3.3 C.7.9.2) into `descriptor.entries` entries.
 * Segments are 8-bit values when the descriptor says 8 bits per entry, else 16-bit words.
 * Linear segments round half to even like pydicom; an indirect segment's offset is a byte
 * offset (C.7.9.2.3), converted to a word index for 16-bit data.
 *
 * @throws {DecodeError} INVALID_PIXEL_INFO on an unknown opcode or a malformed segment.
 */
export function readSegmentedLutData(
  dataSet: DataSet,
  tag: string,
  descriptor: LutDescriptor,
  littleEndian: boolean,
  what: string,
): LutData {
  const bytes = lutBytes(dataSet, tag);
  const eightBit = descriptor.bitsPerEntry <= 8;
  const values: ArrayLike<number> = eightBit
    ? owBytes(bytes, bytes.length, littleEndian)
    : words(bytes, bytes.length >> 1, littleEndian);
  const bad = (reason: string) => new DecodeError('INVALID_PIXEL_INFO', `${what}: ${reason}`);

  const lut: number[] = [];
  const expand = (start: number, maxSegments: number, inIndirect: boolean): void => {
    let offset = start;
    let segments = 0;
    // `offset + 1 <` skips a trailing pad value.
    while (offset + 1 < values.length && segments < maxSegments && lut.length < descriptor.entries) {
      const opcode = values[offset]!;
      const length = values[offset + 1]!;
      offset += 2;
      if (opcode === 0) {
        if (offset + length > values.length) throw bad('discrete segment runs past the data');
        for (let i = 0; i < length; i++) lut.push(values[offset + i]!);
        offset += length;
      } else if (opcode === 1) {
        if (lut.length === 0) throw bad('the first segment is linear');
        if (offset >= values.length) throw bad('linear segment runs past the data');
        const y0 = lut[lut.length - 1]!;
        const y1 = values[offset]!;
        offset += 1;
        for (let i = 1; i <= length; i++) lut.push(roundHalfEven(y0 + ((y1 - y0) * i) / length));
      } else if (opcode === 2) {
        if (inIndirect) throw bad('an indirect segment points to another indirect segment');
        if (lut.length === 0) throw bad('the first segment is indirect');
        let byteOffset: number;
        if (eightBit) {
          if (offset + 4 > values.length) throw bad('indirect segment runs past the data');
          // Least significant 16 bits first, each word low byte first (stream order restored).
          byteOffset =
            (values[offset]! | (values[offset + 1]! << 8)) + (values[offset + 2]! | (values[offset + 3]! << 8)) * 0x10000;
          offset += 4;
        } else {
          if (offset + 2 > values.length) throw bad('indirect segment runs past the data');
          byteOffset = values[offset]! + values[offset + 1]! * 0x10000;
          offset += 2;
        }
        const index = eightBit ? byteOffset : byteOffset / 2;
        if (!Number.isInteger(index) || index >= values.length) throw bad('indirect segment offset is out of range');
        expand(index, length, true);
      } else {
        throw bad(`unknown segment opcode ${opcode}`);
      }
      segments++;
    }
  };
  expand(0, Infinity, false);

  if (lut.length === 0) throw bad('no segments');
  const data = eightBit ? new Uint8Array(descriptor.entries) : new Uint16Array(descriptor.entries);
  for (let i = 0; i < data.length; i++) data[i] = lut[Math.min(i, lut.length - 1)]!;
  return { firstMapped: descriptor.firstMapped, bitsPerEntry: descriptor.bitsPerEntry, data };
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
