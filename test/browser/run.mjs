/**
 * Browser tests in Debian's Chromium (through playwright-core; nothing is downloaded): the test
 * app in test/browser/app is built the ways users build it (esbuild, Rollup, Vite build, the Vite
 * dev server, no bundler with an import map) against the package as npm installs it, and every
 * transfer-syntax family's fixture decoded on the main thread, in a module worker and through the
 * decoder pool must hash equal to the Node decode. A page under a Content Security Policy without
 * 'wasm-unsafe-eval' must get CODEC_UNAVAILABLE. The viewer page (test/browser/viewer.mjs) must
 * draw known fixtures with the grey levels their references give.
 *
 * Usage: npm run test:browser   (after npm run build; CHROMIUM=/path/to/chromium to override)
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { chromium } from 'playwright-core';
import sirv from 'sirv';
import { checkViewer } from './viewer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = join(root, 'build', 'browser-test');
const executablePath = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (!executablePath) {
  console.error('Chromium not found: install Debian\'s chromium (apt-get install chromium) or set CHROMIUM');
  process.exit(2);
}

/** One fixture per transfer-syntax family (and the colour cases a viewer meets). */
export const FIXTURES = [
  'dicom/ct_s16.ivrle.dcm',
  'dicom/ct_s16.evrbe.dcm',
  'dicom/ct_s16.deflate.dcm',
  'dicom/enh_mf_rescale.evrle.dcm',
  'dicom/ct_s16.rle-dcmtk.dcm',
  'color/dicom/palette8.rle-dcmtk.dcm',
  'color/dicom/ybr_full.rle-gdcm.dcm',
  'codecs/dicom/ct_s16.dcmcjpls.dcm',
  'codecs/dicom/us_rgb8.dcmcjpls-near3.dcm',
  'codecs/dicom/ct_s16.opj.dcm',
  'codecs/dicom/us_rgb8.opj-ict.dcm',
  'codecs/dicom/ct_s16.openjph-wasm.dcm',
  'jpeg/dicom/ct_s16.lossless-dcmtk-sv1.dcm',
  'jpeg/dicom/rgb8.baseline-dcmtk-422.dcm',
  'jpeg/dicom/ct_u12.extended-dcmtk-12bit.dcm',
  'deflate/dicom/ct_s16.zlib.dcm',
  'jxl/dicom/ct_u12.jxl-lossless.dcm',
  'jxl/dicom/us_rgb8_p0.jxl-lossless.dcm',
  'jxl/dicom/rgb8.jxl-jpeg-recompression-422.dcm',
];

// The package as npm installs it (package.json and dist/), and a copy of the test app.
rmSync(work, { recursive: true, force: true });
const installed = join(work, 'node_modules', 'dicom-pixels');
mkdirSync(installed, { recursive: true });
cpSync(join(root, 'package.json'), join(installed, 'package.json'));
cpSync(join(root, 'dist'), join(installed, 'dist'), { recursive: true });
const app = join(work, 'app');
cpSync(join(root, 'test', 'browser', 'app'), app, { recursive: true });

// What Node decodes (the reference the pages must equal).
const { decodeFile } = await import('../../dist/index.js');
const expected = new Map();
for (const file of FIXTURES) {
  const frame = await decodeFile(readFileSync(join(root, 'fixtures', file)));
  const bytes = new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength);
  expected.set(file, { hash: createHash('sha256').update(bytes).digest('hex'), type: frame.pixels.constructor.name, length: frame.pixels.length });
}

const fixtures = sirv(join(root, 'fixtures'), { dev: true });
/** Serve /fixtures/ from the repository's fixtures (a middleware for our servers and Vite's). */
function serveFixtures(req, res, next) {
  if (!req.url.startsWith('/fixtures/')) return next();
  req.url = req.url.slice('/fixtures'.length);
  fixtures(req, res, () => {
    res.statusCode = 404;
    res.end();
  });
}

