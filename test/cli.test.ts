// The built CLI (dist/cli/main.js, as installed as `dicom-pixels`) against the references.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { firstDifference, FIXTURES, manifest, parseNpy, readNpy } from './helpers.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'dicom-pixels-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const fixturePath = (file: string) => fileURLToPath(new URL(file, FIXTURES));
const cli = (...args: string[]) => run(process.execPath, [CLI, ...args]);

// One encoding of every case, plus the multi-frame table variants.
const cases = [...new Map(manifest.fixtures.map((entry) => [entry.case, entry])).values()];
const tables = manifest.fixtures.filter((entry) => entry.encapsulation === 'eot' || entry.encapsulation === 'bot');

describe('dicom-pixels decode', () => {
  it.each([...cases, ...tables].map((entry) => [entry.file, entry] as const))('%s → .npy equal to the references', async (_, entry) => {
    const stored = join(out, `${entry.case}.${entry.encoder.replace(/\W+/g, '_')}.stored.npy`);
    await cli('decode', fixturePath(entry.file), '--out', stored, '--stored');
    const storedNpy = parseNpy(readFileSync(stored));
    const reference = readNpy(entry.stored);
    expect(storedNpy.shape).toEqual([entry.frames, entry.rows, entry.columns, ...(entry.samplesPerPixel > 1 ? [entry.samplesPerPixel] : [])]);
    expect(storedNpy.dtype).toBe(reference.dtype === '|b1' ? '|u1' : reference.dtype);
    expect(firstDifference(storedNpy.data, reference.data, 0, undefined, entry.tolerance ?? 0)).toBe(-1);

    if (entry.modality) {
      const modality = join(out, `${entry.case}.modality.npy`);
      await cli('decode', fixturePath(entry.file), '--out', modality);
      const npy = parseNpy(readFileSync(modality));
      const round = npy.dtype === '<f4' ? Math.fround : (v: number) => v;
      // Lossy entries state their bound in stored units; the CLI applies integer rescale here.
      const bound = (entry.tolerance ?? 0) * Math.abs(JSON.parse((await cli('info', fixturePath(entry.file))).stdout).modalityLut?.rescaleSlope ?? 1);
      expect(firstDifference(npy.data, readNpy(entry.modality).data, 0, round, bound)).toBe(-1);
    }
  });

  it('writes one frame with --frame', async () => {
    const entry = manifest.fixtures.find((fixture) => fixture.case === 'mf_s16' && fixture.encapsulation === 'eot')!;
    const file = join(out, 'frame3.npy');
    await cli('decode', fixturePath(entry.file), '--out', file, '--frame', '3', '--stored');
    const npy = parseNpy(readFileSync(file));
    expect(npy.shape).toEqual([1, entry.rows, entry.columns]);
    expect(firstDifference(npy.data, readNpy(entry.stored).data, 3 * entry.rows * entry.columns)).toBe(-1);
  });
});

describe('dicom-pixels info', () => {
  it('prints the transfer syntax, frames and attributes as JSON', async () => {
    const entry = manifest.fixtures.find((fixture) => fixture.file === 'dicom/ct_s16.rle-dcmtk.dcm')!;
    const { stdout } = await cli('info', fixturePath(entry.file));
    const info = JSON.parse(stdout);
    expect(info).toMatchObject({
      transferSyntaxUID: '1.2.840.10008.1.2.5',
      transferSyntaxName: 'RLE Lossless',
      numberOfFrames: 1,
      info: { rows: entry.rows, columns: entry.columns, bitsAllocated: 16, pixelRepresentation: 1 },
      modalityLut: { rescaleSlope: 1, rescaleIntercept: -1024 },
      outputType: 'Int32Array',
    });
  });
});

describe('dicom-pixels bench', () => {
  it('prints a decode speed row per file', async () => {
    const { stdout } = await cli('bench', fixturePath('dicom/ct_s16.rle-dcmtk.dcm'), fixturePath('jpeg/dicom'), '--seconds', '0.02');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^file +transfer syntax +size +first ms +median ms +MP\/s/);
    const rle = lines.find((line) => line.includes('ct_s16.rle-dcmtk.dcm'))!;
    expect(rle).toMatch(/RLE Lossless +\d+×\d+ +[\d.]+ +[\d.]+ +[\d.]+/);
    expect(lines.filter((line) => line.includes('jpeg/dicom/')).length).toBeGreaterThan(10);
  });

  it('names a file it cannot decode, measures the rest, and exits 1', async () => {
    const failure = await cli('bench', fixturePath('bad/text.dcm'), fixturePath('dicom/ct_s16.rle-dcmtk.dcm'), '--seconds', '0.01').then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/bad\/text\.dcm: not a DICOM file[^\n]*\n1 file could not be decoded/);
    expect(failure?.stdout).toContain('ct_s16.rle-dcmtk.dcm');
  });
});

describe('dicom-pixels --version', () => {
  it('prints the package version', async () => {
    const { stdout } = await cli('--version');
    expect(stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });
});

describe('CLI errors', () => {
  it.each([
    ['a bad file', ['decode', fixturePath('bad/rle-segcount-16.dcm'), '--out', join(out, 'x.npy')], /^dicom-pixels: pixel data is corrupt/],
    ['a missing file', ['info', join(out, 'missing.dcm')], /^dicom-pixels: cannot read .*ENOENT/],
    ['a frame out of range', ['decode', fixturePath('dicom/ct_s16.rle-dcmtk.dcm'), '--out', join(out, 'y.npy'), '--frame', '9'], /^dicom-pixels: frame index out of range/],
    ['not DICOM', ['info', fixturePath('bad/text.dcm')], /^dicom-pixels: not a DICOM file/],
    ['a missing output folder', ['decode', fixturePath('dicom/ct_s16.rle-dcmtk.dcm'), '--out', join(out, 'missing', 'z.npy')], /^dicom-pixels: ENOENT/],
    ['bench on a missing file', ['bench', join(out, 'missing.dcm'), '--seconds', '0.01'], /^dicom-pixels: ENOENT/],
  ])('%s: one line on stderr, exit 1', async (_, args, message) => {
    const failure = await cli(...args).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(message);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
  });
});
