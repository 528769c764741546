// renderFrame: VOI windows and VOI LUT against pydicom's apply_voi_lut (fixtures/color, within
// 1 grey level, also checked against DCMTK dcm2pnm by the generator), MONOCHROME1 and
// Presentation LUT Shape INVERSE, colour, the box downscale, options and the PNG output.
import { readFileSync } from 'node:fs';
import { decode as decodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodeFile, openDicom, renderFrame, thumbnail, type DecodedFrame } from '../src/index.js';
import { FIXTURES, fixtureBytes, readNpy } from './helpers.js';

interface RenderEntry {
  file: string;
  case: string;
  reference: string;
  voi: 'window' | 'lut' | 'minmax';
  voiLutFunction: string | null;
  invert: boolean;
  tolerance: number;
  method: string;
}

interface ColourEntry {
  file: string;
  stored: string;
  rows: number;
  columns: number;
  nativeReference?: string;
}

const colour = JSON.parse(readFileSync(new URL('color/manifest.json', FIXTURES), 'utf8')) as {
  render: RenderEntry[];
  fixtures: ColourEntry[];
  palette: ColourEntry[];
};
const inColour = (file: string) => `color/${file}`;

/** Largest |a − b| over two arrays of the same length. */
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function grey(rows: number, columns: number, values: number[], type: 'Int16' | 'Float32' = 'Int16'): DecodedFrame {
  const pixels = type === 'Int16' ? Int16Array.from(values) : Float32Array.from(values);
  return {
    pixels,
    rows,
    columns,
    samplesPerPixel: 1,
    photometricInterpretation: 'MONOCHROME2',
    minValue: values.reduce((a, b) => Math.min(a, b)),
    maxValue: values.reduce((a, b) => Math.max(a, b)),
    modalityLutApplied: false,
  };
}

// First in this file, before anything decodes: the kernels are then compiled synchronously.
describe('renderFrame before any decode', () => {
  it('instantiates the kernels synchronously and renders', () => {
    const { data } = renderFrame(grey(1, 3, [0, 5, 10]));
    expect(Array.from(data)).toEqual([0, 128, 255]);
  });
});

describe.each(colour.render.map((entry) => [entry.file, entry] as const))('render %s', (_, entry) => {
  const bytes = fixtureBytes(inColour(entry.file));
  const reference = readNpy(inColour(entry.reference));

  it(`matches pydicom's VOI (${entry.voi}${entry.voiLutFunction ? ' ' + entry.voiLutFunction : ''}${entry.invert ? ', inverted' : ''}) within ${entry.tolerance} grey level`, async () => {
    const image = openDicom(bytes);
    const frame = await image.decodeFrame(0);
    const rendered = renderFrame(frame, { voiLut: image.frameVoiLut(0), presentationLutShape: image.presentationLutShape });
    expect([rendered.width, rendered.height, rendered.channels]).toEqual([image.info.columns, image.info.rows, 1]);
    expect(maxDifference(rendered.data, reference.data)).toBeLessThanOrEqual(entry.tolerance);
  });

  it('writes a PNG that decodes to the rendered pixels', async () => {
    const image = openDicom(bytes);
    const size = Math.max(image.info.rows, image.info.columns);
    const { png, width, height } = await thumbnail(bytes, { size });
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height, decoded.channels, decoded.depth]).toEqual([width, height, 1, 8]);
    expect(maxDifference(decoded.data, reference.data)).toBeLessThanOrEqual(entry.tolerance);
    const frame = await image.decodeFrame(0);
    const rendered = renderFrame(frame, { voiLut: image.frameVoiLut(0), presentationLutShape: image.presentationLutShape });
    expect(Array.from(decoded.data)).toEqual(Array.from(rendered.data));
  });
});

