// The JPEG 2000 Part 1 conformance matrix (fixtures/j2k, see its PROVENANCE.md): codestreams made
// by opj_compress, grk_compress and gdcmconv over every progression order, precincts, layers,
// tiles and tile-parts, code-block sizes and styles, 5/3 and 9/7, 8 to 16 bits signed and
// unsigned, 1 and 3 components, odd and tiny sizes, SOP / EPH, POC, ROI, offsets and JP2 files.
// References: the original samples (lossless, confirmed by opj_decompress and grk_decompress) or
// opj_decompress's output (lossy), and opj_decompress -r N for reduced resolutions.
//
// Every case must decode within its tolerance. The dicom-pixels decoder (src/decoders/j2k/) must
// take every stream except those it leaves to OpenJPEG (ROI); cases marked
// `openjpegWasm` are those the OpenJPEG WASM build refuses, which only our decoder decodes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFile, type DecodedFrame, type DecodeFileOptions } from '../src/index.js';
import { parseDicom } from '../src/dicom/part10.js';
import { codestreamStart } from '../src/decoders/jpeg2000.js';
import { parse, unsupported } from '../src/decoders/j2k/decode.js';
import { kernels } from '../src/wasm/kernels.js';
import { FIXTURES, firstDifference, fixtureBytes, readNpy } from './helpers.js';

interface J2kReduced {
  resolutionLevel: number;
  rows: number;
  columns: number;
  reference: string;
}

interface J2kCase {
  file: string;
  stream: string;
  transferSyntaxUID: string;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  photometricInterpretation: string;
  reference: string;
  lossy: boolean;
  /** Largest |decoded - reference| per sample: 0 for 5/3 streams, 1 for 9/7. */
  tolerance: number;
  encoder: string;
  command: string;
  features: string[];
  reduced?: J2kReduced[];
  /** Why the current OpenJPEG path refuses the stream ("refused: ..."), if it does. */
  openjpegWasm?: string;
}

const manifest = JSON.parse(readFileSync(new URL('j2k/manifest.json', FIXTURES), 'utf8')) as { cases: J2kCase[] };
const cases = manifest.cases;
const inFolder = (path: string) => `j2k/${path}`;
const title = (entry: J2kCase) => `${entry.file.replace(/^dicom\//, '')} [${entry.features.join(' ')}]`;

const decode = (entry: J2kCase, options: DecodeFileOptions): Promise<DecodedFrame> => decodeFile(fixtureBytes(inFolder(entry.file)), options);

/** Features of the streams the dicom-pixels decoder leaves to OpenJPEG. */
const FALLBACK = ['roi'];

function expectMatches(decoded: DecodedFrame, reference: string, geometry: { rows: number; columns: number }, entry: J2kCase): void {
  const expected = readNpy(inFolder(reference)).data;
  expect([decoded.rows, decoded.columns, decoded.samplesPerPixel]).toEqual([geometry.rows, geometry.columns, entry.samplesPerPixel]);
  expect(decoded.pixels.length).toBe(expected.length);
  const at = firstDifference(decoded.pixels, expected, 0, undefined, entry.tolerance);
  expect(at === -1 ? 'equal' : `sample ${at}: ${decoded.pixels[at]} instead of ${expected[at]}`).toBe('equal');
}

