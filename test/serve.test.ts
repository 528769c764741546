// `dicom-pixels serve` in folder mode, through the built package (its render worker is
// dist/cli/serve-worker.js): rendered frames equal pydicom's renderings (fixtures/color render
// references) or the DICOM window formula over the fixture's reference values, and each way a
// request goes wrong has its status.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as serveModule from '../dist/cli/serve.js';
import type { RunningServer, ServeOptions } from '../src/cli/serve.js';
import { readInstanceUids } from '../src/dicom/part10.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, element, part10 } from '../scripts/dicom-writer.mjs';
import { writeFileSync } from 'node:fs';
import { startFakeDicomWeb, type FakeDicomWeb } from './dicomweb-server.js';
import { fixtureBytes, FIXTURES, manifest, readNpy } from './helpers.js';

const { startServer } = serveModule as unknown as { startServer: (options: ServeOptions) => Promise<RunningServer> };

/** pydicom's renderings (apply_voi_lut, inversion), checked against DCMTK dcm2pnm. */
const RENDERED = ['voi_inverse', 'voi_linear', 'voi_linear_exact', 'voi_lut', 'voi_minmax', 'voi_mono1', 'voi_sigmoid'].map((name) => ({
  file: `color/dicom/${name}.evrle.dcm`,
  reference: `color/reference/${name}.render.npy`,
}));
const FILES = [
  ...RENDERED.map((r) => r.file),
  'color/dicom/palette8.rle-dcmtk.dcm',
  'codecs/dicom/ct_s16.opj.dcm',
  'codecs/dicom/us_rgb8.dcmcjpls.dcm',
  'codecs/dicom/mr_u12.ojph.dcm',
  'dicom/mf_s16.rle-dcmtk.dcm',
];

let folder = '';
let server: RunningServer;
const logs: string[] = [];
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'dicom-pixels-serve-'));
  for (const [i, file] of FILES.entries()) cpSync(fileURLToPath(new URL(file, FIXTURES)), join(folder, `${i}.dcm`));
  server = await startServer({ folder, port: 0, workers: 2, log: (line) => logs.push(line) });
});
afterAll(async () => {
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

function pathOf(file: string, resource: string): string {
  const uids = readInstanceUids(fixtureBytes(file));
  return `/studies/${uids.studyInstanceUID}/series/${uids.seriesInstanceUID}/instances/${uids.sopInstanceUID}${resource}`;
}

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { headers });
}

