// Colour in the pipeline: PALETTE COLOR (8/16-bit entries, non-zero and signed first mapped
// value, segmented) against pydicom's apply_color_lut, checked by GDCM and DCMTK where they
// can (fixtures/color/PROVENANCE.md); colorSpace 'native'; YBR_FULL_422 upsampling; bad input.
// YBR_FULL / YBR_FULL_422 RGB references run in the generic fixture test.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFile, decodeFrame, openDicom, outputTypeFor, type PixelInfo } from '../src/index.js';
import { parseDicom } from '../src/dicom/part10.js';
import { FIXTURES, firstDifference, fixtureBytes, readNpy } from './helpers.js';

interface ColourEntry {
  file: string;
  transferSyntaxUID: string;
  rows: number;
  columns: number;
  stored: string;
  index?: string;
  nativeReference?: string;
}

const colour = JSON.parse(readFileSync(new URL('color/manifest.json', FIXTURES), 'utf8')) as {
  fixtures: ColourEntry[];
  palette: ColourEntry[];
};
const inColour = (file: string) => `color/${file}`;
const ARRAY_FOR_DTYPE: Record<string, string> = { '|u1': 'Uint8Array', '<u2': 'Uint16Array', '|i1': 'Int8Array', '<i2': 'Int16Array' };

function range(values: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  return [min, max];
}

describe.each(colour.palette.map((entry) => [entry.file, entry] as const))('palette %s', (_, entry) => {
  const bytes = fixtureBytes(inColour(entry.file));
  const rgb = readNpy(inColour(entry.stored));
  const index = readNpy(inColour(entry.index!));

  it('decodes to pydicom apply_color_lut RGB exactly (decodeFile, openDicom, decodeFrame)', async () => {
    const image = openDicom(bytes);
    const parsed = parseDicom(bytes);
    const decodes = [
      await decodeFile(bytes),
      await image.decodeFrame(0),
      await decodeFrame(parsed.frameData(0), entry.transferSyntaxUID, image.info),
    ];
    for (const frame of decodes) {
      expect(frame.pixels.constructor.name).toBe(ARRAY_FOR_DTYPE[rgb.dtype]);
      expect([frame.rows, frame.columns, frame.samplesPerPixel, frame.photometricInterpretation]).toEqual([entry.rows, entry.columns, 3, 'RGB']);
      expect(frame.modalityLutApplied).toBe(false);
      expect(firstDifference(frame.pixels, rgb.data)).toBe(-1);
      expect([frame.minValue, frame.maxValue]).toEqual(range(rgb.data));
    }
    expect(outputTypeFor(image.info)).toBe(ARRAY_FOR_DTYPE[rgb.dtype]);
  });

  it("keeps the indices with colorSpace 'native'", async () => {
    const frame = await decodeFile(bytes, { colorSpace: 'native', modalityLut: false });
    expect([frame.samplesPerPixel, frame.photometricInterpretation]).toEqual([1, 'PALETTE COLOR']);
    expect(frame.pixels.constructor.name).toBe(ARRAY_FOR_DTYPE[index.dtype]);
    expect(firstDifference(frame.pixels, index.data)).toBe(-1);
    expect(outputTypeFor(openDicom(bytes).info, false, 'native')).toBe(ARRAY_FOR_DTYPE[index.dtype]);
  });

  it('decodes into a caller buffer of rows × columns × 3', async () => {
    const into = new (rgb.dtype === '|u1' ? Uint8Array : Uint16Array)(entry.rows * entry.columns * 3);
    const frame = await decodeFile(bytes, { into });
    expect(frame.pixels).toBe(into);
    expect(firstDifference(into, rgb.data)).toBe(-1);
  });
});

describe.each(colour.fixtures.filter((entry) => entry.nativeReference).map((entry) => [entry.file, entry] as const))(
  'YBR %s',
  (_, entry) => {
    it("keeps YBR with colorSpace 'native' (YBR_FULL_422 upsampled like pydicom and GDCM)", async () => {
      const frame = await decodeFile(fixtureBytes(inColour(entry.file)), { colorSpace: 'native' });
      expect([frame.samplesPerPixel, frame.photometricInterpretation]).toEqual([3, 'YBR_FULL']);
      const reference = readNpy(inColour(entry.nativeReference!)).data;
      expect(firstDifference(frame.pixels, reference)).toBe(-1);
      expect([frame.minValue, frame.maxValue]).toEqual(range(reference));
    });
  },
);