/** A static server on 127.0.0.1 for a built app (and /fixtures/), with optional extra headers. */
async function serve(folder, { headers = {}, rewrite } = {}) {
  const files = sirv(folder, { dev: true, setHeaders: (res) => Object.entries(headers).forEach(([k, v]) => res.setHeader(k, v)) });
  const server = createServer((req, res) => {
    Object.entries(headers).forEach(([k, v]) => res.setHeader(k, v));
    serveFixtures(req, res, () => {
      const replaced = rewrite?.(req.url);
      if (replaced !== undefined) {
        res.setHeader('Content-Type', replaced.type);
        res.end(replaced.body);
        return;
      }
      files(req, res, () => {
        res.statusCode = 404;
        res.end('not found');
      });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** The ways the app is built and served: each gives a URL and a close(). */
const setups = {
  async esbuild() {
    const out = join(work, 'out-esbuild');
    await esbuild({
      absWorkingDir: work,
      // esbuild emits no worker for `new Worker(new URL(...))`: the pool's is an entry point.
      entryPoints: ['app/main.js', 'app/worker.js', { in: 'dicom-pixels/pool-worker', out: 'pool-worker' }],
      outdir: out,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      logLevel: 'error',
    });
    cpSync(join(app, 'index.html'), join(out, 'index.html'));
    return serve(out);
  },
  async rollup() {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const out = join(work, 'out-rollup');
    // Rollup emits no worker for `new Worker(new URL(...))`: the pool's is an entry point.
    const input = { main: join(app, 'main.js'), worker: join(app, 'worker.js'), 'pool-worker': 'dicom-pixels/pool-worker' };
    const bundle = await rollup({ input, plugins: [nodeResolve({ browser: true, rootDir: work })], onwarn: () => {} });
    await bundle.write({ dir: out, format: 'es', entryFileNames: '[name].js' });
    await bundle.close();
    cpSync(join(app, 'index.html'), join(out, 'index.html'));
    return serve(out);
  },
  async webpack() {
    const { default: webpack } = await import('webpack');
    const out = join(work, 'out-webpack');
    const stats = await new Promise((resolve, reject) =>
      webpack({ mode: 'production', context: work, entry: { main: './app/main.js' }, output: { path: out, filename: '[name].js' }, devtool: false, performance: { hints: false } }, (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    );
    if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }));
    cpSync(join(app, 'index.html'), join(out, 'index.html'));
    return serve(out);
  },
  async 'vite build'() {
    const { build } = await import('vite');
    const out = join(work, 'out-vite');
    await build({ root: app, logLevel: 'error', build: { outDir: out, emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' }, configFile: false });
    return serve(out);
  },
  async 'vite dev'() {
    const { createServer: createVite } = await import('vite');
    const server = await createVite({
      root: app,
      configFile: false,
      logLevel: 'error',
      cacheDir: join(work, 'vite-cache'),
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
      plugins: [
        {
          name: 'fixtures',
          configureServer(vite) {
            vite.middlewares.use(serveFixtures);
          },
        },
      ],
    });
    await server.listen();
    const address = server.httpServer.address();
    return { url: `http://127.0.0.1:${address.port}/`, close: () => server.close() };
  },
  async 'import map'() {
    // No bundler: the page maps the bare name; a module worker gets no import map (Chromium), so
    // it imports the library by URL, as an app without a bundler writes it.
    const library = '/node_modules/dicom-pixels/dist/browser/index.js';
    const importMap = `<script type="importmap">${JSON.stringify({ imports: { 'dicom-pixels': library } })}</script>`;
    return serve(work, {
      rewrite(url) {
        if (url === '/' || url.startsWith('/?')) return { type: 'text/html', body: readFileSync(join(app, 'index.html'), 'utf8').replace('<!--IMPORTMAP-->', importMap).replace('./main.js', '/app/main.js') };
        if (url.startsWith('/app/worker.js')) return { type: 'text/javascript', body: readFileSync(join(app, 'worker.js'), 'utf8').replace("from 'dicom-pixels'", `from '${library}'`) };
        return undefined;
      },
    });
  },
};

const browser = await chromium.launch({
  executablePath,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-extensions', '--no-first-run'],
});

let failures = 0;
const report = [];
function check(setup, suite, file, got) {
  const want = expected.get(file);
  const ok = got && !got.error && got.hash === want.hash && got.type === want.type && got.length === want.length;
  if (!ok) {
    failures++;
    console.error(`FAIL ${setup} / ${suite} / ${file}: ${got?.error ? `${got.error.code ?? got.error.name}: ${got.error.message}` : `hash ${got?.hash?.slice(0, 12)} ${got?.type} vs ${want.hash.slice(0, 12)} ${want.type}`}`);
  }
  return ok;
}

/** Open the page of a setup, run a suite in it, and return the results. */
async function runPage(url, suite, urls, options = {}) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.suitesReady === true, null, { timeout: 30_000 }).catch(() => {
      throw new Error(`page did not load: ${errors.join('; ') || 'no error reported'}`);
    });
    return await page.evaluate(([name, list, settings]) => window.runSuite(name, list, settings), [suite, urls, options]);
  } finally {
    await page.close();
  }
}

const urls = FIXTURES.map((file) => `/fixtures/${file}`);
const suites = ['main', 'worker', 'pool'];
try {
  for (const [name, setup] of Object.entries(setups)) {
    let server;
    try {
      server = await setup();
      for (const suite of suites) {
        let results;
        try {
          results = await runPage(server.url, suite, urls);
        } catch (error) {
          failures++;
          console.error(`FAIL ${name} / ${suite}: ${error.message}`);
          report.push([name, suite, 'page failed']);
          continue;
        }
        const passed = FIXTURES.filter((file, i) => check(name, suite, file, results[i])).length;
        report.push([name, suite, `${passed}/${FIXTURES.length}`]);
      }
    } catch (error) {
      failures++;
      console.error(`FAIL ${name}: ${error.stack ?? error}`);
      report.push([name, '', 'setup failed']);
    } finally {
      await server?.close();
    }
  }

  // configure({ wasmBaseUrl }): the codecs come from the app's copies of dist/wasm/ (the import
  // map setup's server), and a wrong base is CODEC_UNAVAILABLE naming the URL.
  const cdn = await setups['import map']();
  try {
    for (const suite of suites) {
      const results = await runPage(cdn.url, suite, urls, { wasmBaseUrl: '/node_modules/dicom-pixels/dist/wasm/' });
      const passed = FIXTURES.filter((file, i) => check('wasmBaseUrl', suite, file, results[i])).length;
      report.push(['wasmBaseUrl', suite, `${passed}/${FIXTURES.length}`]);
    }
    const jpegLs = urls[FIXTURES.indexOf('codecs/dicom/ct_s16.dcmcjpls.dcm')];
    const [missing] = await runPage(cdn.url, 'main', [jpegLs], { wasmBaseUrl: '/nowhere/' });
    const ok = missing?.error?.code === 'CODEC_UNAVAILABLE' && missing.error.message.includes('/nowhere/charlswasm_decode.wasm');
    if (!ok) {
      failures++;
      console.error(`FAIL wasmBaseUrl missing: ${JSON.stringify(missing)}`);
    }
    report.push(['wasmBaseUrl 404', 'main', ok ? 'CODEC_UNAVAILABLE' : 'wrong']);
  } finally {
    await cdn.close();
  }

  // A Content Security Policy without 'wasm-unsafe-eval': a DecodeError saying so, not a raw CompileError.
  const csp = await serve(join(work, 'out-esbuild'), { headers: { 'Content-Security-Policy': "default-src 'self'" } });
  try {
    const [result] = await runPage(csp.url, 'main', [urls[0]]);
    const ok = result?.error?.name === 'DecodeError' && result.error.code === 'CODEC_UNAVAILABLE' && /wasm-unsafe-eval/.test(result.error.message);
    if (!ok) {
      failures++;
      console.error(`FAIL CSP: ${JSON.stringify(result)}`);
    }
    report.push(['CSP default-src \'self\'', 'main', ok ? 'CODEC_UNAVAILABLE' : 'wrong']);
  } finally {
    await csp.close();
  }

  // The viewer page (npm run demo:web) shows what the fixtures' references say.
  const screenshotPath = join(root, 'build', 'viewer.png');
  const viewer = await checkViewer(browser, { screenshotPath });
  if (!viewer.ok) {
    failures += viewer.failures.length || 1;
    for (const failure of viewer.failures) console.error(`FAIL viewer: ${failure}`);
  }
  report.push(['viewer page', 'pool', viewer.ok ? `ok (screenshot ${join('build', 'viewer.png')})` : 'wrong']);
} finally {
  await browser.close();
}

console.log(`Chromium ${browser.version()} (${executablePath}), ${FIXTURES.length} fixtures`);
for (const row of report) console.log(`  ${row[0].padEnd(24)} ${row[1].padEnd(8)} ${row[2]}`);
if (failures) {
  console.error(`${failures} browser failure(s)`);
  process.exit(1);
}
console.log('browser tests passed');
