/**
 * Browser check of the viewer demo (web/, served by scripts/demo-web.mjs): the canvas must show
 * what the fixtures' own references say, computed here in Node from the reference arrays and the
 * DICOM window formula (PS3.3 C.11.2.1.2.1), not with this library's renderFrame. Checked: a CT
 * frame under a set window, a preset and a mouse drag; MONOCHROME1 inversion; YBR_FULL and
 * palette colour; stepping a multi-frame file (and its prefetch); a decode error's code on the page.
 *
 * Usage: node test/browser/viewer.mjs [--screenshot PATH]   (after npm run build; CHROMIUM=/path
 * overrides /usr/bin/chromium). As a module: checkViewer(browser, { screenshotPath }).
 */
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDemoServer } from '../../scripts/demo-web.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'fixtures');

/** A decode or page call that never settles fails its check instead of hanging the run. */
const STEP_TIMEOUT = 30_000;
/** Grey levels a pixel may differ from the reference by (rounding conventions differ by one). */
const TOLERANCE = 1;

const NPY_TYPES = { '|u1': Uint8Array, '|i1': Int8Array, '<u2': Uint16Array, '<i2': Int16Array, '<u4': Uint32Array, '<i4': Int32Array, '<f4': Float32Array, '<f8': Float64Array };

