import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../src/errors.js';
import { parseDicom } from '../src/dicom/part10.js';
import { parseDecimalString, parseIntegerString } from '../src/dicom/values.js';
import { concat, element, encapsulatedPixelData, part10, sequence } from '../scripts/dicom-writer.mjs';

// The DICOM writer the tests and benchmarks share (scripts/dicom-writer.mjs), with the shorthands
// below. Every expected value in the tests below is a literal written here.
// ---------------------------------------------------------------------------------------------

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const RLE = '1.2.840.10008.1.2.5';

function u16(value: number, bigEndian = false): number[] {
  return bigEndian ? [(value >> 8) & 0xff, value & 0xff] : [value & 0xff, (value >> 8) & 0xff];
}

function u32(value: number, bigEndian = false): number[] {
  const le = [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
  return bigEndian ? le.reverse() : le;
}

function u64(value: number): number[] {
  return [...u32(value % 2 ** 32), ...u32(Math.floor(value / 2 ** 32))];
}

/** One explicit VR element of these bytes. */
const el = (group: number, elementNumber: number, vr: string, value: Uint8Array | number[], bigEndian = false) =>
  element(group, elementNumber, vr, value, { bigEndian });
const text = (value: string) => Uint8Array.from(value, (c) => c.charCodeAt(0));
const cs = (group: number, element: number, value: string, vr = 'CS') => el(group, element, vr, text(value));
const ds = (group: number, element: number, value: string) => el(group, element, 'DS', text(value));
const us = (group: number, element: number, ...values: number[]) => el(group, element, 'US', values.flatMap((v) => u16(v)));
const usBE = (group: number, element: number, ...values: number[]) =>
  el(group, element, 'US', values.flatMap((v) => u16(v, true)), true);
const ow = (group: number, element: number, words: number[]) => el(group, element, 'OW', words.flatMap((w) => u16(w)));
const sq = sequence;
/** Encapsulated Pixel Data: Basic Offset Table item, fragment items, sequence delimiter. */
const encapsulated = (basicOffsets: number[], fragments: number[][]) => encapsulatedPixelData(fragments, basicOffsets);

/** Image Pixel Module elements, in tag order. */
function imagePixel(options: {
  rows: number;
  columns: number;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  samplesPerPixel?: number;
  photometric?: string;
  frames?: string;
}): Uint8Array[] {
  const parts: Uint8Array[] = [];
  if (options.samplesPerPixel !== undefined) parts.push(us(0x0028, 0x0002, options.samplesPerPixel));
  if (options.photometric !== undefined) parts.push(cs(0x0028, 0x0004, options.photometric));
  if (options.frames !== undefined) parts.push(cs(0x0028, 0x0008, options.frames, 'IS'));
  parts.push(us(0x0028, 0x0010, options.rows), us(0x0028, 0x0011, options.columns));
  if (options.bitsAllocated !== undefined) parts.push(us(0x0028, 0x0100, options.bitsAllocated));
  if (options.bitsStored !== undefined) parts.push(us(0x0028, 0x0101, options.bitsStored));
  if (options.pixelRepresentation !== undefined) parts.push(us(0x0028, 0x0103, options.pixelRepresentation));
  return parts;
}

function expectDecodeError(action: () => unknown, code: string): DecodeError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).code).toBe(code);
    return error as DecodeError;
  }
  throw new Error(`expected DecodeError ${code}, nothing was thrown`);
}

const asArrays = (parts: Uint8Array | Uint8Array[]) => (Array.isArray(parts) ? parts.map((part) => [...part]) : [...parts]);

// ---------------------------------------------------------------------------------------------