const ybr422 = (rows: number, columns: number, bitsAllocated: number): PixelInfo => ({
  rows,
  columns,
  bitsAllocated,
  bitsStored: bitsAllocated,
  pixelRepresentation: 0,
  samplesPerPixel: 3,
  photometricInterpretation: 'YBR_FULL_422',
});

describe('YBR_FULL_422 native data', () => {
  it('upsamples 16-bit pairs Y1 Y2 Cb Cr to Y1 Cb Cr Y2 Cb Cr', async () => {
    const stored = Uint16Array.from([1000, 2000, 30000, 40000, 5, 6, 7, 8]);
    const bytes = new Uint8Array(stored.buffer);
    const frame = await decodeFrame(bytes, '1.2.840.10008.1.2.1', ybr422(1, 4, 16), { colorSpace: 'native' });
    expect(Array.from(frame.pixels)).toEqual([1000, 30000, 40000, 2000, 30000, 40000, 5, 7, 8, 6, 7, 8]);
  });

  it('converts 16-bit YBR with the chroma offset of Bits Stored', async () => {
    // Y only (Cb = Cr = 2^15): R = G = B = Y.
    const stored = Uint16Array.from([1000, 65535, 32768, 32768]);
    const frame = await decodeFrame(new Uint8Array(stored.buffer), '1.2.840.10008.1.2.1', ybr422(1, 2, 16));
    expect(frame.photometricInterpretation).toBe('RGB');
    expect(Array.from(frame.pixels)).toEqual([1000, 1000, 1000, 65535, 65535, 65535]);
  });

  it('needs two thirds of the full frame, and an even pixel count', async () => {
    await expect(decodeFrame(new Uint8Array(7), '1.2.840.10008.1.2.1', ybr422(2, 2, 8))).rejects.toMatchObject({ code: 'TRUNCATED' });
    await expect(decodeFrame(new Uint8Array(8), '1.2.840.10008.1.2.1', ybr422(2, 2, 8))).resolves.toMatchObject({ rows: 2, columns: 2 });
    await expect(decodeFrame(new Uint8Array(6), '1.2.840.10008.1.2.1', ybr422(1, 3, 8))).rejects.toMatchObject({ code: 'INVALID_PIXEL_INFO' });
  });
});

describe('PALETTE COLOR given by the caller', () => {
  const info = (palette?: PixelInfo['palette']): PixelInfo => ({
    rows: 1,
    columns: 3,
    bitsAllocated: 8,
    bitsStored: 8,
    pixelRepresentation: 0,
    samplesPerPixel: 1,
    photometricInterpretation: 'PALETTE COLOR',
    ...(palette && { palette }),
  });
  const lut = (data: number[], firstMapped = 1) => ({ firstMapped, bitsPerEntry: 8, data: Uint8Array.from(data) });

  it('maps indices below the first mapped value to entry 0 and past the end to the last', async () => {
    const palette = { red: lut([10, 20]), green: lut([30, 40]), blue: lut([50, 60]) };
    const frame = await decodeFrame(Uint8Array.from([0, 1, 9]), '1.2.840.10008.1.2.1', info(palette));
    expect(Array.from(frame.pixels)).toEqual([10, 30, 50, 10, 30, 50, 20, 40, 60]);
  });

  it('needs a palette whose three tables agree', async () => {
    await expect(decodeFrame(new Uint8Array(3), '1.2.840.10008.1.2.1', info())).rejects.toMatchObject({ code: 'INVALID_PIXEL_INFO' });
    const uneven = { red: lut([1, 2]), green: lut([1, 2, 3]), blue: lut([1, 2]) };
    await expect(decodeFrame(new Uint8Array(3), '1.2.840.10008.1.2.1', info(uneven))).rejects.toMatchObject({ code: 'INVALID_PIXEL_INFO' });
    const shifted = { red: lut([1, 2]), green: lut([1, 2], 0), blue: lut([1, 2]) };
    await expect(decodeFrame(new Uint8Array(3), '1.2.840.10008.1.2.1', info(shifted))).rejects.toMatchObject({ code: 'INVALID_PIXEL_INFO' });
    // The indices themselves need no palette.
    await expect(decodeFrame(Uint8Array.from([4, 5, 6]), '1.2.840.10008.1.2.1', info(), { colorSpace: 'native' })).resolves.toMatchObject({
      samplesPerPixel: 1,
      maxValue: 6,
    });
  });
});
