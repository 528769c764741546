// WADO-RS client: DICOM JSON metadata (pydicom's to_json_dict, with BulkDataURIs and
// InlineBinary) and frames served by a local server the way PS3.18 says (multipart/related,
// transfer-syntax parameters), decoded to each source fixture's reference; and the ways an
// answer goes wrong. fixtures/dicomweb/ holds the metadata and frame bytes (make_dicomweb.py).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFramesResponse, fetchFrames, fetchImage, framesAcceptHeader, openDicom, type FetchedFrame } from '../src/index.js';
import { parseContentType } from '../src/dicomweb/media.js';
import { imageFromMetadata, type JsonDataset } from '../src/index.js';
import { BASE_URL, bulkFetch, framesResponse, readWebCase } from '../fuzz/dicomweb.mjs';
import { CASES, multipart, startFakeDicomWeb, type FakeDicomWeb } from './dicomweb-server.js';
import { firstDifference, fixtureBytes, FIXTURES, manifest, readNpy } from './helpers.js';


let server: FakeDicomWeb;
let base = '';
let requests: FakeDicomWeb['requests'] = [];
beforeAll(async () => {
  server = await startFakeDicomWeb();
  base = server.base;
  requests = server.requests;
});
afterAll(() => server.close());

async function all(frames: AsyncIterable<FetchedFrame>): Promise<FetchedFrame[]> {
  const out: FetchedFrame[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

/** The source fixture's reference values of frame `index` (real-world values, or RGB for palettes). */
const palettes = (JSON.parse(readFileSync(new URL('color/manifest.json', FIXTURES), 'utf8')) as { palette: { file: string; stored: string }[] }).palette.map((entry) => ({
  file: `color/${entry.file}`,
  stored: `color/${entry.stored}`,
  modality: null,
}));
function reference(source: string, index: number, frames: number): ArrayLike<number> {
  const entry = [...manifest.fixtures, ...palettes].find((f) => f.file === source)!;
  const data = readNpy(entry.modality ?? entry.stored).data;
  const length = data.length / frames;
  return Array.prototype.slice.call(data, index * length, (index + 1) * length) as number[];
}

describe('fetchFrames (WADO-RS)', () => {
  for (const entry of CASES) {
    it(`${entry.case}: every frame decodes to the reference of ${entry.source}`, async () => {
      const numbers = Array.from({ length: entry.frames }, (_, i) => i + 1);
      const frames = await all(fetchFrames(`${base}/ok/instances/${entry.case}`, numbers));
      expect(frames.map((f) => f.frameNumber)).toEqual(numbers);
      for (const [i, frame] of frames.entries()) {
        expect(frame.transferSyntaxUID).toBe(entry.transferSyntaxUID);
        expect(firstDifference(frame.pixels, reference(entry.source, i, entry.frames))).toBe(-1);
      }
    });
  }

  it('metadata: the same pixel attributes and LUTs as the Part 10 file (BulkDataURI, InlineBinary and Value forms)', async () => {
    for (const entry of CASES) {
      const image = await fetchImage(`${base}/ok/instances/${entry.case}`);
      const file = openDicom(fixtureBytes(entry.source));
      expect(image.info).toEqual(file.info);
      expect(image.numberOfFrames).toBe(file.numberOfFrames);
      expect(image.transferSyntaxUID).toBe(file.transferSyntaxUID);
      expect(image.modalityLut).toEqual(file.modalityLut);
      expect(image.voiLut).toEqual(file.voiLut);
      for (let i = 0; i < file.numberOfFrames; i++) expect(image.frameModalityLut(i)).toEqual(file.frameModalityLut(i));
    }
    expect(requests.some((r) => r.url.includes('/bulk/'))).toBe(true);
  });

  it('reads the Content-Type of a multipart answer with the syntax inside the quoted type (as Orthanc writes it)', () => {
    expect(parseContentType('multipart/related; type="image/jls; transfer-syntax=1.2.840.10008.1.2.4.80"; boundary=b0-1')).toEqual({
      type: 'multipart/related',
      parameters: { type: 'image/jls; transfer-syntax=1.2.840.10008.1.2.4.80', boundary: 'b0-1' },
    });
  });

  it('decodes a codestream labelled native by its first bytes (Orthanc 1.10 sends HTJ2K that way)', async () => {
    const image = await fetchImage(`${base}/ok/instances/ct_s16_htj2k`);
    const bytes = readFileSync(new URL('dicomweb/cases/ct_s16_htj2k/frames/1.bin', FIXTURES));
    const body = multipart('x', [{ type: 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1', body: bytes }]);
    const response = new Response(new Uint8Array(body), { headers: { 'content-type': 'multipart/related; type="application/octet-stream"; boundary=x' } });
    const frames = await all(decodeFramesResponse(response, image, [1]));
    expect(frames[0]!.transferSyntaxUID).toBe('1.2.840.10008.1.2.4.201');
    expect(firstDifference(frames[0]!.pixels, reference('codecs/dicom/ct_s16.openjph-wasm.dcm', 0, 1))).toBe(-1);
  });

  it('skips a preamble before the first boundary', async () => {
    const [frame] = await all(fetchFrames(`${base}/preamble/instances/ct_s16_native`));
    expect(firstDifference(frame!.pixels, reference('dicom/ct_s16.evrle.dcm', 0, 1))).toBe(-1);
  });

  it('asks for the stored syntax in one media range; framesAcceptHeader lists every syntax with q values', async () => {
    const accept = framesAcceptHeader();
    expect(accept.startsWith('multipart/related; type="application/octet-stream"; transfer-syntax=*, ')).toBe(true);
    expect(accept).toContain('multipart/related; type="image/jphc"; transfer-syntax=1.2.840.10008.1.2.4.201; q=');
    expect(framesAcceptHeader({ prefer: ['1.2.840.10008.1.2.4.80'], original: false })).toBe('multipart/related; type="image/jls"; transfer-syntax=1.2.840.10008.1.2.4.80');
    await all(fetchFrames(`${base}/ok/instances/ct_s16_native`));
    expect(requests.at(-1)!.accept).toBe('multipart/related; type="application/octet-stream"; transfer-syntax=*');
  });

  it('gives each way an answer goes wrong as a DecodeError', async () => {
    const run = (path: string, frames = [1]) => all(fetchFrames(`${base}/${path}`, frames));
    await expect(run('ok/instances/nothing_here')).rejects.toMatchObject({ name: 'DecodeError', code: 'FETCH_FAILED', message: expect.stringMatching(/HTTP 404/) });
    await expect(run('truncated/instances/ct_s16_native')).rejects.toMatchObject({ code: 'TRUNCATED' });
    await expect(run('wrong-boundary/instances/ct_s16_native')).rejects.toMatchObject({ code: 'CORRUPT_DATA', message: expect.stringMatching(/boundary "other"/) });
    await expect(run('unsupported/instances/ct_s16_native')).rejects.toMatchObject({ code: 'UNSUPPORTED_TRANSFER_SYNTAX', frame: 0, message: expect.stringMatching(/image\/x-unknown/) });
    await expect(run('ok/instances/ct_s16_native', [0])).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(all(fetchFrames(`${base}/slow/instances/ct_s16_native`, [1], { signal: AbortSignal.timeout(300) }))).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(all(fetchFrames('http://127.0.0.1:9/instances/x'))).rejects.toMatchObject({ code: 'FETCH_FAILED' });
  });

  it('a response with fewer parts than frames requested is TRUNCATED, after the frames that came', async () => {
    const image = await fetchImage(`${base}/ok/instances/mf_rescale_rle`);
    const response = await fetch(`${base}/ok/instances/mf_rescale_rle/frames/1,2`);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const frame of decodeFramesResponse(response, image, [1, 2, 3])) got.push(frame.frameNumber);
      })(),
    ).rejects.toMatchObject({ code: 'TRUNCATED', message: expect.stringMatching(/2 of 3 frames/) });
    expect(got).toEqual([1, 2]);
  });
});

describe('DICOMweb fuzz findings (fixtures/fuzz/bad/dicomweb-*)', () => {
  const findings = (JSON.parse(readFileSync(new URL('fuzz/manifest.json', FIXTURES), 'utf8')) as { bad: { file: string; expectCode: string }[] }).bad.filter((b) => b.file.endsWith('.json'));
  for (const { file, expectCode } of findings) {
    it(`${file}: ${expectCode === 'ok' ? 'decodes' : `fails with ${expectCode}`}, nothing else thrown`, async () => {
      const input = readWebCase(new URL(`fuzz/${file}`, FIXTURES));
      let outcome = 'ok';
      try {
        const image = await imageFromMetadata(input.metadata as JsonDataset[], { baseUrl: BASE_URL, fetch: bulkFetch(input) });
        for await (const frame of decodeFramesResponse(framesResponse(input), image, input.frameNumbers, { maxFrameBytes: 8 * 2 ** 20, ...input.options })) void frame;
      } catch (error) {
        expect((error as Error).name).toBe('DecodeError');
        outcome = (error as { code: string }).code;
      }
      expect(outcome).toBe(expectCode);
    });
  }
});