describe('parseDicom: attributes', () => {
  it('reads the Image Pixel Module and applies defaults', () => {
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 2, columns: 3, bitsAllocated: 16 }),
      el(0x7fe0, 0x0010, 'OW', new Uint8Array(12)),
    ]);
    const dicom = parseDicom(file);
    expect(dicom.transferSyntaxUID).toBe(EXPLICIT_LE);
    expect(dicom.numberOfFrames).toBe(1);
    expect(dicom.info).toEqual({
      rows: 2,
      columns: 3,
      bitsAllocated: 16,
      bitsStored: 16,
      highBit: 15,
      pixelRepresentation: 0,
      samplesPerPixel: 1,
      photometricInterpretation: 'MONOCHROME2',
      planarConfiguration: 0,
      pixelDataFormat: 'int',
    });
    expect(dicom.modalityLut).toBeUndefined();
    expect(dicom.voiLut).toBeUndefined();
  });

  it('marks Float and Double Float Pixel Data', () => {
    const float = parseDicom(
      part10(EXPLICIT_LE, [...imagePixel({ rows: 1, columns: 2, bitsAllocated: 32 }), el(0x7fe0, 0x0008, 'OF', new Uint8Array(8))]),
    );
    expect(float.info.pixelDataFormat).toBe('float');
    const double = parseDicom(
      part10(EXPLICIT_LE, [...imagePixel({ rows: 1, columns: 1, bitsAllocated: 64 }), el(0x7fe0, 0x0009, 'OD', new Uint8Array(8))]),
    );
    expect(double.info.pixelDataFormat).toBe('double');
    expect([...(double.frameData(0) as Uint8Array)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('parses Decimal Strings with spaces, sign and exponent, taking the first value', () => {
    expect(parseDecimalString(' +1.5E2 ')).toBe(150);
    expect(parseDecimalString('-0.5\\2')).toBe(-0.5);
    expect(parseDecimalString('1e-3\0')).toBe(0.001);
    expect(parseDecimalString('.25')).toBe(0.25);
    expect(parseDecimalString('   ')).toBeUndefined();
    expect(parseDecimalString('abc')).toBeUndefined();
    expect(parseDecimalString('1.5.2')).toBeUndefined();
    expect(parseIntegerString(' 12 ')).toBe(12);
    expect(parseIntegerString('2.5')).toBeUndefined();

    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 16 }),
      ds(0x0028, 0x1050, '  +40.5\\400'),
      ds(0x0028, 0x1051, '4e2 '),
      ds(0x0028, 0x1052, '-1024.'),
      ds(0x0028, 0x1053, ' 1.0E+00'),
      cs(0x0028, 0x1054, 'HU'),
      cs(0x0028, 0x1056, 'SIGMOID'),
      el(0x7fe0, 0x0010, 'OW', new Uint8Array(2)),
    ]);
    const dicom = parseDicom(file);
    expect(dicom.voiLut).toEqual({ windowCenter: 40.5, windowWidth: 400, function: 'SIGMOID' });
    expect(dicom.modalityLut).toEqual({ rescaleSlope: 1, rescaleIntercept: -1024, rescaleType: 'HU' });
  });

  it('reads Number of Frames, defaulting to 1 when missing or invalid', () => {
    const withFrames = (frames: string) =>
      parseDicom(
        part10(EXPLICIT_LE, [...imagePixel({ rows: 1, columns: 1, bitsAllocated: 8, frames }), el(0x7fe0, 0x0010, 'OB', new Uint8Array(4))]),
      ).numberOfFrames;
    expect(withFrames(' 3')).toBe(3);
    expect(withFrames('0')).toBe(1);
    expect(withFrames('x')).toBe(1);
  });
});

