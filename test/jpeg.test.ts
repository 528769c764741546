// JPEG family tests beyond the generic fixture test: what each fixture exercises is asserted
// from its codestream (so a regenerated fixture cannot silently stop covering a feature), the
// kernel's own DCT path against DCMTK, colorSpace 'native', and bad input at many points.
// References are made by DCMTK, GDCM and libjpeg-turbo (fixtures/jpeg/PROVENANCE.md).
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeFile, decodeFrame, type PixelInfo } from '../src/index.js';
import { parseDicom } from '../src/dicom/part10.js';
import { kernels } from '../src/wasm/kernels.js';
import { libjpeg } from '../src/wasm/codecs.js';
import { firstDifference, fixtureBytes, manifest, readNpy, type FixtureEntry } from './helpers.js';
import { concat } from '../scripts/dicom-writer.mjs';

const LOSSLESS = '1.2.840.10008.1.2.4.70';
const BASELINE = '1.2.840.10008.1.2.4.50';

const entry = (file: string): FixtureEntry => {
  const found = manifest.fixtures.find((e) => e.file === `jpeg/dicom/${file}`);
  if (!found) throw new Error(`no fixture jpeg/dicom/${file}`);
  return found;
};

function infoOf(e: FixtureEntry): PixelInfo {
  return {
    rows: e.rows, columns: e.columns, bitsAllocated: e.bitsAllocated, bitsStored: e.bitsStored!,
    highBit: e.highBit!, pixelRepresentation: e.pixelRepresentation!, samplesPerPixel: e.samplesPerPixel,
    photometricInterpretation: e.photometricInterpretation, planarConfiguration: e.planarConfiguration ?? 0,
  };
}

/** The codestream of frame `index` (fragments joined). */
function stream(e: FixtureEntry, index = 0): Uint8Array {
  const data = parseDicom(fixtureBytes(e.file)).frameData(index);
  return Array.isArray(data) ? concat(data) : data;
}

interface Segment { marker: number; body: Uint8Array }

/** Marker segments up to the end of the headers of each scan (entropy data skipped). */
function segments(jpeg: Uint8Array): Segment[] {
  const out: Segment[] = [];
  let i = 2;
  while (i + 4 <= jpeg.length) {
    if (jpeg[i] !== 0xff) throw new Error(`no marker at ${i}`);
    const marker = jpeg[i + 1]!;
    if (marker === 0xd9) break;
    const length = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    out.push({ marker, body: jpeg.subarray(i + 4, i + 2 + length) });
    i += 2 + length;
    if (marker === 0xda) {
      // skip entropy-coded data: up to the next marker that is not RSTn or a stuffed 0xFF00
      while (i + 1 < jpeg.length && !(jpeg[i] === 0xff && jpeg[i + 1] !== 0 && (jpeg[i + 1]! < 0xd0 || jpeg[i + 1]! > 0xd7))) i++;
    }
  }
  return out;
}

/** The class 0 (DC / lossless) Huffman tables of the stream: their values. */
function losslessTables(jpeg: Uint8Array): Uint8Array[] {
  const tables: Uint8Array[] = [];
  for (const { marker, body } of segments(jpeg)) {
    if (marker !== 0xc4) continue;
    let at = 0;
    while (at < body.length) {
      const total = body.subarray(at + 1, at + 17).reduce((a, b) => a + b, 0);
      if (body[at]! >> 4 === 0) tables.push(body.subarray(at + 17, at + 17 + total));
      at += 17 + total;
    }
  }
  return tables;
}
const losslessSymbols = (jpeg: Uint8Array) => new Set(losslessTables(jpeg).flatMap((values) => Array.from(values)));

const scans = (jpeg: Uint8Array) => segments(jpeg).filter((s) => s.marker === 0xda).map(({ body }) => ({
  components: body[0]!, selection: body[1 + 2 * body[0]!]!, pointTransform: body[3 + 2 * body[0]!]! & 15,
}));
const restartInterval = (jpeg: Uint8Array) => {
  const dri = segments(jpeg).find((s) => s.marker === 0xdd);
  return dri ? (dri.body[0]! << 8) | dri.body[1]! : 0;
};

async function expectMatches(e: FixtureEntry, reference = readNpy(e.stored).data, options = {}) {
  const decoded = await decodeFile(fixtureBytes(e.file), { modalityLut: false, ...options });
  expect(firstDifference(decoded.pixels, reference, 0, undefined, e.tolerance ?? 0)).toBe(-1);
  return decoded;
}

