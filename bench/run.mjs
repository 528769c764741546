#!/usr/bin/env node
// RLE Lossless decode benchmark: dicom-pixels side by side with the decoders users would otherwise
// pick, in one process, interleaved round by round, outputs checked for exact equality first.
//
//   npm run bench                       (from the repository root: builds, then runs this)
//   node bench/run.mjs [--quick] [--only=ct,dx,us] [--json=FILE] [--remake-data]
//
// Environment:
//   BENCH_ROUNDS=n            rounds per image (default 7; --quick: 3)
//   BENCH_TIME=s              benchmark.js maxTime per candidate per round, seconds (default 0.25)
//   BENCH_SKIP_DICOM_PIXELS=1 time the anchors only (while the library is not built)
//   BENCH_ENCODER=dcmcrle|wasm  how bench/make-data.mjs RLE-encodes the phantoms
//
// Candidates per image:
//   dicom-pixels (into)    decodeFrame(fragment, RLE, info, { into }) into a preallocated array
//   dicom-pixels           decodeFrame(fragment, RLE, info), allocating its output
//   dcmjs-codecs           NativeCodecs.decodeRle — DCMTK's RLE decoder compiled to WASM
//   cornerstone decodeRLE  the pure-JS decoder @cornerstonejs/dicom-image-loader ships
//   TypedArray#set (floor) copying an output-sized array into a preallocated one

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const RLE_UID = '1.2.840.10008.1.2.5';

const argv = process.argv.slice(2);
const flag = (name) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const flagValue = (name) => flag(name)?.split('=').slice(1).join('=') || undefined;
const QUICK = !!flag('quick');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS) || (QUICK ? 3 : 7));
const MAX_TIME = Math.max(0.05, Number(process.env.BENCH_TIME) || (QUICK ? 0.15 : 0.25));
const WARMUP_MS = QUICK ? 150 : 400;
const ONLY = flagValue('only')?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
const JSON_OUT = flagValue('json') ?? path.join(here, 'data', 'last-run.json');
const SKIP_DP = /^(1|true|yes)$/i.test(process.env.BENCH_SKIP_DICOM_PIXELS ?? '');