describe('parseDicom: native frames', () => {
  it('returns frame i at i × rows × columns × samples × bytes, as a subarray', () => {
    // 3 frames of 1×2 16-bit samples: frame 0 = 01 00 02 00, frame 1 = 03 00 04 00, frame 2 = 05 00 06 00.
    const pixels = [1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0];
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 1, columns: 2, bitsAllocated: 16, frames: '3' }),
      el(0x7fe0, 0x0010, 'OW', pixels),
    ]);
    const dicom = parseDicom(file);
    const frame1 = dicom.frameData(1) as Uint8Array;
    expect([...frame1]).toEqual([3, 0, 4, 0]);
    expect(frame1.buffer).toBe(file.buffer);
    expect([...(dicom.frameData(2) as Uint8Array)]).toEqual([5, 0, 6, 0]);
  });

  it('handles samples per pixel and planar data', () => {
    // 2 frames of 1×1 RGB 8-bit: frame 0 = 10 20 30, frame 1 = 40 50 60 (+ pad byte).
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB', frames: '2' }),
      el(0x7fe0, 0x0010, 'OB', [10, 20, 30, 40, 50, 60]),
    ]);
    const dicom = parseDicom(file);
    expect(dicom.info.photometricInterpretation).toBe('RGB');
    expect([...(dicom.frameData(1) as Uint8Array)]).toEqual([40, 50, 60]);
  });

  it('sizes native YBR_FULL_422 frames at two thirds (PS3.3 C.7.6.3.1.2)', () => {
    // 2 frames of 1×2 pixels: Y0 Y1 Cb Cr = 4 bytes per frame.
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 1, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'YBR_FULL_422', frames: '2' }),
      el(0x7fe0, 0x0010, 'OB', [1, 2, 3, 4, 5, 6, 7, 8]),
    ]);
    expect([...(parseDicom(file).frameData(1) as Uint8Array)]).toEqual([5, 6, 7, 8]);
  });

  it('re-aligns 1-bit frames that cross byte boundaries', () => {
    // 3 frames of 3×3 1-bit pixels, packed bit-continuously, LSB first:
    //   frame 0 = 1 0 1 1 0 0 1 0 1   (bits 0-8)
    //   frame 1 = 0 1 1 0 1 0 0 1 1   (bits 9-17)
    //   frame 2 = 1 1 0 0 0 1 0 1 0   (bits 18-26)
    // stream bytes: 0x4D 0x2D 0x8F 0x02
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 3, columns: 3, bitsAllocated: 1, frames: '3' }),
      el(0x7fe0, 0x0010, 'OB', [0x4d, 0x2d, 0x8f, 0x02]),
    ]);
    const dicom = parseDicom(file);
    expect(dicom.info.bitsStored).toBe(1);
    // frame 0: 1 0 1 1 0 0 1 0 | 1 → 0x4D 0x01 (bits of frame 1 masked off)
    expect([...(dicom.frameData(0) as Uint8Array)]).toEqual([0x4d, 0x01]);
    // frame 1: 0 1 1 0 1 0 0 1 | 1 → 0x96 0x01
    expect([...(dicom.frameData(1) as Uint8Array)]).toEqual([0x96, 0x01]);
    // frame 2: 1 1 0 0 0 1 0 1 | 0 → 0xA3 0x00
    expect([...(dicom.frameData(2) as Uint8Array)]).toEqual([0xa3, 0x00]);
  });

  it('returns byte-aligned 1-bit frames as subarrays', () => {
    // 2 frames of 2×4 1-bit pixels = one byte each.
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 2, columns: 4, bitsAllocated: 1, frames: '2' }),
      el(0x7fe0, 0x0010, 'OB', [0x81, 0x7e]),
    ]);
    const frame = parseDicom(file).frameData(1) as Uint8Array;
    expect([...frame]).toEqual([0x7e]);
    expect(frame.buffer).toBe(file.buffer);
  });

  it('throws TRUNCATED only for the frames the data does not hold; the pad byte is fine', () => {
    // 3 frames of 1×3 8-bit = 9 bytes needed; 7 bytes present (frame 2 is cut).
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 1, columns: 3, bitsAllocated: 8, frames: '3' }),
      el(0x7fe0, 0x0010, 'OB', [1, 2, 3, 4, 5, 6, 7]),
    ]);
    const dicom = parseDicom(file);
    expect([...(dicom.frameData(1) as Uint8Array)]).toEqual([4, 5, 6]);
    expectDecodeError(() => dicom.frameData(2), 'TRUNCATED');

    // A file cut inside the Pixel Data value: the frames before the cut still read.
    const whole = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 1, columns: 4, bitsAllocated: 8, frames: '2' }),
      el(0x7fe0, 0x0010, 'OB', [1, 2, 3, 4, 5, 6, 7, 8]),
    ]);
    const cut = parseDicom(whole.subarray(0, whole.length - 2));
    expect([...(cut.frameData(0) as Uint8Array)]).toEqual([1, 2, 3, 4]);
    expectDecodeError(() => cut.frameData(1), 'TRUNCATED');
  });

  it('un-swaps OW words for 8-bit Explicit VR Big Endian, keeps 16-bit samples big endian', () => {
    // 1×3 8-bit pixels 10 20 30 (+pad) as OW words 0x2010 0x0030, written big endian: 20 10 00 30.
    const be8 = part10(EXPLICIT_BE, [
      usBE(0x0028, 0x0010, 1),
      usBE(0x0028, 0x0011, 3),
      usBE(0x0028, 0x0100, 8),
      el(0x7fe0, 0x0010, 'OW', [0x20, 0x10, 0x00, 0x30], true),
    ]);
    const dicom8 = parseDicom(be8);
    expect(dicom8.info.rows).toBe(1);
    expect([...(dicom8.frameData(0) as Uint8Array)]).toEqual([0x10, 0x20, 0x30]);

    // 1×2 16-bit pixels 0x0102 0x0304 stored big endian: 01 02 03 04, returned as stored.
    const be16 = part10(EXPLICIT_BE, [
      usBE(0x0028, 0x0010, 1),
      usBE(0x0028, 0x0011, 2),
      usBE(0x0028, 0x0100, 16),
      el(0x7fe0, 0x0010, 'OW', [1, 2, 3, 4], true),
    ]);
    expect([...(parseDicom(be16).frameData(0) as Uint8Array)]).toEqual([1, 2, 3, 4]);
  });

  it('inflates Deflated Explicit VR Little Endian', () => {
    const dataset = concat([
      ...imagePixel({ rows: 1, columns: 2, bitsAllocated: 8, frames: '2' }),
      el(0x7fe0, 0x0010, 'OB', [9, 8, 7, 6]),
    ]);
    const dicom = parseDicom(part10(DEFLATED, deflateSync(dataset)));
    expect(dicom.transferSyntaxUID).toBe(DEFLATED);
    expect(dicom.numberOfFrames).toBe(2);
    expect([...(dicom.frameData(1) as Uint8Array)]).toEqual([7, 6]);
  });

  it('reads a raw Implicit VR Little Endian dataset without File Meta', () => {
    const implicit = (group: number, element: number, value: number[]) =>
      Uint8Array.from([...u16(group), ...u16(element), ...u32(value.length), ...value]);
    const raw = concat([
      implicit(0x0008, 0x0060, [...text('CT')]),
      implicit(0x0028, 0x0010, u16(1)),
      implicit(0x0028, 0x0011, u16(2)),
      implicit(0x0028, 0x0100, u16(16)),
      implicit(0x0028, 0x0103, u16(1)),
      implicit(0x7fe0, 0x0010, [0xff, 0xff, 0x02, 0x00]),
    ]);
    const dicom = parseDicom(raw);
    expect(dicom.transferSyntaxUID).toBe(IMPLICIT_LE);
    expect(dicom.info.pixelRepresentation).toBe(1);
    expect([...(dicom.frameData(0) as Uint8Array)]).toEqual([0xff, 0xff, 0x02, 0x00]);
  });
});