describe('grey levels', () => {
  it('inverts MONOCHROME1 unless told not to', async () => {
    const bytes = fixtureBytes('color/dicom/voi_mono1.evrle.dcm');
    const image = openDicom(bytes);
    const frame = await image.decodeFrame(0);
    const voiLut = image.frameVoiLut(0);
    const shown = renderFrame(frame, { voiLut });
    const plain = renderFrame(frame, { voiLut, invert: false });
    expect(frame.photometricInterpretation).toBe('MONOCHROME1');
    expect(Array.from(shown.data)).toEqual(Array.from(plain.data, (v) => 255 - v));
  });

  it('inverts for Presentation LUT Shape INVERSE, read from the file', async () => {
    const image = openDicom(fixtureBytes('color/dicom/voi_inverse.evrle.dcm'));
    expect(image.presentationLutShape).toBe('INVERSE');
    const frame = await image.decodeFrame(0);
    const voiLut = image.frameVoiLut(0);
    const inverse = renderFrame(frame, { voiLut, presentationLutShape: 'INVERSE' });
    const identity = renderFrame(frame, { voiLut, presentationLutShape: 'IDENTITY' });
    expect(Array.from(inverse.data)).toEqual(Array.from(identity.data, (v) => 255 - v));
  });

  it('LINEAR with width 1 is a threshold at center − 0.5 (C.11.2.1.2.1)', () => {
    const frame = grey(1, 4, [9, 10, 11, 12]);
    const { data } = renderFrame(frame, { voiLut: { windowCenter: 10.5, windowWidth: 1 } });
    expect(Array.from(data)).toEqual([0, 0, 255, 255]);
  });

  it('LINEAR, LINEAR_EXACT and SIGMOID at the window centre and edges', () => {
    const frame = grey(1, 5, [-100, -50, 0, 50, 100]);
    const linearExact = renderFrame(frame, { voiLut: { windowCenter: 0, windowWidth: 100, function: 'LINEAR_EXACT' } });
    expect(Array.from(linearExact.data)).toEqual([0, 0, 128, 255, 255]);
    // LINEAR: ((x − (c − 0.5)) / (w − 1) + 0.5) · 255 → x = 0: (0.5 / 99 + 0.5) · 255 = 128.79
    const linear = renderFrame(frame, { voiLut: { windowCenter: 0, windowWidth: 100 } });
    expect(Array.from(linear.data)).toEqual([0, 0, 129, 255, 255]);
    // SIGMOID: 255 / (1 + exp(−4x / w)): x = −100, −50, 50, 100 → 4.59, 30.40, 224.60, 250.41
    const sigmoid = renderFrame(frame, { voiLut: { windowCenter: 0, windowWidth: 100, function: 'SIGMOID' } });
    expect(Array.from(sigmoid.data)).toEqual([5, 30, 128, 225, 250]);
  });

  it('falls back to the min/max window without a window, or with an unusable one', () => {
    const frame = grey(1, 3, [-20, 10, 40], 'Float32');
    const expected = [0, 128, 255];
    expect(Array.from(renderFrame(frame).data)).toEqual(expected);
    expect(Array.from(renderFrame(frame, { voiLut: { windowCenter: 0, windowWidth: 0.5 } }).data)).toEqual(expected);
    expect(Array.from(renderFrame(frame, { voiLut: { windowCenter: 0, windowWidth: 0, function: 'SIGMOID' } }).data)).toEqual(expected);
    expect(Array.from(renderFrame(grey(1, 2, [7, 7])).data)).toEqual([0, 0]);
  });

  it('maps a VOI LUT by its bits per entry, clamping below the first mapped value and past the last entry', () => {
    const frame = grey(1, 5, [0, 100, 101, 102, 500]);
    const lut = { firstMapped: 100, bitsPerEntry: 12, data: Uint16Array.from([0, 2048, 4095]) };
    const { data } = renderFrame(frame, { voiLut: { lut, windowCenter: 0, windowWidth: 1 } });
    expect(Array.from(data)).toEqual([0, 0, 128, 255, 255]);
  });
});

