// Against a real PACS: Debian's Orthanc with its DICOMweb plugin, started on 127.0.0.1 with a
// throw-away configuration (test/orthanc/), loaded with one fixture per transfer-syntax family.
// Frames fetched over WADO-RS (as stored, and transcoded by Orthanc) decode to the fixtures'
// references; `serve --upstream` renders them as pydicom does. Without Orthanc these tests say
// they were not run; .ci/run installs it and sets DICOM_PIXELS_REQUIRE_ORTHANC=1, so there they
// must run. See test/orthanc/FINDINGS.md for what this Orthanc serves.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decode as decodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as serveModule from '../dist/cli/serve.js';
import type { RunningServer, ServeOptions } from '../src/cli/serve.js';
import { fetchFrames, type FetchedFrame } from '../src/index.js';
import { orthancAvailable, startOrthanc, type Orthanc, type UploadedInstance } from './orthanc/orthanc.mjs';
import { FIXTURES, firstDifference, manifest, readNpy } from './helpers.js';

const { startServer } = serveModule as unknown as { startServer: (options: ServeOptions) => Promise<RunningServer> };

/** One fixture per family (distinct SOP Instance UIDs: Orthanc keeps one instance per UID). */
const FILES = [
  'dicom/ct_s16.evrle.dcm',
  'dicom/ct_u12.rle-dcmtk.dcm',
  'dicom/enh_mf_rescale.rle-dcmtk.dcm',
  'dicom/mf_s16.rle-dcmtk.dcm',
  'codecs/dicom/mr_u12.dcmcjpls.dcm',
  'codecs/dicom/ct_s12.gdcm-j2k.dcm',
  'codecs/dicom/us_rgb8.opj-ict.dcm',
  'codecs/dicom/mono8_in16.ojph.dcm',
  'jpeg/dicom/dx_u16.lossless-dcmtk-sv1.dcm',
  'jpeg/dicom/rgb8.baseline-dcmtk-422.dcm',
  'color/dicom/palette8.evrle.dcm',
  'color/dicom/voi_mono1.evrle.dcm',
  'color/dicom/ybr_full.rle-gdcm.dcm',
];

const palettes = (JSON.parse(readFileSync(new URL('color/manifest.json', FIXTURES), 'utf8')) as { palette: { file: string; stored: string }[] }).palette.map((entry) => ({
  file: `color/${entry.file}`,
  stored: `color/${entry.stored}`,
  modality: null,
  tolerance: 0,
  frames: 1,
}));
const entryOf = (file: string) => [...manifest.fixtures, ...palettes].find((f) => f.file === file)!;

/** The reference of frame `index` (real-world values, RGB for colour), and its tolerance. */
function reference(file: string, index: number): { values: ArrayLike<number>; tolerance: number } {
  const entry = entryOf(file);
  const data = readNpy(entry.modality ?? entry.stored).data;
  const length = data.length / entry.frames;
  return { values: Array.prototype.slice.call(data, index * length, (index + 1) * length) as number[], tolerance: entry.tolerance ?? 0 };
}

const availability = orthancAvailable();
const required = process.env.DICOM_PIXELS_REQUIRE_ORTHANC === '1';
if (!availability.ok) {
  console.warn(`test/orthanc.test.ts: not run: ${availability.reason} (apt-get install orthanc orthanc-dicomweb)`);
}