/** A fixture's reference array (.npy 1.x/2.x, little endian, C order). */
function readNpy(path) {
  const bytes = readFileSync(join(fixtures, path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const start = major === 1 ? 10 : 12;
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const header = bytes.subarray(start, start + length).toString('latin1');
  const dtype = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const Type = NPY_TYPES[dtype];
  if (!Type || /'fortran_order':\s*True/.test(header)) throw new Error(`${path}: unsupported npy (${header})`);
  return { shape, data: new Type(new Uint8Array(bytes.subarray(start + length)).buffer) };
}

const manifest = (family = '') => JSON.parse(readFileSync(join(fixtures, family, 'manifest.json'), 'utf8'));

/**
 * PS3.3 C.11.2.1.2.1, the LINEAR window onto 0..255, unrounded:
 * x ≤ c − 0.5 − (w − 1)/2 → 0; x > c − 0.5 + (w − 1)/2 → 255; else ((x − (c − 0.5)) / (w − 1) + 0.5) × 255.
 */
function linearWindow(x, center, width) {
  if (x <= center - 0.5 - (width - 1) / 2) return 0;
  if (x > center - 0.5 + (width - 1) / 2) return 255;
  return ((x - (center - 0.5)) / (width - 1) + 0.5) * 255;
}

/**
 * Check a drawn canvas (RGBA) against expected grey or RGB values, every pixel.
 * @returns {{ pixels: number, worst: number, mismatches: number, examples: object[] }}
 */
function compare(canvas, expected, channels) {
  let worst = 0;
  let mismatches = 0;
  const examples = [];
  const count = canvas.width * canvas.height;
  for (let p = 0; p < count; p++) {
    for (let c = 0; c < 3; c++) {
      const want = expected[p * channels + (channels === 3 ? c : 0)];
      const got = canvas.data[p * 4 + c];
      const off = Math.abs(got - want);
      worst = Math.max(worst, off);
      if (off > TOLERANCE) {
        mismatches++;
        if (examples.length < 5) examples.push({ x: p % canvas.width, y: Math.floor(p / canvas.width), channel: c, got, want: Math.round(want * 100) / 100 });
      }
    }
  }
  return { pixels: count, worst: Math.round(worst * 100) / 100, mismatches, examples };
}

/**
 * Open the viewer demo in a page of `browser` and check what it draws against the fixtures'
 * references. Never throws for a failed check: each becomes a line of `failures`.
 *
 * @param {import('playwright-core').Browser} browser A launched Chromium.
 * @param {{ screenshotPath?: string }} [options] Where to save a screenshot of the page at the end.
 * @returns {Promise<{ ok: boolean, failures: string[], details: Record<string, unknown> }>}
 */
export async function checkViewer(browser, { screenshotPath } = {}) {
  const failures = [];
  const details = {};
  const fail = (message) => failures.push(message);
  let server;
  let page;

  /** Run one named check; an exception (or a timeout) is that check's failure, not the run's. */
  async function step(name, body) {
    let timer;
    try {
      const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${STEP_TIMEOUT} ms`)), STEP_TIMEOUT)));
      await Promise.race([body(), timeout]);
    } catch (error) {
      fail(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  const open = (url) => page.evaluate((u) => window.viewer.open(u), url);
  const state = () => page.evaluate(() => window.viewer.state());
  const canvas = () =>
    page.evaluate(() => {
      const element = document.getElementById('view');
      const { width, height } = element;
      return { width, height, data: Array.from(element.getContext('2d').getImageData(0, 0, width, height).data) };
    });

  /** The canvas against a reference frame of `rows` × `columns` values mapped by `expect`. */
  async function checkPixels(name, { rows, columns, channels = 1 }, values, expect) {
    const drawn = await canvas();
    if (drawn.width !== columns || drawn.height !== rows) {
      fail(`${name}: canvas is ${drawn.width}×${drawn.height}, the frame ${columns}×${rows}`);
      return;
    }
    const expected = Float64Array.from(values, expect);
    const result = compare(drawn, expected, channels);
    details[name] = result;
    if (result.mismatches > 0) fail(`${name}: ${result.mismatches} samples off by more than ${TOLERANCE} (worst ${result.worst}), e.g. ${JSON.stringify(result.examples[0])}`);
  }

  /** Where a window's ramp, floor and ceiling fall in a frame: a check that covers all three. */
  function coverage(values, center, width) {
    const levels = Array.from(values, (x) => linearWindow(x, center, width));
    return { below: levels.filter((v) => v === 0).length, ramp: levels.filter((v) => v > 0 && v < 255).length, above: levels.filter((v) => v === 255).length };
  }

  try {
    server = await startDemoServer({ port: 0 });
    details.url = server.url;
    page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && pageErrors.push(`console: ${message.text()}`));
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: STEP_TIMEOUT });
    details.fixtureMenu = await page.locator('#fixtures option').count();
    if (details.fixtureMenu < 10) fail(`fixture menu: ${details.fixtureMenu} entries`);

    // CT, signed 16-bit with rescale: real-world values (HU) from the reference, windowed here.
    const ct = readNpy('reference/ct_s16.modality.npy');
    const ctShape = { rows: ct.shape[1], columns: ct.shape[2] };
    await step('CT soft tissue 40/400', async () => {
      await open('/fixtures/dicom/ct_s16.evrle.dcm');
      await page.evaluate(() => window.viewer.setWindow(40, 400));
      const s = await state();
      details.ct = { state: s, coverage: coverage(ct.data, 40, 400) };
      if (s.window?.center !== 40 || s.window?.width !== 400) fail(`CT: window reads back as ${JSON.stringify(s.window)}`);
      const [min, max] = [Math.min(...ct.data), Math.max(...ct.data)];
      if (s.min !== min || s.max !== max) fail(`CT: min/max ${s.min}/${s.max}, the reference ${min}/${max}`);
      if (details.ct.coverage.ramp < 10) fail('CT: too few pixels inside the 40/400 window to check it');
      await checkPixels('CT 40/400', ctShape, ct.data, (x) => linearWindow(x, 40, 400));
    });
    await step('CT lung preset', async () => {
      await page.selectOption('#preset', { label: 'Lung: C -600 / W 1500' });
      await page.waitForFunction(() => window.viewer.state().window?.center === -600);
      await checkPixels('CT lung -600/1500', ctShape, ct.data, (x) => linearWindow(x, -600, 1500));
    });
    await step('CT window drag', async () => {
      await page.evaluate(() => window.viewer.setWindow(40, 400));
      const box = await page.locator('#view').boundingBox();
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x + 120, y + 60, { steps: 6 });
      await page.mouse.up();
      await page.waitForFunction(() => window.viewer.state().window?.width > 400);
      const { window: after } = await state();
      details.drag = after;
      if (!(after.center > 40)) fail(`drag down should raise the centre: ${JSON.stringify(after)}`);
      await checkPixels('CT after drag', ctShape, ct.data, (v) => linearWindow(v, after.center, after.width));
    });

    // MONOCHROME1: the file's own window (2100/3000, fixtures/color/PROVENANCE.md), inverted.
    await step('MONOCHROME1', async () => {
      const stored = readNpy('color/reference/voi_mono1.stored.npy');
      const shape = { rows: stored.shape[1], columns: stored.shape[2] };
      await open('/fixtures/color/dicom/voi_mono1.evrle.dcm');
      const s = await state();
      details.mono1 = { state: s, coverage: coverage(stored.data, 2100, 3000) };
      if (s.window?.center !== 2100 || s.window?.width !== 3000) fail(`MONOCHROME1: expected the file's window 2100/3000, got ${JSON.stringify(s.window)}`);
      await checkPixels('MONOCHROME1 2100/3000 inverted', shape, stored.data, (x) => 255 - linearWindow(x, 2100, 3000));
      // And pydicom's rendering of it (apply_voi_lut, then 255 − v), checked by DCMTK dcm2pnm.
      const rendered = readNpy('color/reference/voi_mono1.render.npy');
      await checkPixels('MONOCHROME1 vs pydicom render', shape, rendered.data, (v) => v);
    });

    // Colour: pydicom's RGB (convert_color_space, apply_color_lut); 16-bit palettes scale by 255/65535.
    const colour = [
      ['YBR_FULL (RLE, GDCM)', 'color/dicom/ybr_full.rle-gdcm.dcm', 'color/reference/ybr_full.rgb.npy', 1],
      ['PALETTE COLOR 8-bit', 'color/dicom/palette8.rle-dcmtk.dcm', 'color/reference/palette8.rgb.npy', 1],
      ['PALETTE COLOR 16-bit', 'color/dicom/palette16.evrle.dcm', 'color/reference/palette16.rgb.npy', 255 / 65535],
    ];
    for (const [name, dicom, reference, scale] of colour) {
      await step(name, async () => {
        const rgb = readNpy(reference);
        await open(`/fixtures/${dicom}`);
        const s = await state();
        if (s.photometricInterpretation !== 'RGB') fail(`${name}: decoded as ${s.photometricInterpretation}`);
        await checkPixels(name, { rows: rgb.shape[1], columns: rgb.shape[2], channels: 3 }, rgb.data, (v) => v * scale);
      });
    }

    // Multi-frame: prefetch of the next frame, then the slider to frame 1, windowed here.
    await step('multi-frame', async () => {
      const entry = manifest().fixtures.find((f) => f.file === 'dicom/mf_s16.rle-dcmtk.dcm');
      const modality = readNpy(entry.modality);
      const [frames, rows, columns] = modality.shape;
      await open('/fixtures/dicom/mf_s16.rle-dcmtk.dcm');
      const first = await state();
      if (first.frames !== frames) fail(`multi-frame: ${first.frames} frames, the manifest ${frames}`);
      await page.waitForFunction(() => window.viewer.state().cached.includes(1), null, { timeout: 10_000 }).catch(() => fail('multi-frame: frame 1 was not prefetched'));
      await page.locator('#frame').fill('1');
      await page.waitForFunction(() => window.viewer.state().frame === 1);
      await page.evaluate(() => window.viewer.setWindow(-1000, 3000));
      const frame1 = modality.data.subarray(rows * columns, 2 * rows * columns);
      details.multiFrame = { state: await state(), coverage: coverage(frame1, -1000, 3000) };
      await checkPixels('multi-frame frame 1', { rows, columns }, frame1, (x) => linearWindow(x, -1000, 3000));
    });

    // A decode that fails in the pool's worker: its DecodeError code must reach the page.
    await step('decode error', async () => {
      const bad = manifest().bad.find((b) => b.file === 'bad/rle-truncated-fragment.dcm');
      const outcome = await page.evaluate((u) => window.viewer.open(u).then(() => 'drawn', (error) => error.code ?? error.message), `/fixtures/${bad.file}`);
      const shown = (await page.locator('#error').isVisible()) ? await page.locator('#error').textContent() : null;
      details.error = { outcome, shown };
      if (outcome !== bad.expectCode) fail(`decode error: open gave ${outcome}, expected ${bad.expectCode}`);
      if (!shown?.startsWith(`${bad.expectCode}: `)) fail(`decode error: the page shows ${JSON.stringify(shown)}`);
    });

    // The picture to look at: the CT under a soft-tissue window.
    await step('screenshot', async () => {
      await open('/fixtures/dicom/ct_s16.evrle.dcm');
      await page.evaluate(() => window.viewer.setWindow(40, 400));
      if (screenshotPath) {
        mkdirSync(dirname(screenshotPath), { recursive: true });
        await page.screenshot({ path: screenshotPath });
        details.screenshot = screenshotPath;
      }
    });

    details.pageErrors = pageErrors;
    for (const message of pageErrors) fail(message);
  } catch (error) {
    fail(`viewer: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await page?.close().catch(() => {});
    await server?.close().catch(() => {});
  }
  return { ok: failures.length === 0, failures, details };
}

const isMain = process.argv[1] !== undefined && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
if (isMain) {
  const { chromium } = await import('playwright-core');
  const executablePath = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
  if (!executablePath) {
    console.error("Chromium not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM");
    process.exit(2);
  }
  const at = process.argv.indexOf('--screenshot');
  const screenshotPath = at > 0 ? process.argv[at + 1] : join(root, 'build', 'viewer.png');
  const browser = await chromium.launch({ executablePath, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const result = await checkViewer(browser, { screenshotPath });
    for (const [name, value] of Object.entries(result.details)) {
      if (value && typeof value === 'object' && 'mismatches' in value) console.log(`  ${name}: ${value.pixels} pixels, worst ${value.worst}, ${value.mismatches} off`);
    }
    console.log(result.ok ? `viewer: ok (screenshot ${screenshotPath})` : `viewer: ${result.failures.length} failures\n  ${result.failures.join('\n  ')}`);
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    await browser.close();
  }
}
