// thumbnail(): size and aspect ratio, frame choice, colour, errors; the JPEG 2000 resolution-level
// path against OpenJPEG's own reduced decodes and within a stated bound of full decode + box
// downscale; rendering while a decode is in flight; the `thumbnail` CLI on a batch with bad files.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode as decodePng } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFile, openDicom, renderFrame, supportedTransferSyntaxes, thumbnail, type DecodedFrame } from '../src/index.js';
import { FIXTURES, firstDifference, fixtureBytes, readNpy } from './helpers.js';

const fixturePath = (file: string) => fileURLToPath(new URL(file, FIXTURES));

/** Mean and largest |a − b|. */
function difference(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
  expect(a.length).toBe(b.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

describe('thumbnail()', () => {
  it('renders the first window, downscaled with the aspect ratio kept, as a PNG', async () => {
    const bytes = fixtureBytes('color/dicom/voi_linear.evrle.dcm');
    const { png, width, height } = await thumbnail(bytes, { size: 64 });
    expect([width, height]).toEqual([64, 48]); // 128 x 96
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height, decoded.channels, decoded.depth]).toEqual([64, 48, 1, 8]);
    const image = openDicom(bytes);
    const expected = renderFrame(await image.decodeFrame(0), { voiLut: image.frameVoiLut(0), size: 64 });
    expect(Array.from(decoded.data)).toEqual(Array.from(expected.data));
    // 2 x 2 blocks of the full rendering (pydicom's VOI, within 1) average to within 1 as well.
    const full = readNpy('color/reference/voi_linear.render.npy').data;
    const blocks = Array.from({ length: 64 * 48 }, (_, i) => {
      const x = (i % 64) * 2;
      const y = Math.floor(i / 64) * 2;
      return (full[y * 128 + x]! + full[y * 128 + x + 1]! + full[(y + 1) * 128 + x]! + full[(y + 1) * 128 + x + 1]!) / 4;
    });
    expect(difference(decoded.data, blocks).max).toBeLessThanOrEqual(1.5);
  });

  it('never enlarges: the default size 256 keeps a smaller image as it is', async () => {
    const { width, height } = await thumbnail(fixtureBytes('color/dicom/voi_lut.evrle.dcm'));
    expect([width, height]).toEqual([64, 80]);
  });

  it("takes the middle frame by default, ⌊(frames − 1) / 2⌋, or the one asked for", async () => {
    const bytes = fixtureBytes('dicom/enh_mf_rescale.rle-dcmtk.dcm'); // 3 frames that differ
    const middle = await thumbnail(bytes);
    const frames = await Promise.all([0, 1, 2].map((frame) => thumbnail(bytes, { frame })));
    expect(Array.from(middle.png)).toEqual(Array.from(frames[1]!.png));
    expect(Array.from(frames[0]!.png)).not.toEqual(Array.from(frames[1]!.png));
  });

  it('writes colour as RGB: YBR_FULL converted, palettes applied', async () => {
    const ybr = decodePng((await thumbnail(fixtureBytes('color/dicom/ybr422.rle-gdcm.dcm'))).png);
    expect([ybr.channels, ybr.width, ybr.height]).toEqual([3, 96, 64]);
    expect(firstDifference(ybr.data, readNpy('color/reference/ybr422.rgb.npy').data)).toBe(-1);
    const palette = decodePng((await thumbnail(fixtureBytes('color/dicom/palette8.evrle.dcm'))).png);
    expect(palette.channels).toBe(3);
    expect(firstDifference(palette.data, readNpy('color/reference/palette8.rgb.npy').data)).toBe(-1);
  });

  it('fails with DecodeError codes', async () => {
    const good = fixtureBytes('color/dicom/voi_linear.evrle.dcm');
    await expect(thumbnail(fixtureBytes('bad/not-dicom.dcm'))).rejects.toMatchObject({ code: 'NOT_DICOM' });
    await expect(thumbnail(good, { frame: 1 })).rejects.toMatchObject({ code: 'FRAME_OUT_OF_RANGE' });
    await expect(thumbnail(good, { size: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(thumbnail(good, { frame: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(thumbnail(fixtureBytes('color/bad/ybr422-truncated.dcm'))).rejects.toMatchObject({ code: 'TRUNCATED' });
    expect((await thumbnail(good, { size: 32 })).width).toBe(32);
  });
});

const J2K = 'color/dicom/j2k_dx.j2k.dcm';
const j2kDecodes = supportedTransferSyntaxes().some((ts) => ts.uid === '1.2.840.10008.1.2.4.90');

describe.runIf(j2kDecodes)('JPEG 2000 resolution levels', () => {
  const bytes = fixtureBytes(J2K);

  it('renders while a decode waits on the codec, without disturbing it', async () => {
    const image = openDicom(bytes);
    const pending = image.decodeFrame(0, { modalityLut: false }); // first use: the codec module loads
    const rows = 1024;
    const big: DecodedFrame = {
      pixels: Float32Array.from({ length: rows * rows }, (_, i) => i % 1000),
      rows,
      columns: rows,
      samplesPerPixel: 1,
      photometricInterpretation: 'MONOCHROME2',
      minValue: 0,
      maxValue: 999,
      modalityLutApplied: false,
    };
    const renders = [];
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      renders.push(renderFrame(big, { size: 64 }));
    }
    const decoded = await pending;
    expect(firstDifference(decoded.pixels, readNpy('color/reference/j2k_dx.stored.npy').data)).toBe(-1);
    for (const rendered of renders) expect(Array.from(rendered.data)).toEqual(Array.from(renders[0]!.data));
  });

  it.each([1, 2, 3])('decodes level %i exactly as opj_decompress -r', async (level) => {
    const reference = readNpy(`color/reference/j2k_dx.r${level}.npy`);
    const decoded = await decodeFile(bytes, { resolutionLevel: level, modalityLut: false });
    expect([decoded.rows, decoded.columns]).toEqual(reference.shape.slice(1));
    expect(firstDifference(decoded.pixels, reference.data)).toBe(-1);
  });

  // The coarse levels are JPEG 2000's low-pass subbands: samples sit on the even source pixels
  // (not block centres) and the 5/3 filter is not a box, so edges differ; measured on this
  // phantom: size 100 → mean 3.1, max 75; size 64 → mean 8.7, max 148 grey levels.
  it.each([
    { size: 100, level: 2, mean: 4, max: 100 },
    { size: 64, level: 3, mean: 10, max: 160 },
  ])('size $size decodes level $level, within mean $mean / max $max of full decode + downscale', async ({ size, level, mean, max }) => {
    const image = openDicom(bytes);
    const voiLut = image.frameVoiLut(0);
    const viaLevel = decodePng((await thumbnail(bytes, { size })).png);
    const reduced = renderFrame(await image.decodeFrame(0, { resolutionLevel: level }), { voiLut, size });
    expect(Array.from(viaLevel.data)).toEqual(Array.from(reduced.data));
    const full = renderFrame(await image.decodeFrame(0), { voiLut, size });
    expect([viaLevel.width, viaLevel.height]).toEqual([full.width, full.height]);
    const measured = difference(viaLevel.data, full.data);
    expect(measured.mean).toBeLessThanOrEqual(mean);
    expect(measured.max).toBeLessThanOrEqual(max);
  });
});

describe('dicom-pixels thumbnail (CLI)', () => {
  const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const work = mkdtempSync(join(tmpdir(), 'dicom-pixels-thumbnail-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, ...args], (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }));
    });

  it('finishes a batch with bad files: the others are written, each failure reported, exit code 1', async () => {
    const input = join(work, 'study');
    mkdirSync(join(input, 'series'), { recursive: true });
    copyFileSync(fixturePath('color/dicom/voi_linear.evrle.dcm'), join(input, 'series', 'ct.dcm'));
    copyFileSync(fixturePath('color/dicom/ybr_full.rle-dcmtk.dcm'), join(input, 'us'));
    copyFileSync(fixturePath('bad/not-dicom.dcm'), join(input, 'notes.dcm'));
    copyFileSync(fixturePath('color/bad/ybr422-truncated.dcm'), join(input, 'series', 'cut.dcm'));
    writeFileSync(join(input, '.hidden'), 'not looked at');
    const out = join(work, 'out');
    const { code, stderr } = await cli('thumbnail', input, fixturePath('color/dicom/palette16.evrle.dcm'), '--out', out, '--size', '32', '--workers', '2');
    expect(code).toBe(1);
    const ct = decodePng(readFileSync(join(out, 'series', 'ct.png')));
    expect([ct.width, ct.height, ct.channels]).toEqual([32, 24, 1]);
    const us = decodePng(readFileSync(join(out, 'us.png')));
    expect([us.width, us.height, us.channels]).toEqual([32, 21, 3]);
    expect(existsSync(join(out, 'palette16.evrle.png'))).toBe(true);
    expect(existsSync(join(out, 'notes.png'))).toBe(false);
    expect(existsSync(join(out, 'series', 'cut.png'))).toBe(false);
    expect(existsSync(join(out, '.hidden.png'))).toBe(false);
    expect(stderr).toMatch(/notes\.dcm: not a DICOM file/);
    expect(stderr).toMatch(/cut\.dcm: pixel data is truncated/);
    expect(stderr).toMatch(/3 written to .*, 2 failed, 2 workers/);
  });

  it('exits 0 when every file is written or has no pixel data, with --frame and one worker', async () => {
    // A dataset without Pixel Data (as a DICOMDIR, SR or presentation state): skipped, not failed.
    const bytes = readFileSync(fixturePath('color/dicom/voi_linear.evrle.dcm'));
    const noPixels = join(work, 'no-pixels.dcm');
    writeFileSync(noPixels, bytes.subarray(0, bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]))));
    const out = join(work, 'frames');
    const { code, stderr } = await cli('thumbnail', fixturePath('dicom/enh_mf_rescale.rle-dcmtk.dcm'), noPixels, '--out', out, '--frame', '2', '--workers', '1');
    expect(code).toBe(0);
    expect(stderr).toMatch(/1 written to .*, 1 skipped \(no pixel data\), 0 failed, 1 worker,/);
    expect(existsSync(join(out, 'no-pixels.png'))).toBe(false);
    const expected = await thumbnail(fixtureBytes('dicom/enh_mf_rescale.rle-dcmtk.dcm'), { frame: 2 });
    expect(Array.from(readFileSync(join(out, 'enh_mf_rescale.rle-dcmtk.png')))).toEqual(Array.from(expected.png));
  });

  it('rejects a bad option value', async () => {
    const { code, stderr } = await cli('thumbnail', fixturePath(J2K), '--out', join(work, 'x'), '--size', '0');
    expect(code).toBe(1);
    expect(stderr).toMatch(/size/);
  });
});
