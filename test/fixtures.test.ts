// Every fixture decodes to its reference: stored values (lossless: the original image, checked
// against DCMTK, GDCM and pydicom decodes; lossy: an independent decode, within the entry's
// stated tolerance) and modality values (pydicom's apply_modality_lut, or numpy for
// functional-group rescale). See fixtures/PROVENANCE.md and fixtures/*/PROVENANCE.md.
import { describe, expect, it } from 'vitest';
import { decodeFile, decodeFrame, openDicom, outputInfoFor, type PixelInfo } from '../src/index.js';
import { parseDicom } from '../src/dicom/part10.js';
import { firstDifference, fixtureBytes, manifest, readNpy, type FixtureEntry } from './helpers.js';

const ARRAY_FOR_DTYPE: Record<string, string> = {
  '|u1': 'Uint8Array',
  '|b1': 'Uint8Array',
  '|i1': 'Int8Array',
  '<u2': 'Uint16Array',
  '<i2': 'Int16Array',
  '<u4': 'Uint32Array',
  '<i4': 'Int32Array',
  '<f4': 'Float32Array',
  '<f8': 'Float64Array',
};

/** PixelInfo from the manifest (read back by pydicom), not from our own Part 10 reader. */
function infoOf(entry: FixtureEntry): PixelInfo {
  return {
    rows: entry.rows,
    columns: entry.columns,
    bitsAllocated: entry.bitsAllocated,
    bitsStored: entry.bitsStored ?? entry.bitsAllocated,
    highBit: entry.highBit ?? (entry.bitsStored ?? entry.bitsAllocated) - 1,
    pixelRepresentation: entry.pixelRepresentation ?? 0,
    samplesPerPixel: entry.samplesPerPixel,
    photometricInterpretation: entry.photometricInterpretation,
    planarConfiguration: entry.planarConfiguration ?? 0,
    pixelDataFormat: entry.pixelDataFormat,
  };
}

function range(values: ArrayLike<number>, offset: number, length: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = offset; i < offset + length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

describe.each(manifest.fixtures.map((entry) => [entry.file, entry] as const))('%s', (_, entry) => {
  const bytes = fixtureBytes(entry.file);
  const frameLength = entry.rows * entry.columns * entry.samplesPerPixel;
  const tolerance = entry.tolerance ?? 0;

  it('reads the attributes pydicom reads', () => {
    const image = openDicom(bytes);
    expect(image.transferSyntaxUID).toBe(entry.transferSyntaxUID);
    expect(image.numberOfFrames).toBe(entry.frames);
    expect(image.info).toMatchObject(infoOf(entry));
  });

  it('decodes stored values exactly (openDicom, decodeFrame and decodeFile)', async () => {
    const reference = readNpy(entry.stored);
    expect(reference.data.length).toBe(frameLength * entry.frames);
    const image = openDicom(bytes);
    const parsed = parseDicom(bytes);
    for (let frame = 0; frame < entry.frames; frame++) {
      const offset = frame * frameLength;
      const viaImage = await image.decodeFrame(frame, { modalityLut: false });
      const viaFrame = await decodeFrame(parsed.frameData(frame), entry.transferSyntaxUID, infoOf(entry));
      const viaFile = await decodeFile(bytes, { frame, modalityLut: false });
      for (const decoded of [viaImage, viaFrame, viaFile]) {
        expect(decoded.pixels.constructor.name).toBe(ARRAY_FOR_DTYPE[reference.dtype]);
        expect(decoded.pixels.length).toBe(frameLength);
        expect(firstDifference(decoded.pixels, reference.data, offset, undefined, tolerance)).toBe(-1);
        const [min, max] = range(reference.data, offset, frameLength);
        expect(Math.abs(decoded.minValue - min)).toBeLessThanOrEqual(tolerance);
        expect(Math.abs(decoded.maxValue - max)).toBeLessThanOrEqual(tolerance);
        expect([decoded.rows, decoded.columns, decoded.samplesPerPixel]).toEqual([entry.rows, entry.columns, entry.samplesPerPixel]);
      }
      // What outputInfoFor promises before decoding is what the decode delivers.
      expect(outputInfoFor(image.info, { modalityLut: false })).toEqual({
        outputType: viaImage.pixels.constructor.name,
        rows: viaImage.rows,
        columns: viaImage.columns,
        samplesPerPixel: viaImage.samplesPerPixel,
        length: viaImage.pixels.length,
      });
    }
  });

  // Identity cases (no rescale, no LUT) have no modality reference.
  if (entry.modality !== null) {
    it('applies the modality LUT exactly as the reference', async () => {
      const reference = readNpy(entry.modality!);
      const image = openDicom(bytes);
      for (let frame = 0; frame < entry.frames; frame++) {
        const offset = frame * frameLength;
        const decoded = await image.decodeFrame(frame);
        expect(decoded.modalityLutApplied).toBe(true);
        // Float32 output is the reference's float64 rounded once; integer outputs are exact.
        const round = decoded.pixels instanceof Float32Array ? Math.fround : (v: number) => v;
        // Lossy: the bound is in stored units, scaled by the slope.
        const bound = tolerance * Math.abs(image.frameModalityLut(frame)?.rescaleSlope ?? 1);
        expect(firstDifference(decoded.pixels, reference.data, offset, round, bound)).toBe(-1);
        if (bound === 0) {
          const [min, max] = range(reference.data, offset, frameLength);
          expect([decoded.minValue, decoded.maxValue]).toEqual([round(min), round(max)]);
        }
      }
    });
  }
});

describe.each(manifest.bad.map((entry) => [entry.file, entry] as const))('bad file %s', (_, entry) => {
  it(`fails with ${entry.expectCode}, and the next decode is correct`, async () => {
    const bytes = fixtureBytes(entry.file);
    const options = (entry as { fuzz?: { options?: object } }).fuzz?.options ?? {};
    if (entry.expectCode === 'ok' && entry.file.startsWith('fuzz/')) {
      // A fuzz finding that was a defect in a valid stream (fuzz --replay --update writes 'ok').
      await expect(decodeFile(bytes, options)).resolves.toMatchObject({ pixels: expect.anything() });
    } else if (entry.expectCode === null && entry.file.startsWith('fuzz/')) {
      // A fuzz finding that was a defect may decode once fixed: any DecodeError or a decoded image.
      await decodeFile(bytes, options).catch((error: unknown) => expect(error).toMatchObject({ name: 'DecodeError' }));
    } else {
      await expect(decodeFile(bytes, options)).rejects.toMatchObject({ name: 'DecodeError', code: entry.expectCode });
    }
    const good = manifest.fixtures.find((fixture) => fixture.file === 'dicom/ct_s16.rle-dcmtk.dcm')!;
    const decoded = await decodeFile(fixtureBytes(good.file), { modalityLut: false });
    expect(firstDifference(decoded.pixels, readNpy(good.stored).data)).toBe(-1);
  });
});