describe('colour', () => {
  it.each(colour.fixtures.filter((entry) => entry.nativeReference).map((entry) => [entry.file, entry] as const))(
    '%s: native YBR renders to the RGB reference',
    async (_, entry) => {
      const bytes = fixtureBytes(inColour(entry.file));
      const native = await decodeFile(bytes, { colorSpace: 'native' });
      expect(native.photometricInterpretation).toBe('YBR_FULL');
      const rendered = renderFrame(native);
      expect(rendered.channels).toBe(3);
      expect(maxDifference(rendered.data, readNpy(inColour(entry.stored)).data)).toBe(0);
    },
  );

  it('scales 16-bit palette output to 8 bits', async () => {
    const entry = colour.palette.find((e) => e.file === 'dicom/palette16.evrle.dcm')!;
    const frame = await decodeFile(fixtureBytes(inColour(entry.file)));
    const rgb16 = readNpy(inColour(entry.stored)).data;
    const rendered = renderFrame(frame);
    expect(maxDifference(rendered.data, Array.from(rgb16, (v) => v >> 8))).toBeLessThanOrEqual(1);
  });
});

describe('downscale (area averaging)', () => {
  it('averages whole blocks when the ratio is an integer', () => {
    const frame = grey(2, 4, [0, 10, 20, 30, 40, 50, 61, 71]);
    const { data, width, height } = renderFrame(frame, { voiLut: { windowCenter: 127.5, windowWidth: 255, function: 'LINEAR_EXACT' }, size: 2 });
    expect([width, height]).toEqual([2, 1]);
    expect(Array.from(data)).toEqual([25, 46]); // (0+10+40+50)/4, (20+30+61+71)/4 = 45.5 → 46
  });

  it('weights partly covered pixels by the area they cover', () => {
    const frame = grey(1, 3, [0, 90, 180]);
    const { data } = renderFrame(frame, { voiLut: { windowCenter: 127.5, windowWidth: 255, function: 'LINEAR_EXACT' }, size: 2 });
    expect(Array.from(data)).toEqual([30, 150]); // (0 + 0.5·90) / 1.5, (0.5·90 + 180) / 1.5
  });

  it('keeps the aspect ratio, never upscales, and follows Pixel Spacing when given', () => {
    const frame = grey(300, 400, Array.from({ length: 300 * 400 }, (_, i) => i % 400));
    expect(renderFrame(frame, { size: 100 })).toMatchObject({ width: 100, height: 75 });
    expect(renderFrame(frame, { size: 1000 })).toMatchObject({ width: 400, height: 300 });
    // Rows 2 mm apart: 400 × 600 mm, shrunk to fit the 300 rows.
    expect(renderFrame(frame, { pixelSpacing: [2, 1] })).toMatchObject({ width: 200, height: 300 });
    expect(renderFrame(frame, { pixelSpacing: [2, 1], size: 150 })).toMatchObject({ width: 100, height: 150 });
  });

  it('downscales RGB sample by sample', () => {
    const pixels = Uint8Array.from([10, 20, 30, 30, 40, 50, 200, 0, 100, 100, 0, 200]);
    const frame: DecodedFrame = {
      pixels,
      rows: 2,
      columns: 2,
      samplesPerPixel: 3,
      photometricInterpretation: 'RGB',
      minValue: 0,
      maxValue: 200,
      modalityLutApplied: false,
    };
    expect(Array.from(renderFrame(frame, { size: 1 }).data)).toEqual([85, 15, 95]);
  });
});

describe('options', () => {
  it('rejects bad sizes, spacing and frames with INVALID_OPTIONS', () => {
    const frame = grey(1, 2, [0, 1]);
    for (const options of [{ size: 0 }, { size: 1.5 }, { pixelSpacing: [0, 1] as [number, number] }]) {
      expect(() => renderFrame(frame, options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    }
    expect(() => renderFrame({ ...frame, pixels: new Int16Array(1) })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => renderFrame({ ...frame, samplesPerPixel: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