describe('parseDicom: writer quirks', () => {
  it('reads File Meta written without the preamble and "DICM"', () => {
    const file = part10(EXPLICIT_LE, [...imagePixel({ rows: 1, columns: 2, bitsAllocated: 8 }), el(0x7fe0, 0x0010, 'OB', [4, 5])]);
    const dicom = parseDicom(file.subarray(132));
    expect(dicom.transferSyntaxUID).toBe(EXPLICIT_LE);
    expect([...(dicom.frameData(0) as Uint8Array)]).toEqual([4, 5]);
  });

  it('reads an implicit VR dataset labelled Explicit VR Little Endian, as pydicom does', () => {
    const implicit = (group: number, element: number, value: number[]) =>
      Uint8Array.from([...u16(group), ...u16(element), ...u32(value.length), ...value]);
    const file = part10(EXPLICIT_LE, [
      implicit(0x0028, 0x0010, u16(1)),
      implicit(0x0028, 0x0011, u16(2)),
      implicit(0x0028, 0x0100, u16(8)),
      implicit(0x7fe0, 0x0010, [6, 7]),
    ]);
    expect([...(parseDicom(file).frameData(0) as Uint8Array)]).toEqual([6, 7]);
  });

  it('finds the fragments of encapsulated Pixel Data in an implicit VR dataset', () => {
    // Seen in the wild: an implicit VR dataset under a JPEG transfer syntax; the Pixel Data items
    // must be read as fragments, not as a sequence.
    const implicit = (group: number, element: number, value: number[]) =>
      Uint8Array.from([...u16(group), ...u16(element), ...u32(value.length), ...value]);
    const pixelData = [...encapsulated([], [[0xff, 0xd8, 1, 2]])];
    pixelData.splice(4, 4); // drop the explicit "OB\0\0": tag then 32-bit undefined length
    const file = part10(JPEG_BASELINE, [
      implicit(0x0028, 0x0010, u16(8)),
      implicit(0x0028, 0x0011, u16(8)),
      implicit(0x0028, 0x0100, u16(8)),
      Uint8Array.from(pixelData),
    ]);
    expect(asArrays(parseDicom(file).frameData(0))).toEqual([[0xff, 0xd8, 1, 2]]);
  });

  it('ignores a Basic Offset Table whose offsets miss the fragment items', () => {
    // Seen in a GDCM example file: offsets a few bytes off, one entry too many. The fragment
    // count equals the frame count, so one fragment per frame is used instead.
    const file = part10(JPEG_BASELINE, [
      ...imagePixel({ rows: 8, columns: 8, bitsAllocated: 8, frames: '2' }),
      encapsulated([0, 13, 27], [[0xff, 0xd8, 1, 1], [0xff, 0xd8, 2, 2]]),
    ]);
    const dicom = parseDicom(file);
    expect(asArrays(dicom.frameData(0))).toEqual([[0xff, 0xd8, 1, 1]]);
    expect(asArrays(dicom.frameData(1))).toEqual([[0xff, 0xd8, 2, 2]]);
  });

  it('throws nothing but DecodeError on damaged files', () => {
    const files = [
      part10(EXPLICIT_LE, [...imagePixel({ rows: 3, columns: 3, bitsAllocated: 1, frames: '3' }), el(0x7fe0, 0x0010, 'OB', [0x4d, 0x2d, 0x8f, 0x02])]),
      part10(JPEG_BASELINE, [
        ...imagePixel({ rows: 8, columns: 8, bitsAllocated: 8, frames: '2' }),
        el(0x7fe0, 0x0001, 'OV', [...u64(0), ...u64(12)]),
        el(0x7fe0, 0x0002, 'OV', [...u64(3), ...u64(6)]),
        encapsulated([], [[0xaa, 0xbb, 0xcc, 0x00], [1, 2, 3, 4, 5, 6]]),
      ]),
      part10(JPEG_BASELINE, [...imagePixel({ rows: 8, columns: 8, bitsAllocated: 8, frames: '2' }), encapsulated([0, 22], [[1, 2, 3, 4], [5, 6], [7, 8, 9, 10]])]),
      part10(EXPLICIT_LE, [
        ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 16, pixelRepresentation: 1 }),
        sq(0x0028, 0x3000, [[us(0x0028, 0x3002, 4, 0xfffe, 16), ow(0x0028, 0x3006, [1, 2, 3, 4])]]),
        sq(0x5200, 0x9230, [[sq(0x0028, 0x9145, [[ds(0x0028, 0x1052, '1'), ds(0x0028, 0x1053, '2')]])]]),
        el(0x7fe0, 0x0010, 'OW', [0, 0]),
      ]),
      part10(EXPLICIT_BE, [usBE(0x0028, 0x0010, 1), usBE(0x0028, 0x0011, 3), usBE(0x0028, 0x0100, 8), el(0x7fe0, 0x0010, 'OW', [0x20, 0x10, 0, 0x30], true)]),
    ];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 6000; round++) {
      let bytes = files[round % files.length]!.slice();
      if (round % 3 === 0) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      else for (let k = 0; k < 3; k++) bytes[132 + Math.floor(random() * (bytes.length - 132))] = Math.floor(random() * 256);
      if (round % 3 === 2) bytes = bytes.subarray(132);
      try {
        const dicom = parseDicom(bytes);
        for (let i = 0; i < Math.min(dicom.numberOfFrames, 3); i++) {
          try {
            dicom.frameData(i);
            dicom.frameModalityLut(i);
            dicom.frameVoiLut(i);
          } catch (error) {
            if (!(error instanceof DecodeError)) throw error;
          }
        }
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
      }
    }
  });
});