async function png(path: string): Promise<{ width: number; height: number; channels: number; data: ArrayLike<number> }> {
  const response = await get(path, { Accept: 'image/png' });
  expect(response.status, await response.clone().text().catch(() => '')).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/png');
  const image = decodePng(new Uint8Array(await response.arrayBuffer()));
  return { width: image.width, height: image.height, channels: image.channels, data: image.data };
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('dicom-pixels serve (folder)', () => {
  it('indexes the folder by SOP Instance UID', () => {
    expect(server.instances).toBe(FILES.length);
  });

  for (const { file, reference } of RENDERED) {
    it(`renders ${file} as pydicom does (within 1 grey level)`, async () => {
      const image = await png(pathOf(file, '/rendered'));
      expect(maxDifference(image.data, readNpy(reference).data)).toBeLessThanOrEqual(1);
    });
  }

  it('applies the window of the query (C.11.2.1.2.1) to a JPEG 2000 CT frame', async () => {
    const entry = manifest.fixtures.find((f) => f.file === 'codecs/dicom/ct_s16.opj.dcm')!;
    const hu = readNpy(entry.modality ?? entry.stored).data;
    const [c, w] = [40, 400];
    const expected = Array.from(hu, (x) => {
      const y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255;
      return Math.min(255, Math.max(0, Math.round(y)));
    });
    const image = await png(pathOf(entry.file, `/frames/1/rendered?window=${c},${w},linear`));
    expect(image.channels).toBe(1);
    expect(maxDifference(image.data, expected)).toBeLessThanOrEqual(1);
  });

  it('renders colour (palette, JPEG-LS RGB) as the references and fits a viewport', async () => {
    const palette = await png(pathOf('color/dicom/palette8.rle-dcmtk.dcm', '/rendered'));
    expect(palette.channels).toBe(3);
    expect(maxDifference(palette.data, readNpy('color/reference/palette8.rgb.npy').data)).toBe(0);
    const entry = manifest.fixtures.find((f) => f.file === 'codecs/dicom/us_rgb8.dcmcjpls.dcm')!;
    const rgb = await png(pathOf(entry.file, '/rendered'));
    expect(maxDifference(rgb.data, readNpy(entry.stored).data)).toBe(0);
    const small = await png(pathOf(entry.file, '/rendered?viewport=64,64'));
    expect(Math.max(small.width, small.height)).toBe(64);
    expect(small.width / small.height).toBeCloseTo(entry.columns / entry.rows, 1);
  });

  it('thumbnail: the middle frame within 256 pixels, as JPEG when asked', async () => {
    const response = await get(pathOf('dicom/mf_s16.rle-dcmtk.dcm', '/thumbnail'), { Accept: 'image/jpeg' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const image = jpeg.decode(new Uint8Array(await response.arrayBuffer()));
    expect(image.width).toBeLessThanOrEqual(256);
    expect((await png(pathOf('codecs/dicom/mr_u12.ojph.dcm', '/thumbnail'))).width).toBeGreaterThan(0);
  });

  it('answers a repeat with the cached image, and If-None-Match with 304', async () => {
    const path = pathOf('codecs/dicom/ct_s16.opj.dcm', '/rendered');
    const first = await get(path);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await get(path, { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(logs.map((line) => JSON.parse(line) as { path: string; cache?: string }).filter((entry) => entry.path === path).map((entry) => entry.cache)).toContain('hit');
  });

  it('gives each bad request its status, with the reason in a Warning header', async () => {
    const known = 'codecs/dicom/ct_s16.opj.dcm';
    const status = async (path: string, headers?: Record<string, string>) => {
      const response = await get(path, headers);
      return [response.status, response.headers.get('warning') !== null] as const;
    };
    expect(await status('/studies/1/series/2/instances/3/rendered')).toEqual([404, true]);
    expect(await status(pathOf(known, '/frames/2/rendered'))).toEqual([404, true]);
    expect(await status(pathOf(known, '/frames/1,2/rendered'))).toEqual([400, true]);
    expect(await status(pathOf(known, '/rendered?window=40'))).toEqual([400, true]);
    expect(await status(pathOf(known, '/rendered?viewport=0,10'))).toEqual([400, true]);
    expect(await status(pathOf(known, '/rendered?quality=101'))).toEqual([400, true]);
    expect(await status(pathOf(known, '/rendered'), { Accept: 'application/dicom' })).toEqual([406, true]);
    expect(await status('/nothing')).toEqual([404, true]);
    const post = await fetch(`${server.url}${pathOf(known, '/rendered')}`, { method: 'POST' });
    expect(post.status).toBe(405);
    const health = (await (await get('/healthz')).json()) as { status: string; workers: number };
    expect(health).toMatchObject({ status: 'ok', workers: 2 });
  });

  it('logs one JSON line per request with its status and time', () => {
    const entries = logs.map((line) => JSON.parse(line) as { status: number; ms: number; method: string });
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.every((entry) => typeof entry.status === 'number' && typeof entry.ms === 'number' && entry.method)).toBe(true);
  });

  it('refuses work past its queue with 503 and Retry-After', async () => {
    // A 2048² frame (tens of ms a render) in a folder of its own, one worker, a queue of one.
    const big = mkdtempSync(join(tmpdir(), 'dicom-pixels-serve-big-'));
    const [rows, columns] = [2048, 2048];
    const uid = '1.2.826.0.1.3680043.8.498.1';
    writeFileSync(
      join(big, 'big.dcm'),
      part10(EXPLICIT_VR_LITTLE_ENDIAN, [
        element(0x0008, 0x0018, 'UI', `${uid}.3`),
        element(0x0020, 0x000d, 'UI', `${uid}.1`),
        element(0x0020, 0x000e, 'UI', `${uid}.2`),
        element(0x0028, 0x0002, 'US', 1),
        element(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
        element(0x0028, 0x0010, 'US', rows),
        element(0x0028, 0x0011, 'US', columns),
        element(0x0028, 0x0100, 'US', 16),
        element(0x0028, 0x0101, 'US', 16),
        element(0x0028, 0x0102, 'US', 15),
        element(0x0028, 0x0103, 'US', 0),
        element(0x7fe0, 0x0010, 'OW', new Uint8Array(rows * columns * 2).map((_, i) => i * 7)),
      ], { sopInstanceUID: `${uid}.3` }),
    );
    const busy = await startServer({ folder: big, port: 0, workers: 1, queue: 1, log: null });
    try {
      // Distinct windows: nothing cached or shared, so every request needs the one worker.
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => fetch(`${busy.url}/studies/${uid}.1/series/${uid}.2/instances/${uid}.3/rendered?window=${i},${100 + i}`)),
      );
      const codes = responses.map((r) => r.status);
      expect(codes).toContain(503);
      expect(codes).toContain(200);
      expect(responses.find((r) => r.status === 503)!.headers.get('retry-after')).toBe('1');
    } finally {
      await busy.close();
      rmSync(big, { recursive: true, force: true });
    }
  });
});

describe('dicom-pixels serve --upstream (a local DICOMweb server, well and badly behaved)', () => {
  let fake: FakeDicomWeb;
  const proxies = new Map<string, RunningServer>();
  /** A proxy of the fake server's `mode` (each a server of its own: the upstream URL is per server). */
  const proxy = async (mode: string, timeout = 30): Promise<RunningServer> => {
    const key = `${mode}/${timeout}`;
    if (!proxies.has(key)) proxies.set(key, await startServer({ upstream: `${fake.base}/${mode}`, port: 0, workers: 1, timeout, log: null }));
    return proxies.get(key)!;
  };
  const path = (name: string, resource: string) => `/studies/1.2.3/series/4.5.6/instances/${name}${resource}`;
  beforeAll(async () => {
    fake = await startFakeDicomWeb();
  });
  afterAll(async () => {
    for (const running of proxies.values()) await running.close();
    await fake.close();
  });

  it('renders what the upstream sends: a windowed CT frame, a palette whose LUTs are bulk data, a multi-frame thumbnail', async () => {
    const ok = await proxy('ok');
    const entry = manifest.fixtures.find((f) => f.file === 'dicom/ct_s16.evrle.dcm')!;
    const hu = readNpy(entry.modality!).data;
    const expected = Array.from(hu, (x) => Math.min(255, Math.max(0, Math.round(((x - 39.5) / 399 + 0.5) * 255))));
    const response = await fetch(`${ok.url}${path('ct_s16_native', '/frames/1/rendered?window=40,400')}`);
    expect(response.status).toBe(200);
    expect(maxDifference(decodePng(new Uint8Array(await response.arrayBuffer())).data, expected)).toBeLessThanOrEqual(1);
    const palette = await fetch(`${ok.url}${path('palette8_rle', '/rendered')}`);
    expect(palette.status).toBe(200);
    expect(maxDifference(decodePng(new Uint8Array(await palette.arrayBuffer())).data, readNpy('color/reference/palette8.rgb.npy').data)).toBe(0);
    expect(fake.requests.some((r) => r.url.includes('palette8_rle/bulk/'))).toBe(true);
    expect((await fetch(`${ok.url}${path('mf_rescale_rle', '/thumbnail')}`)).status).toBe(200);
    expect(fake.requests.some((r) => r.url.endsWith('mf_rescale_rle/frames/2'))).toBe(true); // the middle of 3
  });

  it('gives each bad upstream answer its status, and leaves no request stuck', async () => {
    const status = async (mode: string, name = 'ct_s16_native', timeout = 30) => (await fetch(`${(await proxy(mode, timeout)).url}${path(name, '/rendered')}`)).status;
    expect(await status('ok', 'no_such_instance')).toBe(404);
    expect(await status('truncated')).toBe(502);
    expect(await status('wrong-boundary')).toBe(502);
    expect(await status('unsupported')).toBe(415);
    expect(await status('slow', 'ct_s16_native', 1)).toBe(504);
    const unreachable = await startServer({ upstream: 'http://127.0.0.1:9/dicom-web', port: 0, workers: 1, log: null });
    try {
      expect((await fetch(`${unreachable.url}${path('x', '/rendered')}`)).status).toBe(502);
    } finally {
      await unreachable.close();
    }
  });
});