describe.runIf(availability.ok || required)('against Orthanc (DICOMweb)', () => {
  let orthanc: Orthanc;
  let instances: UploadedInstance[] = [];
  const instanceUrl = (u: UploadedInstance) => `${orthanc.dicomWebUrl}studies/${u.StudyInstanceUID}/series/${u.SeriesInstanceUID}/instances/${u.SOPInstanceUID}`;
  beforeAll(async () => {
    if (!availability.ok) throw new Error(`Orthanc is required here (DICOM_PIXELS_REQUIRE_ORTHANC=1) but ${availability.reason}`);
    orthanc = await startOrthanc();
    instances = await orthanc.uploadFiles(FILES.map((file) => fileURLToPath(new URL(file, FIXTURES))));
  }, 60_000);
  afterAll(() => orthanc?.stop());

  async function all(frames: AsyncIterable<FetchedFrame>): Promise<FetchedFrame[]> {
    const out: FetchedFrame[] = [];
    for await (const frame of frames) out.push(frame);
    return out;
  }

  for (const [i, file] of FILES.entries()) {
    it(`${file}: every frame over WADO-RS, as stored (or uncompressed where Orthanc cannot), equals its reference`, async () => {
      const entry = entryOf(file);
      const numbers = Array.from({ length: entry.frames }, (_, n) => n + 1);
      const frames = await all(fetchFrames(instanceUrl(instances[i]!), numbers));
      expect(frames.map((f) => f.frameNumber)).toEqual(numbers);
      for (const [n, frame] of frames.entries()) {
        const { values, tolerance } = reference(file, n);
        expect(firstDifference(frame.pixels, values, 0, (v) => v, tolerance)).toBe(-1);
      }
    });
  }

  it('frames Orthanc transcodes (to Explicit VR Little Endian, to JPEG-LS, to JPEG lossless) decode to the references', async () => {
    const cases: [string, string][] = [
      ['dicom/ct_u12.rle-dcmtk.dcm', 'multipart/related; type="application/octet-stream"'],
      ['codecs/dicom/mr_u12.dcmcjpls.dcm', 'multipart/related; type="application/octet-stream"'],
      ['dicom/ct_s16.evrle.dcm', 'multipart/related; type="image/jls"; transfer-syntax=1.2.840.10008.1.2.4.80'],
      ['jpeg/dicom/dx_u16.lossless-dcmtk-sv1.dcm', 'multipart/related; type="image/jls"; transfer-syntax=1.2.840.10008.1.2.4.80'],
      ['dicom/enh_mf_rescale.rle-dcmtk.dcm', 'multipart/related; type="image/jpeg"'],
    ];
    for (const [file, accept] of cases) {
      const entry = entryOf(file);
      const numbers = Array.from({ length: entry.frames }, (_, n) => n + 1);
      const frames = await all(fetchFrames(instanceUrl(instances[FILES.indexOf(file)]!), numbers, { accept }));
      for (const [n, frame] of frames.entries()) {
        expect(firstDifference(frame.pixels, reference(file, n).values), `${file} as ${accept}, frame ${n + 1}`).toBe(-1);
      }
    }
  });

  describe('dicom-pixels serve --upstream Orthanc', () => {
    let proxy: RunningServer;
    beforeAll(async () => {
      proxy = await startServer({ upstream: orthanc.dicomWebUrl, port: 0, workers: 2, log: null });
    });
    afterAll(() => proxy?.close());
    const path = (file: string, resource: string) => {
      const u = instances[FILES.indexOf(file)]!;
      return `${proxy.url}/studies/${u.StudyInstanceUID}/series/${u.SeriesInstanceUID}/instances/${u.SOPInstanceUID}${resource}`;
    };
    const png = async (url: string) => {
      const response = await fetch(url, { headers: { Accept: 'image/png' } });
      expect(response.status, await response.clone().text()).toBe(200);
      return decodePng(new Uint8Array(await response.arrayBuffer()));
    };
    const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      expect(a.length).toBe(b.length);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
      return max;
    };

    it('renders MONOCHROME1 with its window as pydicom does, and a palette (its LUTs bulk data) exactly', async () => {
      expect(maxDifference((await png(path('color/dicom/voi_mono1.evrle.dcm', '/rendered'))).data, readNpy('color/reference/voi_mono1.render.npy').data)).toBeLessThanOrEqual(1);
      expect(maxDifference((await png(path('color/dicom/palette8.evrle.dcm', '/rendered'))).data, readNpy('color/reference/palette8.rgb.npy').data)).toBe(0);
    });

    it('renders every family, thumbnails of multi-frame instances and J2K/HTJ2K at a reduced resolution included', async () => {
      for (const file of FILES) {
        const image = await png(path(file, '/thumbnail'));
        expect(image.width * image.height, file).toBeGreaterThan(0);
      }
    });
  });
});