describe('parseDicom: encapsulated frames', () => {
  const header = (frames: string) => imagePixel({ rows: 8, columns: 8, bitsAllocated: 8, frames });

  it('uses the Basic Offset Table', () => {
    // Frame 0 = fragments [1 2 3 4] + [5 6]; frame 1 = [7 8 9 10]. Item = 8-byte header + value.
    const file = part10(JPEG_BASELINE, [...header('2'), encapsulated([0, 12 + 10], [[1, 2, 3, 4], [5, 6], [7, 8, 9, 10]])]);
    const dicom = parseDicom(file);
    const frame0 = dicom.frameData(0) as Uint8Array[];
    expect(asArrays(frame0)).toEqual([[1, 2, 3, 4], [5, 6]]);
    expect(frame0[0]!.buffer).toBe(file.buffer);
    expect(asArrays(dicom.frameData(1))).toEqual([[7, 8, 9, 10]]);
  });

  it('takes one fragment per frame when the Basic Offset Table is empty and the counts agree', () => {
    const file = part10(RLE, [...header('3'), encapsulated([], [[1, 1], [2, 2], [3, 3]])]);
    const dicom = parseDicom(file);
    expect(asArrays(dicom.frameData(0))).toEqual([[1, 1]]);
    expect(asArrays(dicom.frameData(2))).toEqual([[3, 3]]);
  });

  it('returns every fragment of a single frame', () => {
    const file = part10(JPEG_BASELINE, [...header('1'), encapsulated([], [[1, 2], [3, 4], [5, 6]])]);
    expect(asArrays(parseDicom(file).frameData(0))).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('uses the Extended Offset Table and its lengths (OV elements)', () => {
    // Frame 0 = first 3 bytes of fragment 0 (AA BB CC, then a pad byte); frame 1 = fragment 1.
    // The table wins over "one fragment per frame", which would keep the pad byte.
    const file = part10(JPEG_BASELINE, [
      ...header('2'),
      el(0x7fe0, 0x0001, 'OV', [...u64(0), ...u64(12)]),
      el(0x7fe0, 0x0002, 'OV', [...u64(3), ...u64(6)]),
      encapsulated([], [[0xaa, 0xbb, 0xcc, 0x00], [1, 2, 3, 4, 5, 6]]),
    ]);
    const dicom = parseDicom(file);
    expect(asArrays(dicom.frameData(0))).toEqual([[0xaa, 0xbb, 0xcc]]);
    expect(asArrays(dicom.frameData(1))).toEqual([[1, 2, 3, 4, 5, 6]]);
  });

  it('splits fragments at JPEG and JPEG 2000 codestream starts', () => {
    const jpeg = part10(JPEG_BASELINE, [
      ...header('2'),
      encapsulated([], [[0xff, 0xd8, 0xff, 0xe0, 1, 2], [3, 4], [0xff, 0xd8, 0xff, 0xdb, 5, 6]]),
    ]);
    const dicom = parseDicom(jpeg);
    expect(asArrays(dicom.frameData(0))).toEqual([[0xff, 0xd8, 0xff, 0xe0, 1, 2], [3, 4]]);
    expect(asArrays(dicom.frameData(1))).toEqual([[0xff, 0xd8, 0xff, 0xdb, 5, 6]]);

    const j2k = part10('1.2.840.10008.1.2.4.90', [
      ...header('2'),
      encapsulated([], [[0xff, 0x4f, 0xff, 0x51], [0xff, 0x4f, 0xff, 0x51], [7, 7], [8, 8]]),
    ]);
    expect(asArrays(parseDicom(j2k).frameData(1))).toEqual([[0xff, 0x4f, 0xff, 0x51], [7, 7], [8, 8]]);
  });

  it('throws CORRUPT_DATA when frames cannot be located', () => {
    // Two fragments per frame, no offset table, no codestream markers.
    const unmarked = parseDicom(part10(JPEG_BASELINE, [...header('2'), encapsulated([], [[1, 1], [2, 2], [3, 3]])]));
    expectDecodeError(() => unmarked.frameData(0), 'CORRUPT_DATA');
    // Fewer fragments than frames.
    const few = parseDicom(part10(JPEG_BASELINE, [...header('3'), encapsulated([], [[0xff, 0xd8], [0xff, 0xd8]])]));
    expectDecodeError(() => few.frameData(0), 'CORRUPT_DATA');
    // Markers find only one frame of two.
    const short = parseDicom(part10(JPEG_BASELINE, [...header('2'), encapsulated([], [[0xff, 0xd8, 0xff, 0xe0], [1, 1], [2, 2]])]));
    expect(asArrays(short.frameData(0))).toEqual([[0xff, 0xd8, 0xff, 0xe0], [1, 1], [2, 2]]);
    expectDecodeError(() => short.frameData(1), 'CORRUPT_DATA');
    // No Basic Offset Table item at all: attributes still read, frames do not.
    const noBot = Uint8Array.from([
      ...u16(0x7fe0), ...u16(0x0010), 0x4f, 0x42, 0, 0, ...u32(0xffffffff),
      ...u16(0x0008), ...u16(0x0001), ...u32(0),
    ]);
    const broken = parseDicom(part10(JPEG_BASELINE, [...header('1'), noBot]));
    expect(broken.info.rows).toBe(8);
    const error = expectDecodeError(() => broken.frameData(0), 'CORRUPT_DATA');
    expect(error.cause).toBeDefined();
    expect(error.transferSyntaxUID).toBe(JPEG_BASELINE);
  });
});

describe('parseDicom: errors', () => {
  it('throws FRAME_OUT_OF_RANGE for indices outside [0, numberOfFrames) or not integers', () => {
    const dicom = parseDicom(
      part10(EXPLICIT_LE, [...imagePixel({ rows: 1, columns: 1, bitsAllocated: 8, frames: '2' }), el(0x7fe0, 0x0010, 'OB', [1, 2])]),
    );
    expectDecodeError(() => dicom.frameData(2), 'FRAME_OUT_OF_RANGE');
    expectDecodeError(() => dicom.frameData(-1), 'FRAME_OUT_OF_RANGE');
    expectDecodeError(() => dicom.frameData(0.5), 'FRAME_OUT_OF_RANGE');
    expectDecodeError(() => dicom.frameData(Number.NaN), 'FRAME_OUT_OF_RANGE');
    expectDecodeError(() => dicom.frameModalityLut(2), 'FRAME_OUT_OF_RANGE');
    expect([...(dicom.frameData(1) as Uint8Array)]).toEqual([2]);
  });

  it('throws NOT_DICOM for bytes that are not DICOM', () => {
    expectDecodeError(() => parseDicom(new Uint8Array(0)), 'NOT_DICOM');
    expectDecodeError(() => parseDicom(text('hello, this is a plain text file and not a DICOM dataset at all')), 'NOT_DICOM');
    expectDecodeError(() => parseDicom(new Uint8Array(300).fill(0xff)), 'NOT_DICOM');
    expectDecodeError(() => parseDicom(new Uint8Array(300)), 'NOT_DICOM');
  });

  it('throws NO_PIXEL_DATA when there is no pixel data element', () => {
    const file = part10(EXPLICIT_LE, [cs(0x0008, 0x0060, 'SR'), ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 8 })]);
    expectDecodeError(() => parseDicom(file), 'NO_PIXEL_DATA');
    expectDecodeError(() => parseDicom(part10(EXPLICIT_LE, [])), 'NO_PIXEL_DATA');
  });

  it('throws INVALID_PIXEL_INFO for missing or zero Rows, Columns, Bits Allocated', () => {
    const pixelData = el(0x7fe0, 0x0010, 'OB', [0, 0]);
    expectDecodeError(() => parseDicom(part10(EXPLICIT_LE, [us(0x0028, 0x0011, 2), us(0x0028, 0x0100, 8), pixelData])), 'INVALID_PIXEL_INFO');
    expectDecodeError(
      () => parseDicom(part10(EXPLICIT_LE, [...imagePixel({ rows: 0, columns: 2, bitsAllocated: 8 }), pixelData])),
      'INVALID_PIXEL_INFO',
    );
    expectDecodeError(() => parseDicom(part10(EXPLICIT_LE, [...imagePixel({ rows: 1, columns: 2 }), pixelData])), 'INVALID_PIXEL_INFO');
  });
});

