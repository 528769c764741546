#!/usr/bin/env node
// The browser suite: dicom-pixels' browser build (dist/browser/) in Debian's Chromium, headless,
// through playwright-core. For the 512×512 signed 16-bit CT phantom (bench/data, encoded by
// dcmcrle, dcmcjpls, opj_compress and the OpenJPH encoder):
// - first decode in a fresh page (the kernels and the codec instantiated) and the steady-state
//   median on the main thread, per transfer syntax (RLE, JPEG-LS, JPEG 2000, HTJ2K);
// - the decoder pool over a 200-frame series of the J2K frame with 1 and 2 workers (each input a
//   fresh copy, transferred), and the main thread's longest blocked stretch meanwhile (the gap
//   between turns of its event loop; a viewer wants it under 16 ms).
// Every decode is checked against the stored values first.
//
//   node bench/browser.mjs [--quick] [--frames=N] [--json=FILE]      (needs npm run build)
//   CHROMIUM=/path/to/chromium to use another browser binary.

import fs from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import sirv from 'sirv';
import { BENCH_DIR, DATA_DIR, ROOT, fail, flagValue, fmt, fmtMs, hasFlag, machineLine, ratio, table, writeJson } from './lib.mjs';
import { makeCodecData, makeData } from './make-data.mjs';

const QUICK = hasFlag('quick');
const FRAMES = Number(flagValue('frames') ?? (QUICK ? 60 : 200));
const RUNS = QUICK ? 10 : 30;
const ROUNDS = QUICK ? 1 : 3;
const JSON_OUT = flagValue('json') ?? path.join(DATA_DIR, 'browser-last-run.json');

const executablePath = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
if (!executablePath) {
  console.log('bench/browser: skipped, Chromium not found (apt-get install chromium, or set CHROMIUM)');
  process.exit(0);
}
if (!fs.existsSync(path.join(ROOT, 'dist', 'browser', 'index.js'))) fail('dist/browser/ is missing: run npm run build first');

const rle = (await makeData({ log: () => {} })).images.find((im) => im.name === 'ct-512-s16');
const codecs = (await makeCodecData({ log: () => {} })).images.find((im) => im.name === 'ct-512-s16');
const CASES = [
  { name: 'RLE', transferSyntaxUID: '1.2.840.10008.1.2.5', file: rle.fragmentFile, encoder: 'dcmcrle' },
  { name: 'JPEG-LS', transferSyntaxUID: '1.2.840.10008.1.2.4.80', file: codecs.codestreams.jls.file, encoder: codecs.codestreams.jls.encoder },
  { name: 'JPEG 2000', transferSyntaxUID: '1.2.840.10008.1.2.4.90', file: codecs.codestreams.j2k.file, encoder: codecs.codestreams.j2k.encoder },
  { name: 'HTJ2K', transferSyntaxUID: '1.2.840.10008.1.2.4.201', file: codecs.codestreams.htj2k.file, encoder: codecs.codestreams.htj2k.encoder },
].map((c) => ({ ...c, input: { url: `/data/${c.file}`, transferSyntaxUID: c.transferSyntaxUID, info: codecs.info, raw: `/data/${codecs.rawFile}` } }));
const megapixels = (codecs.info.rows * codecs.info.columns) / 1e6;

// The page, bundled as an app would bundle it; the pool's worker is an entry point (esbuild emits none itself).
const out = path.join(ROOT, 'build', 'bench-browser');
fs.rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: [path.join(BENCH_DIR, 'browser', 'page.js'), { in: 'dist/browser/pool-worker.js', out: 'pool-worker' }],
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  alias: { 'dicom-pixels': path.join(ROOT, 'dist', 'browser', 'index.js') },
  logLevel: 'error',
});
fs.copyFileSync(path.join(BENCH_DIR, 'browser', 'index.html'), path.join(out, 'index.html'));

const page = sirv(out, { dev: true });
const data = sirv(DATA_DIR, { dev: true });
const server = createServer((req, res) => {
  const notFound = () => {
    res.statusCode = 404;
    res.end();
  };
  if (req.url.startsWith('/data/')) {
    req.url = req.url.slice('/data'.length);
    data(req, res, notFound);
  } else page(req, res, notFound);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-extensions', '--no-first-run'],
});

/** A fresh page (a new realm: nothing instantiated) with window.bench ready. */
async function freshPage() {
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(url);
  await tab.waitForFunction(() => window.benchReady === true);
  return { tab, close: () => context.close() };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const results = { machine: machineLine(), browser: '', image: codecs.label, frames: FRAMES, decodes: [], pool: [] };
try {
  results.browser = `Chromium ${browser.version()}`;
  for (const c of CASES) {
    const firsts = [];
    let steady;
    for (let round = 0; round < ROUNDS; round++) {
      const { tab, close } = await freshPage();
      const first = await tab.evaluate((input) => window.bench.first(input), c.input);
      if (!first.exact) fail(`${c.name}: the first decode differs from the stored values`);
      firsts.push(first.ms);
      if (round === 0) {
        steady = await tab.evaluate(([input, runs]) => window.bench.steady(input, runs), [c.input, RUNS]);
        if (!steady.exact) fail(`${c.name}: the decode differs from the stored values`);
      }
      await close();
    }
    results.decodes.push({ name: c.name, encoder: c.encoder, bytes: fs.statSync(path.join(DATA_DIR, c.file)).size, firstMs: median(firsts), steadyMs: steady.median });
  }

  const series = CASES.find((c) => c.name === 'JPEG 2000');
  for (const size of [1, 2]) {
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { tab, close } = await freshPage();
      const run = await tab.evaluate(([input, workers, frames]) => window.bench.pool(input, workers, frames), [series.input, size, FRAMES]);
      if (!run.exact) fail('pool: a decode differs from the stored values');
      rounds.push(run);
      await close();
    }
    const ms = median(rounds.map((r) => r.ms));
    results.pool.push({ workers: size, ms, framesPerSecond: (FRAMES * 1000) / ms, mps: (FRAMES * megapixels * 1000) / ms, blockedMs: Math.max(...rounds.map((r) => r.blocked)) });
  }
} finally {
  await browser.close();
  server.close();
}

console.log(`${results.browser} headless; ${results.machine}`);
console.log(`${results.image}, medians of ${ROUNDS} fresh page(s); steady state: median of ${RUNS} decodes on the main thread\n`);
console.log(
  table(
    ['transfer syntax', 'encoder', 'bytes', 'first decode ms', 'steady ms', 'MP/s'],
    results.decodes.map((d) => [d.name, d.encoder, d.bytes, fmtMs(d.firstMs), fmtMs(d.steadyMs), fmt(megapixels / (d.steadyMs / 1000), 1)]),
    'llrrrr',
  ),
);
const [one] = results.pool;
console.log(`\ncreateDecoderPool, ${FRAMES} JPEG 2000 frames (inputs transferred), median of ${ROUNDS} round(s):\n`);
console.log(
  table(
    ['workers', 'ms', 'frames/s', 'MP/s', 'vs 1 worker', 'longest main-thread block ms'],
    results.pool.map((p) => [p.workers, fmt(p.ms, 0), fmt(p.framesPerSecond, 1), fmt(p.mps, 1), ratio(one.ms, p.ms), fmt(p.blockedMs, 1)]),
  ),
);
writeJson(JSON_OUT, results);
console.log(`\nwrote ${path.relative(process.cwd(), JSON_OUT)}`);