describe('JPEG 2000 conformance matrix', () => {
  it('covers the matrix', () => {
    const features = new Set(cases.flatMap((entry) => entry.features));
    for (const feature of [
      'LRCP', 'RLCP', 'RPCL', 'PCRL', 'CPRL', 'precincts', 'layers:5', 'tiles', 'partial-tiles', 'tile-parts',
      'bypass', 'reset', 'termall', 'vcausal', 'pterm', 'segsym', '5/3', '9/7', 'RCT', 'ICT', 'signed',
      'bits:8', 'bits:12', 'bits:16', 'components:3', 'levels:0', 'levels>size', 'sop', 'eph', 'poc', 'roi',
      'plt', 'tlm', 'offset', 'tile-offset', 'jp2', 'cblk:4x4', 'guard:1',
    ]) {
      expect(features, feature).toContain(feature);
    }
    expect(new Set(cases.map((entry) => entry.encoder))).toEqual(new Set(['opj_compress', 'grk_compress', 'gdcmconv --j2k']));
    expect(cases.filter((entry) => entry.reduced).length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases.map((entry) => [title(entry), entry] as const))('streams/ holds the codestream of %s', (_, entry) => {
    const stream = fixtureBytes(inFolder(entry.stream));
    const data = parseDicom(fixtureBytes(inFolder(entry.file))).frameData(0);
    const fragment = Array.isArray(data) ? data[0]! : data;
    // pydicom pads an odd-length fragment with one zero byte
    expect(fragment.length - stream.length).toBeGreaterThanOrEqual(0);
    expect(fragment.length - stream.length).toBeLessThanOrEqual(1);
    expect(Buffer.from(fragment.subarray(0, stream.length)).equals(Buffer.from(stream))).toBe(true);
  });

  it.each(cases.map((entry) => [title(entry), entry] as const))('%s', async (_, entry) => {
    expectMatches(await decode(entry, { modalityLut: false }), entry.reference, entry, entry);
  });

  it.each(cases.map((entry) => [title(entry), entry] as const))('the decoder for %s', (_, entry) => {
    const stream = fixtureBytes(inFolder(entry.stream));
    const reason = unsupported(parse(stream.subarray(codestreamStart(stream)), entry.transferSyntaxUID));
    const fallback = entry.features.some((feature) => FALLBACK.includes(feature));
    expect(reason === undefined ? 'dicom-pixels' : `OpenJPEG: ${reason}`).toMatch(fallback ? /^OpenJPEG/ : /^dicom-pixels$/);
    if (entry.openjpegWasm !== undefined) expect(fallback).toBe(false);
  });

  const reduced = cases.flatMap((entry) => (entry.reduced ?? []).map((level) => [title(entry), level.resolutionLevel, entry, level] as const));
  it.each(reduced)('%s at resolution level %i', async (_, level, entry, expected) => {
    expectMatches(await decode(entry, { modalityLut: false, resolutionLevel: level }), expected.reference, expected, entry);
  });
});

describe('JPEG 2000 output kernels', () => {
  const BAD_REGION = -41;
  it('refuse a source plane that does not lie within its region', async () => {
    const k = await kernels();
    const mark = k.mark();
    try {
      const src = k.alloc(16 * 4);
      const dst = k.alloc(64);
      const end = src + 16 * 4;
      const fn = k.fn;
      expect(fn.j2kInverseRct(src, src, src, 4, 4, 4, end)).toBe(0);
      expect(fn.j2kInverseRct(src, src, src + 4, 4, 4, 4, end)).toBe(BAD_REGION);
      expect(fn.j2kInverseIct(src, src, src, 4, 4, 5, end)).toBe(BAD_REGION);
      expect(fn.j2kInverseIct(src, src, src, 3, 4, 4, end)).toBe(BAD_REGION);
      expect(fn.j2kStoreComponent(src, end, 4, 4, 4, 0, dst, dst + 64, 1, 4, 1, 128, 0, 255)).toBe(0);
      expect(fn.j2kStoreComponent(src + 4, end, 4, 4, 4, 0, dst, dst + 64, 1, 4, 1, 128, 0, 255)).toBe(BAD_REGION);
      expect(fn.j2kStoreComponents3(src, src, src, end, 4, 4, 4, 0, dst, dst + 64, 12, 128, 0, 255)).toBe(0);
      expect(fn.j2kStoreComponents3(src, src, src + 4, end, 4, 4, 4, 0, dst, dst + 64, 12, 128, 0, 255)).toBe(BAD_REGION);
    } finally {
      k.release(mark);
    }
  });
});