describe('parseDicom: LUTs', () => {
  const lutItem = (descriptor: number[], data: number[], type?: string) => [
    us(0x0028, 0x3002, ...descriptor),
    ...(type ? [cs(0x0028, 0x3004, type, 'LO')] : []),
    ow(0x0028, 0x3006, data),
  ];

  it('reads the Modality LUT Sequence with a signed first mapped value when Pixel Representation is 1', () => {
    // Descriptor 4 entries, first mapped 0xFFFE (-2 as int16), 16 bits; data 10 20 30 40.
    const item = lutItem([4, 0xfffe, 16], [10, 20, 30, 40], 'HU');
    const signed = parseDicom(
      part10(EXPLICIT_LE, [
        ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 16, pixelRepresentation: 1 }),
        sq(0x0028, 0x3000, [item]),
        el(0x7fe0, 0x0010, 'OW', [0, 0]),
      ]),
    );
    expect(signed.modalityLut).toEqual({
      rescaleType: 'HU',
      lut: { firstMapped: -2, bitsPerEntry: 16, data: Uint16Array.of(10, 20, 30, 40) },
    });
    const unsigned = parseDicom(
      part10(EXPLICIT_LE, [
        ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 16, pixelRepresentation: 0 }),
        sq(0x0028, 0x3000, [item]),
        el(0x7fe0, 0x0010, 'OW', [0, 0]),
      ]),
    );
    expect(unsigned.modalityLut?.lut?.firstMapped).toBe(65534);
  });

  it('reads 8-bit LUT entries packed two per word, and 0 entries as 65536', () => {
    // 3 entries of 8 bits packed low byte first: words 0x0605 0x0007 → 05 06 07.
    const packed = parseDicom(
      part10(EXPLICIT_LE, [
        ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 8 }),
        sq(0x0028, 0x3000, [lutItem([3, 0, 8], [0x0605, 0x0007])]),
        el(0x7fe0, 0x0010, 'OB', [0, 0]),
      ]),
    );
    expect(packed.modalityLut?.lut).toEqual({ firstMapped: 0, bitsPerEntry: 8, data: Uint8Array.of(5, 6, 7) });

    const full = parseDicom(
      part10(EXPLICIT_LE, [
        ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 16 }),
        sq(0x0028, 0x3000, [lutItem([0, 0, 16], new Array(65536).fill(7))]),
        el(0x7fe0, 0x0010, 'OW', [0, 0]),
      ]),
    );
    expect(full.modalityLut?.lut?.data.length).toBe(65536);
    expect(full.modalityLut?.lut?.data[65535]).toBe(7);
  });

  it('throws INVALID_PIXEL_INFO for a Modality LUT shorter than its descriptor', () => {
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 16 }),
      sq(0x0028, 0x3000, [lutItem([8, 0, 16], [1, 2])]),
      el(0x7fe0, 0x0010, 'OW', [0, 0]),
    ]);
    expectDecodeError(() => parseDicom(file), 'INVALID_PIXEL_INFO');
  });

  it('reads the VOI LUT Sequence', () => {
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 16 }),
      sq(0x0028, 0x3010, [lutItem([2, 100, 12], [0, 4095])]),
      el(0x7fe0, 0x0010, 'OW', [0, 0]),
    ]);
    expect(parseDicom(file).voiLut).toEqual({ lut: { firstMapped: 100, bitsPerEntry: 12, data: Uint16Array.of(0, 4095) } });
  });

  it('gives per-frame functional group rescale precedence over shared, and shared over top level', () => {
    const pixelValueTransformation = (slope: string, intercept: string) =>
      sq(0x0028, 0x9145, [[ds(0x0028, 0x1052, intercept), ds(0x0028, 0x1053, slope), cs(0x0028, 0x1054, 'US', 'LO')]]);
    const frameVoi = (center: string, width: string) => sq(0x0028, 0x9132, [[ds(0x0028, 0x1050, center), ds(0x0028, 0x1051, width)]]);
    const file = part10(EXPLICIT_LE, [
      ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 16, frames: '3' }),
      ds(0x0028, 0x1052, '-10'),
      ds(0x0028, 0x1053, '2'),
      sq(0x5200, 0x9229, [[frameVoi('50', '100'), pixelValueTransformation('3', '0')]]),
      sq(0x5200, 0x9230, [[pixelValueTransformation('5', '1')], [], [frameVoi('7', '8')]]),
      el(0x7fe0, 0x0010, 'OW', [0, 0, 0, 0, 0, 0]),
    ]);
    const dicom = parseDicom(file);
    expect(dicom.modalityLut).toEqual({ rescaleSlope: 3, rescaleIntercept: 0, rescaleType: 'US' });
    expect(dicom.frameModalityLut(0)).toEqual({ rescaleSlope: 5, rescaleIntercept: 1, rescaleType: 'US' });
    expect(dicom.frameModalityLut(1)).toEqual({ rescaleSlope: 3, rescaleIntercept: 0, rescaleType: 'US' });
    expect(dicom.voiLut).toEqual({ windowCenter: 50, windowWidth: 100 });
    expect(dicom.frameVoiLut(2)).toEqual({ windowCenter: 7, windowWidth: 8 });
    expect(dicom.frameVoiLut(1)).toEqual({ windowCenter: 50, windowWidth: 100 });

    const topLevelOnly = parseDicom(
      part10(EXPLICIT_LE, [
        ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 16 }),
        ds(0x0028, 0x1052, '-10'),
        ds(0x0028, 0x1053, '2'),
        el(0x7fe0, 0x0010, 'OW', [0, 0]),
      ]),
    );
    expect(topLevelOnly.frameModalityLut(0)).toEqual({ rescaleSlope: 2, rescaleIntercept: -10 });
  });

  it('reads normal and segmented palettes for PALETTE COLOR', () => {
    const descriptor = (element: number, entries: number, bits: number) => us(0x0028, element, entries, 0, bits);
    const normal = parseDicom(
      part10(EXPLICIT_LE, [
        ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 8, photometric: 'PALETTE COLOR' }),
        descriptor(0x1101, 2, 16),
        descriptor(0x1102, 2, 16),
        descriptor(0x1103, 2, 16),
        ow(0x0028, 0x1201, [0x1000, 0xffff]),
        ow(0x0028, 0x1202, [0x2000, 0xeeee]),
        ow(0x0028, 0x1203, [0x3000, 0xdddd]),
        el(0x7fe0, 0x0010, 'OB', [0, 0]),
      ]),
    );
    expect(normal.info.palette).toEqual({
      red: { firstMapped: 0, bitsPerEntry: 16, data: Uint16Array.of(0x1000, 0xffff) },
      green: { firstMapped: 0, bitsPerEntry: 16, data: Uint16Array.of(0x2000, 0xeeee) },
      blue: { firstMapped: 0, bitsPerEntry: 16, data: Uint16Array.of(0x3000, 0xdddd) },
    });

    // Segments: discrete [100 200]; linear to 600 over 4 → 300 400 500 600;
    // indirect: 1 segment at byte offset 0 → 100 200. Expanded: 8 entries.
    const segments = [0, 2, 100, 200, 1, 4, 600, 2, 1, 0, 0];
    const segmented = parseDicom(
      part10(EXPLICIT_LE, [
        ...imagePixel({ rows: 1, columns: 1, bitsAllocated: 8, photometric: 'PALETTE COLOR' }),
        descriptor(0x1101, 8, 16),
        descriptor(0x1102, 8, 16),
        descriptor(0x1103, 8, 16),
        ow(0x0028, 0x1221, segments),
        ow(0x0028, 0x1222, segments),
        ow(0x0028, 0x1223, [0, 1, 9, 1, 7, 16]),
        el(0x7fe0, 0x0010, 'OB', [0, 0]),
      ]),
    );
    expect([...segmented.info.palette!.red.data]).toEqual([100, 200, 300, 400, 500, 600, 100, 200]);
    // discrete [9], linear 9 → 16 over 7 steps: 10 11 12 13 14 15 16.
    expect([...segmented.info.palette!.blue.data]).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
  });
});