// ---------------------------------------------------------------- 1. anchors installed?
const ANCHORS = ['@cornerstonejs/dicom-image-loader', 'dcmjs-codecs', 'benchmark'];
function ensureAnchors() {
  const missing = ANCHORS.filter((n) => !fs.existsSync(path.join(here, 'node_modules', n, 'package.json')));
  if (!missing.length) return;
  console.log(`installing benchmark anchors into bench/node_modules (${missing.join(', ')}) ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', here, '--no-audit', '--no-fund'],
    { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) fail(`npm install --prefix bench failed (exit ${r.status})`);
}
const pkgVersion = (name) => {
  try { return JSON.parse(fs.readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version; }
  catch { return '?'; }
};

function fail(msg) {
  console.error(`\nbench: ${msg}`);
  process.exit(1);
}

// ---------------------------------------------------------------- helpers
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (v, d = 2) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(d - 1 < 0 ? 0 : d - 1) : v.toFixed(d));
const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const kb = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);
function table(headers, rows, align) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (align[i] === 'l' ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(headers), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].map((l) => l.trimEnd()).join("\n");
}

function storedType(info) {
  if (info.bitsAllocated === 8) return info.pixelRepresentation ? Int8Array : Uint8Array;
  if (info.bitsAllocated === 16) return info.pixelRepresentation ? Int16Array : Uint16Array;
  if (info.bitsAllocated === 32) return info.pixelRepresentation ? Int32Array : Uint32Array;
  throw new Error(`no stored type for ${info.bitsAllocated} bits`);
}
// View little-endian bytes as the stored type (copying when unaligned).
function viewAs(bytes, Type) {
  if (Type.BYTES_PER_ELEMENT === 1) return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const b = bytes.byteOffset % Type.BYTES_PER_ELEMENT ? bytes.slice() : bytes;
  return new Type(b.buffer, b.byteOffset, b.byteLength / Type.BYTES_PER_ELEMENT);
}
// Planar (RRR…GGG…BBB…) → interleaved (RGBRGB…), for checking planar outputs only.
function interleave(planar, spp) {
  const n = planar.length / spp, out = new planar.constructor(planar.length);
  for (let s = 0; s < spp; s++) for (let i = 0; i < n; i++) out[i * spp + s] = planar[s * n + i];
  return out;
}
function firstMismatch(got, want) {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      let n = 0;
      for (let j = i; j < want.length; j++) if (got[j] !== want[j]) n++;
      return `sample ${i}: ${got[i]}, expected ${want[i]} (${n} samples differ)`;
    }
  }
  return null;
}

// ---------------------------------------------------------------- candidates
// Each candidate: name, async (returns a promise), load() → import/init, prepare(image) → case
// with run() (the timed call) and output() (the decoded samples, interleaved, for the check).

function cornerstoneCandidate() {
  let decodeRLE;
  return {
    key: 'cornerstone', name: 'cornerstone decodeRLE (JS)', module: 'cornerstone', async: true,
    version: pkgVersion('@cornerstonejs/dicom-image-loader'),
    async load() {
      // The package's exports map hides shared/decoders, so import the file by URL.
      const dir = path.dirname(require.resolve('@cornerstonejs/dicom-image-loader/package.json'));
      const file = path.join(dir, 'dist', 'esm', 'shared', 'decoders', 'decodeRLE.js');
      try {
        decodeRLE = (await import(pathToFileURL(file).href)).default;
      } catch {
        // Node without ESM syntax detection reads the untyped package's .js as CommonJS: load a
        // .mjs copy (the file has no imports).
        const copy = path.join(here, 'data', 'cornerstone-decodeRLE.mjs');
        fs.mkdirSync(path.dirname(copy), { recursive: true });
        fs.copyFileSync(file, copy);
        decodeRLE = (await import(pathToFileURL(copy).href)).default;
      }
    },
    prepare(img) {
      const { info } = img;
      // The image frame object the loader builds from the dataset; decodeRLE sets .pixelData.
      const frame = () => ({
        rows: info.rows, columns: info.columns, samplesPerPixel: info.samplesPerPixel,
        bitsAllocated: info.bitsAllocated, bitsStored: info.bitsStored, highBit: info.highBit,
        pixelRepresentation: info.pixelRepresentation, planarConfiguration: info.planarConfiguration ?? 0,
        photometricInterpretation: info.photometricInterpretation,
      });
      let last;
      return {
        run: () => decodeRLE(frame(), img.fragment).then((f) => { last = f; }),
        output() {
          const px = last.pixelData;
          // decode8Planar leaves colour planar when the dataset says planar configuration 1
          return info.samplesPerPixel > 1 && info.planarConfiguration ? interleave(px, info.samplesPerPixel) : px;
        },
        describe: () => last.pixelData.constructor.name,
      };
    },
  };
}

function dcmjsCandidate() {
  let NativeCodecs, Context;
  return {
    key: 'dcmjs', name: 'dcmjs-codecs (DCMTK WASM)', module: 'dcmjs-codecs', async: false,
    version: pkgVersion('dcmjs-codecs'),
    async load() {
      ({ NativeCodecs, Context } = require('dcmjs-codecs'));
      // In Node the .wasm is read from the package's build folder; no path needed.
      await NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
    },
    prepare(img) {
      const { info } = img;
      const Type = storedType(info);
      const attrs = {
        width: info.columns, height: info.rows, bitsAllocated: info.bitsAllocated, bitsStored: info.bitsStored,
        samplesPerPixel: info.samplesPerPixel, pixelRepresentation: info.pixelRepresentation,
        planarConfiguration: info.planarConfiguration ?? 0, photometricInterpretation: info.photometricInterpretation,
      };
      let last;
      return {
        // A Context per call as a transcoder would; the result holds a copy of the decoded bytes.
        run: () => { last = NativeCodecs.decodeRle(new Context({ ...attrs, encodedBuffer: img.fragment })); },
        output() {
          const px = viewAs(last.getDecodedBuffer(), Type);
          return info.samplesPerPixel > 1 && last.getPlanarConfiguration() === 1 ? interleave(px, info.samplesPerPixel) : px;
        },
        describe: () => `Uint8Array bytes, planar ${last.getPlanarConfiguration()}`,
      };
    },
  };
}

function dicomPixelsCandidates() {
  let api;
  const distUrl = new URL('../dist/index.js', import.meta.url);
  const shared = {
    module: 'dicom-pixels', async: true, version: (() => {
      try { return JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version; }
      catch { return '?'; }
    })(),
    async load() {
      if (api) return;
      if (!fs.existsSync(distUrl)) throw new Error('dist/index.js is missing (run npm run build)');
      api = await import(distUrl.href);
      if (typeof api.decodeFrame !== 'function') throw new Error('dist/index.js does not export decodeFrame');
    },
  };
  const alloc = {
    ...shared, key: 'dp', name: 'dicom-pixels',
    prepare(img) {
      let last;
      return {
        run: () => api.decodeFrame(img.fragment, RLE_UID, img.info).then((r) => { last = r; }),
        output: () => last.pixels,
        result: () => last,
        describe: () => last.pixels.constructor.name,
      };
    },
  };
  const into = {
    ...shared, key: 'dpInto', name: 'dicom-pixels (into)',
    prepare(img, reference) {
      // Same type as the allocating call returns (checked against it below).
      const Type = reference?.constructor ?? storedType(img.info);
      const target = new Type(img.info.rows * img.info.columns * img.info.samplesPerPixel);
      let last;
      return {
        run: () => api.decodeFrame(img.fragment, RLE_UID, img.info, { into: target }).then((r) => { last = r; }),
        output: () => last.pixels,
        result: () => last,
        target,
        describe: () => `${last.pixels.constructor.name}${last.pixels.buffer === target.buffer ? ', caller buffer' : ', NOT the caller buffer'}`,
      };
    },
  };
  return [into, alloc];
}

function floorCandidate() {
  return {
    key: 'floor', name: 'TypedArray#set copy (floor)', module: null, async: false, version: '',
    async load() {},
    prepare(img) {
      const src = img.expected.slice();
      const dst = new src.constructor(src.length);
      return { run: () => { dst.set(src); }, output: () => dst, describe: () => src.constructor.name };
    },
  };
}

// ---------------------------------------------------------------- timing (benchmark.js)
let Benchmark;
function timeOnce(c, kase) {
  return new Promise((resolve, reject) => {
    const fn = c.async
      ? (deferred) => { kase.run().then(() => deferred.resolve(), (e) => { console.error(e); deferred.benchmark.abort(); }); }
      : () => { kase.run(); };
    const b = new Benchmark(c.name, fn, {
      defer: c.async, async: false, maxTime: MAX_TIME, minSamples: 5, initCount: 1,
      onError: (e) => reject(e.target?.error ?? e),
      onComplete: () => (b.error ? reject(b.error) : resolve({ mean: b.stats.mean * 1000, rme: b.stats.rme, samples: b.stats.sample.length, count: b.count })),
    });
    b.run();
  });
}
async function warmUp(c, kase) {
  const t0 = performance.now();
  let n = 0;
  while (n < 5 || performance.now() - t0 < WARMUP_MS) {
    if (c.async) await kase.run(); else kase.run();
    n++;
  }
  return n;
}

// ---------------------------------------------------------------- main
async function main() {
  ensureAnchors();
  Benchmark = require('benchmark');
  const { makeData } = await import('./make-data.mjs');
  const manifest = await makeData({ force: !!flag('remake-data'), log: console.log });

  const cpus = os.cpus();
  console.log('\nRLE Lossless decode benchmark');
  console.log(`node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.arch()}`);
  console.log(`cpu: ${cpus[0]?.model.trim() ?? 'unknown'}, ${cpus.length} logical cores` +
    (os.availableParallelism ? ` (${os.availableParallelism()} available)` : '') +
    `, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM`);
  console.log(`benchmark.js ${pkgVersion('benchmark')}; @cornerstonejs/dicom-image-loader ${pkgVersion('@cornerstonejs/dicom-image-loader')}; ` +
    `dcmjs-codecs ${pkgVersion('dcmjs-codecs')}; inputs RLE-encoded by ${manifest.encoder}`);
  console.log(`${ROUNDS} interleaved rounds per image, ≤${MAX_TIME}s per candidate per round, warm-up ${WARMUP_MS} ms; ` +
    'figures are medians of per-round means; one thread');

  // images
  const images = manifest.images
    .filter((im) => !ONLY || ONLY.some((k) => im.name.startsWith(k)))
    .map((im) => {
      const fragment = new Uint8Array(fs.readFileSync(path.join(here, 'data', im.fragmentFile))); // own ArrayBuffer, offset 0
      const raw = new Uint8Array(fs.readFileSync(path.join(here, 'data', im.rawFile)));
      const expected = viewAs(raw.slice(), storedType(im.info));
      return { ...im, fragment, expected, pixels: im.info.rows * im.info.columns, outBytes: expected.byteLength };
    });
  if (!images.length) fail(`no image matches --only=${ONLY}`);

  // candidates; first calls measured before anything else touches them
  let candidates = [];
  const dp = dicomPixelsCandidates();
  const all = [...(SKIP_DP ? [] : dp), dcmjsCandidate(), cornerstoneCandidate(), floorCandidate()];
  const first = images[0];
  const firstCalls = [];
  for (const c of all) {
    if (c.key === 'dpInto') continue; // shares the module with 'dp'; its first call is measured there
    const t0 = performance.now();
    try {
      await c.load();
    } catch (e) {
      if (c.module === 'dicom-pixels') {
        fail(`dicom-pixels is not usable: ${e.message}\n` +
          '  build it (npm run build) or set BENCH_SKIP_DICOM_PIXELS=1 to time the anchors only');
      }
      throw e;
    }
    const t1 = performance.now();
    const kase = c.prepare(first);
    await kase.run();
    const t2 = performance.now();
    await kase.run();
    const t3 = performance.now();
    if (c.module) firstCalls.push({ name: c.module, version: c.version, load: t1 - t0, first: t2 - t1, second: t3 - t2 });
  }
  candidates = all;
  if (SKIP_DP) console.log('\n(BENCH_SKIP_DICOM_PIXELS set: anchors only)');

  console.log(`\nFirst call (import + initialise, then the first and second decode of ${first.label}):`);
  console.log(table(['module', 'version', 'import+init ms', '1st decode ms', '2nd decode ms'],
    firstCalls.map((f) => [f.name, f.version, fmtMs(f.load), fmtMs(f.first), fmtMs(f.second)]), ['l', 'l', 'r', 'r', 'r']));

  const results = [];
  for (const img of images) {
    const cases = new Map();
    // correctness first: every candidate against the original stored values and against dicom-pixels
    let dpOut = null;
    const order = [...candidates].sort((a, b) => (a.key === 'dp' ? -1 : b.key === 'dp' ? 1 : 0));
    for (const c of order) {
      const kase = c.prepare(img, dpOut);
      if (c.async) await kase.run(); else kase.run();
      const out = kase.output();
      const vsRaw = firstMismatch(out, img.expected);
      if (vsRaw) fail(`${c.name} decodes ${img.label} wrongly: ${vsRaw}`);
      if (dpOut) {
        const vsDp = firstMismatch(out, dpOut);
        if (vsDp) fail(`${c.name} disagrees with dicom-pixels on ${img.label}: ${vsDp}`);
      }
      if (c.key === 'dp') {
        dpOut = out.slice();
        if (out.constructor !== img.expected.constructor) {
          fail(`dicom-pixels returns ${out.constructor.name} for ${img.label}, expected ${img.expected.constructor.name}`);
        }
        const r = kase.result();
        let lo = Infinity, hi = -Infinity;
        for (let i = 0; i < img.expected.length; i++) { const v = img.expected[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
        if (r.minValue !== lo || r.maxValue !== hi) fail(`dicom-pixels min/max ${r.minValue}/${r.maxValue}, expected ${lo}/${hi} on ${img.label}`);
      }
      if (c.key === 'dpInto') {
        kase.target.fill(0);
        await kase.run();
        if (firstMismatch(kase.target, img.expected)) fail(`dicom-pixels did not decode ${img.label} into the caller's array`);
      }
      cases.set(c.key, { c, kase, out: kase.describe() });
    }

    console.log(`\n${img.label}: ${kb(img.fragmentBytes)} RLE (${img.compression}:1) → ${kb(img.outBytes)} ` +
      `${img.expected.constructor.name}${img.info.samplesPerPixel > 1 ? `, planar configuration ${img.info.planarConfiguration}` : ''}; ` +
      'outputs identical ✓');
    for (const { c, kase } of cases.values()) await warmUp(c, kase);

    const perRound = new Map(candidates.map((c) => [c.key, []]));
    for (let r = 0; r < ROUNDS; r++) {
      // rotate the order every round so that drift and GC debt hit every candidate alike
      const rot = candidates.map((_, i) => candidates[(i + r) % candidates.length]);
      for (const c of rot) {
        const { kase } = cases.get(c.key);
        perRound.get(c.key).push(await timeOnce(c, kase));
      }
      if (process.stdout.isTTY) process.stdout.write(`  round ${r + 1}/${ROUNDS}\r`);
    }
    if (process.stdout.isTTY) process.stdout.write(' '.repeat(24) + '\r');

    const rows = candidates.map((c) => {
      const rs = perRound.get(c.key);
      const ms = median(rs.map((x) => x.mean));
      const lo = Math.min(...rs.map((x) => x.mean)), hi = Math.max(...rs.map((x) => x.mean));
      return { key: c.key, name: c.name, ms, spread: (hi - lo) / 2 / ms * 100, mps: img.pixels / ms / 1000,
        mbs: img.outBytes / ms / 1000, output: cases.get(c.key).out, rounds: rs.map((x) => x.mean) };
    });
    const ref = rows.find((x) => x.key === 'dp'), refInto = rows.find((x) => x.key === 'dpInto');
    const headers = ['implementation', 'median ms', '±%', 'MP/s', 'MB/s'];
    if (ref) headers.push('this ÷ dp', 'this ÷ dp into');
    headers.push('output');
    console.log(table(headers, rows.map((x) => {
      const cells = [x.name, fmtMs(x.ms), x.spread.toFixed(1), fmt(x.mps, 1), fmt(x.mbs, 0)];
      if (ref) cells.push(`${(x.ms / ref.ms).toFixed(2)}×`, `${(x.ms / refInto.ms).toFixed(2)}×`);
      cells.push(x.output);
      return cells;
    }), headers.map((_, i) => (i === 0 || i === headers.length - 1 ? 'l' : 'r'))));
    results.push({ image: img.name, label: img.label, fragmentBytes: img.fragmentBytes, outputBytes: img.outBytes, rows });
  }
  console.log('\nMP/s = megapixels of output per second; MB/s = output bytes; ±% = half the range of the per-round means;\n' +
    '"this ÷ dp" = this row\'s time over dicom-pixels\' time, i.e. how many times faster dicom-pixels is.');

  const out = {
    date: new Date().toISOString(), node: process.version, v8: process.versions.v8,
    cpu: cpus[0]?.model.trim(), cores: cpus.length, rounds: ROUNDS, maxTime: MAX_TIME,
    encoder: manifest.encoder, firstCalls, results,
  };
  fs.mkdirSync(path.dirname(path.resolve(JSON_OUT)), { recursive: true });
  fs.writeFileSync(JSON_OUT, JSON.stringify(out, null, 2) + '\n');
}

main().catch((e) => fail(e?.stack ?? String(e)));