describe('JPEG Lossless (process 14)', () => {
  it('decodes every predictor, 1 to 7, exactly', async () => {
    const seen = new Set<number>();
    for (const e of manifest.fixtures.filter((f) => f.file.startsWith('jpeg/dicom/ct_s16.lossless-dcmtk'))) {
      const [scan] = scans(stream(e));
      seen.add(scan!.selection);
      await expectMatches(e);
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('decodes the 16-bit difference 32768 (SSSS = 16, no additional bits)', async () => {
    for (const file of ['dx_u16.lossless-py-sv4.dcm', 'dx_u16.lossless-dcmtk-sv1.dcm', 'ct_s16.lossless-dcmtk-sv1.dcm']) {
      const e = entry(file);
      expect(losslessSymbols(stream(e)).has(16)).toBe(true);
      await expectMatches(e);
    }
    // the run that makes them: 0 / 32768 alternating (dx_u16 row 5)
    const decoded = await decodeFile(fixtureBytes(entry('dx_u16.lossless-py-sv4.dcm').file));
    expect(Array.from(decoded.pixels.subarray(5 * 48, 5 * 48 + 4))).toEqual([0, 32768, 0, 32768]);
  });

  it('undoes the point transform', async () => {
    for (const [file, pt] of [['ct_s16.lossless-dcmtk-sv6-pt2.dcm', 2], ['ct_s16.lossless-py-sv7-pt3-restart.dcm', 3]] as const) {
      const e = entry(file);
      expect(scans(stream(e))[0]!.pointTransform).toBe(pt);
      const decoded = await expectMatches(e);
      expect(decoded.pixels.every((v) => (v & ((1 << pt) - 1)) === 0)).toBe(true);
    }
  });

  it('restarts prediction at each restart interval', async () => {
    for (const file of ['ct_s16.lossless-py-restart.dcm', 'tiny_u16.lossless-py-sv3.dcm', 'rgb8.lossless-py-planar-scans.dcm']) {
      const e = entry(file);
      expect(restartInterval(stream(e))).toBeGreaterThan(0);
      await expectMatches(e);
    }
  });

  it('rejects a restart interval that is not whole lines', async () => {
    const e = entry('ct_s16.lossless-py-restart.dcm');
    const jpeg = stream(e).slice();
    const at = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xdd);
    jpeg[at + 4] = 0;
    jpeg[at + 5] = 100; // 100 MCUs: a line is 96
    await expect(decodeFrame(jpeg, LOSSLESS, infoOf(e))).rejects.toMatchObject({ code: 'CORRUPT_DATA' });
  });

  it('decodes non-interleaved scans and one Huffman table per component', async () => {
    const planar = entry('rgb8.lossless-py-planar-scans.dcm');
    expect(scans(stream(planar)).map((s) => s.components)).toEqual([1, 1, 1]);
    await expectMatches(planar);
    const tables = entry('rgb8.lossless-py-tables.dcm');
    expect(losslessTables(stream(tables))).toHaveLength(3);
    expect(new Set(scans(stream(tables)).length === 1 ? segments(stream(tables)).filter((s) => s.marker === 0xda)
      .flatMap(({ body }) => [body[2]! >> 4, body[4]! >> 4, body[6]! >> 4]) : []).size).toBe(3);
    await expectMatches(tables);
  });

  it('decodes precisions 6, 8, 12 and 16 into the dataset\'s Bits Allocated', async () => {
    for (const [file, precision] of [['bits6.lossless-py-p6-sv2.dcm', 6], ['mono8.lossless-dcmtk-sv1.dcm', 8],
      ['ct_u12.lossless-py-p12-sv5.dcm', 12], ['ct_u12.lossless-dcmtk-sv1.dcm', 16]] as const) {
      const e = entry(file);
      expect(segments(stream(e)).find((s) => s.marker === 0xc3)!.body[0]).toBe(precision);
      await expectMatches(e);
    }
  });

  it('decodes whatever the codestream is, not the transfer syntax label', async () => {
    const e = entry('ct_s16.lossless-dcmtk-sv1.dcm');
    const decoded = await decodeFrame(stream(e), BASELINE, infoOf(e));
    expect(firstDifference(decoded.pixels, readNpy(e.stored).data)).toBe(-1);
  });

  it('joins a frame split over several fragments', async () => {
    const e = entry('mono8.lossless-dcmtk-sv1.dcm');
    const jpeg = stream(e);
    const parts = [jpeg.subarray(0, 100), jpeg.subarray(100, 101), jpeg.subarray(101)];
    const decoded = await decodeFrame(parts, LOSSLESS, infoOf(e));
    expect(firstDifference(decoded.pixels, readNpy(e.stored).data)).toBe(-1);
  });
});

describe('JPEG DCT (baseline, extended 8 and 12 bit)', () => {
  it('decodes 12-bit extended with the kernels, as DCMTK does', async () => {
    const e = entry('ct_u12.extended-dcmtk-12bit.dcm');
    expect(segments(stream(e)).find((s) => s.marker === 0xc1)!.body[0]).toBe(12);
    const decoded = await expectMatches(e);
    expect(decoded.pixels).toBeInstanceOf(Uint16Array);
  });

  // The kernels' DCT path directly (TurboJPEG takes 8-bit frames in the library): IDCT,
  // fancy upsampling (4:2:2, 4:2:0), YCbCr → RGB and restart intervals against dcmdjpeg.
  it.each([
    'rgb8.baseline-dcmtk-422.dcm', 'rgb8.baseline-dcmtk-444.dcm', 'rgb8.baseline-cjpeg-420-restart.dcm',
    'rgb8.baseline-jpegtran-restart.dcm', 'rgb8.baseline-dcmtk-rgb.dcm', 'rgb8.baseline-gdcm.dcm',
    'mono8.baseline-cjpeg-restart.dcm', 'tiny_rgb.baseline-dcmtk-422.dcm', 'rgb8.extended-dcmtk-422.dcm',
  ])('kernel DCT decode of %s matches the reference', async (file) => {
    const e = entry(file);
    const jpeg = stream(e);
    await decodeFile(fixtureBytes(e.file)); // nothing else uses the arena while this test runs
    const k = await kernels();
    k.reset();
    const src = k.copyIn(jpeg);
    const scratch = k.alloc(k.fn.jpegScratchBytes());
    expect(k.fn.jpegReadHeader(src, jpeg.length, scratch)).toBeGreaterThanOrEqual(0xc0);
    const work = k.alloc(k.fn.jpegWorkBytes(scratch));
    const count = e.rows * e.columns * e.samplesPerPixel;
    const dst = k.alloc(count);
    expect(k.fn.jpegDecode(src, jpeg.length, scratch, dst, e.rows, e.columns, e.samplesPerPixel, 1, work, 1)).toBe(0);
    const out = k.bytes(dst, count).slice();
    expect(firstDifference(out, readNpy(e.stored).data, 0, undefined, e.tolerance)).toBe(-1);
  });

  it("keeps YCbCr with colorSpace 'native' (upsampled, as dcmdjpeg +cn)", async () => {
    for (const file of ['rgb8.baseline-dcmtk-422.dcm', 'rgb8.baseline-cjpeg-420-restart.dcm', 'mf_rgb8.baseline-dcmtk-422.dcm']) {
      const e = entry(file);
      const coded = readNpy(e.stored.replace('.stored.npy', '.coded.npy')).data;
      const frameLength = e.rows * e.columns * 3;
      for (let frame = 0; frame < e.frames; frame++) {
        const decoded = await decodeFrame(parseDicom(fixtureBytes(e.file)).frameData(frame), e.transferSyntaxUID, infoOf(e), { colorSpace: 'native' });
        expect(decoded.photometricInterpretation).toBe('YBR_FULL');
        expect(firstDifference(decoded.pixels, coded, frame * frameLength, undefined, e.tolerance)).toBe(-1);
      }
    }
  });

  it("reports RGB for YCbCr decoded with colorSpace 'rgb', and for streams coded as RGB", async () => {
    for (const [file, options] of [['rgb8.baseline-dcmtk-422.dcm', {}], ['rgb8.baseline-dcmtk-rgb.dcm', { colorSpace: 'native' }]] as const) {
      const decoded = await expectMatches(entry(file), undefined, options);
      expect(decoded.photometricInterpretation).toBe('RGB');
    }
  });

  it('reads colour from the codestream when the attribute says RGB for YCbCr (GDCM)', async () => {
    const e = entry('rgb8.baseline-gdcm.dcm');
    expect(e.photometricInterpretation).toBe('RGB');
    await expectMatches(e);
  });

  it('decodes a progressive stream through libjpeg-turbo', async () => {
    const e = entry('rgb8.baseline-cjpeg-progressive.dcm');
    expect(segments(stream(e)).some((s) => s.marker === 0xc2)).toBe(true);
    await expectMatches(e);
  });
});

describe('JPEG bad input', () => {
  it('replaces the libjpeg-turbo module after a failure and decodes correctly', async () => {
    const good = entry('rgb8.baseline-dcmtk-422.dcm');
    const before = await libjpeg.get();
    const jpeg = stream(good);
    await expect(decodeFrame(jpeg.subarray(0, jpeg.length >> 1), BASELINE, infoOf(good))).rejects.toMatchObject({ code: 'TRUNCATED' });
    const after = await libjpeg.get();
    expect(after).not.toBe(before);
    await expectMatches(good);
    libjpeg.discard(after);
    await expectMatches(good); // a fresh instance again
  });

  it('refuses a few bytes claiming a vast frame before libjpeg-turbo decodes it', async () => {
    const good = entry('rgb8.baseline-dcmtk-422.dcm');
    const jpeg = stream(good).slice();
    const sof = jpeg.findIndex((byte, i) => byte === 0xff && jpeg[i + 1] === 0xc0);
    new DataView(jpeg.buffer).setUint16(sof + 5, 8192);
    new DataView(jpeg.buffer).setUint16(sof + 7, 8192);
    await expect(decodeFrame(jpeg, BASELINE, { ...infoOf(good), rows: 8192, columns: 8192 })).rejects.toMatchObject({
      code: 'TRUNCATED', message: expect.stringContaining('needs at least 131072'),
    });
    await expectMatches(good);
  });

  it('says what disagrees when the frame does not match the attributes', async () => {
    const e = entry('ct_s16.lossless-dcmtk-sv1.dcm');
    const error = await decodeFrame(stream(e), LOSSLESS, { ...infoOf(e), columns: 95 }).catch((x: unknown) => x);
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).code).toBe('INVALID_PIXEL_INFO');
    expect((error as DecodeError).message).toMatch(/96×80.*95×80/);
    await expect(decodeFrame(stream(entry('ct_u12.extended-dcmtk-12bit.dcm')), LOSSLESS, { ...infoOf(entry('ct_u12.extended-dcmtk-12bit.dcm')), bitsAllocated: 8, bitsStored: 8, highBit: 7 }))
      .rejects.toMatchObject({ code: 'INVALID_PIXEL_INFO' });
  });

  it('never reads past a stream cut anywhere, and decodes correctly afterwards', async () => {
    for (const file of ['ct_s16.lossless-dcmtk-sv1.dcm', 'rgb8.lossless-py-planar-scans.dcm', 'ct_u12.extended-dcmtk-12bit.dcm', 'rgb8.baseline-cjpeg-420-restart.dcm']) {
      const e = entry(file);
      const jpeg = stream(e);
      for (let cut = 0; cut < jpeg.length - 2; cut += Math.max(1, Math.floor(jpeg.length / 23))) {
        const error = await decodeFrame(jpeg.slice(0, cut), e.transferSyntaxUID, infoOf(e), { colorSpace: 'native' }).then(() => null, (x: unknown) => x);
        expect(error, `${file} cut at ${cut}`).toBeInstanceOf(DecodeError);
        expect(['TRUNCATED', 'CORRUPT_DATA']).toContain((error as DecodeError).code);
      }
      await expectMatches(e);
    }
  });

  it('fails with a DecodeError or decodes, for corrupted bytes anywhere, then decodes correctly', async () => {
    let seed = 12345;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const file of ['ct_s16.lossless-dcmtk-sv1.dcm', 'rgb8.lossless-dcmtk-sv1.dcm', 'ct_u12.extended-dcmtk-12bit.dcm']) {
      const e = entry(file);
      const jpeg = stream(e);
      for (let trial = 0; trial < 60; trial++) {
        const bad = jpeg.slice();
        for (let n = 0; n < 3; n++) bad[Math.floor(random() * bad.length)] = Math.floor(random() * 256);
        const outcome = await decodeFrame(bad, e.transferSyntaxUID, infoOf(e)).then(() => 'decoded', (x: unknown) => x);
        if (outcome !== 'decoded') expect(outcome, `${file} trial ${trial}`).toBeInstanceOf(DecodeError);
      }
      await expectMatches(e);
    }
  });
});
