#!/usr/bin/env node
// JPEG decode benchmark: dicom-pixels side by side with the decoders users would otherwise pick,
// in one process, interleaved round by round, outputs checked sample by sample first.
//
//   npx tsc -p tsconfig.json && node bench/jpeg.mjs [--quick] [--only=ct,dx,us] [--json=FILE] [--remake-data]
//
// Environment: BENCH_ROUNDS (default 7), BENCH_TIME (seconds per candidate per round, 0.25),
// BENCH_ENCODER=dcmcjpeg|wasm (how the phantoms are JPEG-encoded; default dcmcjpeg when on PATH).
//
// JPEG Lossless (process 14, selection value 1, transfer syntax .70), per image:
//   dicom-pixels (into)     decodeFrame(fragment, .70, info, { into }) into a preallocated array
//   dicom-pixels            decodeFrame(fragment, .70, info), allocating its output
//   dcmjs-codecs            NativeCodecs.decodeJpeg: DCMTK's IJG-based decoder compiled to WASM
//   cornerstone             @cornerstonejs/jpeg-lossless-decoder-js, what cornerstone uses
//   TypedArray#set (floor)  copying an output-sized array into a preallocated one
// JPEG Baseline (.50, YBR_FULL_422) on the US image:
//   dicom-pixels (into), dicom-pixels, the raw libjpeg-turbo call dicom-pixels makes (on the
//   library's own module instance: copy in, decode, decoded view, no copy out; timed as an async
//   function like dicom-pixels), dcmjs-codecs.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_DIR, PHANTOMS, writeNativeDicom } from './make-data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const MANIFEST = path.join(DATA_DIR, 'jpeg-manifest.json');
const DATA_VERSION = 1;
const LOSSLESS_UID = '1.2.840.10008.1.2.4.70';
const BASELINE_UID = '1.2.840.10008.1.2.4.50';

const argv = process.argv.slice(2);
const flag = (name) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const flagValue = (name) => flag(name)?.split('=').slice(1).join('=') || undefined;
const QUICK = !!flag('quick');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS) || (QUICK ? 3 : 7));
const MAX_TIME = Math.max(0.05, Number(process.env.BENCH_TIME) || (QUICK ? 0.15 : 0.25));
const WARMUP_MS = QUICK ? 300 : 1000;
const ONLY = flagValue('only')?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
const JSON_OUT = flagValue('json') ?? path.join(DATA_DIR, 'jpeg-last-run.json');

function fail(msg) {
  console.error(`\nbench/jpeg: ${msg}`);
  process.exit(1);
}

// ---------------------------------------------------------------- anchors
const ANCHORS = ['@cornerstonejs/jpeg-lossless-decoder-js', 'dcmjs-codecs', 'benchmark', 'dicom-parser'];
function ensureAnchors() {
  const missing = ANCHORS.filter((n) => !fs.existsSync(path.join(here, 'node_modules', n, 'package.json')));
  if (!missing.length) return;
  console.log(`installing benchmark anchors into bench/node_modules (${missing.join(', ')}) ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', here, '--no-audit', '--no-fund'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) fail(`npm install --prefix bench failed (exit ${r.status})`);
}
/** Version of an installed package: bench/node_modules, or with `root` the library's own. */
const pkgVersion = (name, root = false) => {
  const dir = root ? path.join(here, '..', 'node_modules') : path.join(here, 'node_modules');
  try { return JSON.parse(fs.readFileSync(path.join(dir, name, 'package.json'), 'utf8')).version; } catch { return '?'; }
};

// ---------------------------------------------------------------- helpers (as bench/run.mjs)
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const kb = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);
function table(headers, rows, align) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (align[i] === 'l' ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(headers), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].map((l) => l.trimEnd()).join('\n');
}
function storedType(info) {
  if (info.bitsAllocated === 8) return info.pixelRepresentation ? Int8Array : Uint8Array;
  return info.pixelRepresentation ? Int16Array : Uint16Array;
}
function viewAs(bytes, Type) {
  if (Type.BYTES_PER_ELEMENT === 1) return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const b = bytes.byteOffset % Type.BYTES_PER_ELEMENT ? bytes.slice() : bytes;
  return new Type(b.buffer, b.byteOffset, b.byteLength / Type.BYTES_PER_ELEMENT);
}
function maxDifference(got, want) {
  if (got.length !== want.length) return { length: `${got.length}, expected ${want.length}` };
  let max = 0, count = 0, first = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d) { count++; if (first < 0) first = i; if (d > max) max = d; }
  }
  return { max, count, first };
}

// ---------------------------------------------------------------- data: phantoms → JPEG
function dcmtkVersion() {
  const r = spawnSync('dcmcjpeg', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.match(/v(\d+\.\d+\.\d+)/)?.[1] ?? 'unknown') : null;
}
function fragmentOf(file) {
  const dicomParser = require('dicom-parser');
  const bytes = new Uint8Array(fs.readFileSync(file));
  const ds = dicomParser.parseDicom(bytes);
  const el = ds.elements.x7fe00010;
  if (!el?.fragments?.length) throw new Error(`${file} has no encapsulated fragments`);
  const parts = el.fragments.map((f) => bytes.subarray(f.position, f.position + f.length));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return { fragment: out, transferSyntaxUID: ds.string('x00020010'), photometric: ds.string('x00280004') };
}
async function encodeWithWasm(ph, lossless) {
  const { NativeCodecs, Context } = require('dcmjs-codecs');
  if (!NativeCodecs.isInitialized()) await NativeCodecs.initializeAsync();
  const i = ph.info;
  const a = ph.pixels;
  const raw = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const ctx = new Context({ width: i.columns, height: i.rows, bitsAllocated: i.bitsAllocated, bitsStored: i.bitsStored,
    samplesPerPixel: i.samplesPerPixel, pixelRepresentation: i.pixelRepresentation, planarConfiguration: 0,
    photometricInterpretation: i.photometricInterpretation, decodedBuffer: raw });
  const out = NativeCodecs.encodeJpeg(ctx, lossless ? { lossy: false, predictor: 1 } : { lossy: true, quality: 90 });
  return { fragment: new Uint8Array(out.getEncodedBuffer()), photometric: out.getPhotometricInterpretation?.() ?? (lossless ? i.photometricInterpretation : 'YBR_FULL_422') };
}
async function makeData(force) {
  if (!force) {
    try {
      const m = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
      if (m.version === DATA_VERSION && m.images.every((im) => fs.existsSync(path.join(DATA_DIR, im.file)))) return m;
    } catch { /* rebuild */ }
  }
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const wanted = process.env.BENCH_ENCODER;
  const version = wanted === 'wasm' ? null : dcmtkVersion();
  if (wanted === 'dcmcjpeg' && !version) fail('dcmcjpeg is not on PATH');
  const encoder = version ? `dcmcjpeg (DCMTK ${version})` : 'dcmjs-codecs NativeCodecs.encodeJpeg (DCMTK, WASM)';
  console.log(`making JPEG bench inputs in bench/data with ${encoder} ...`);
  const images = [];
  for (const make of PHANTOMS) {
    const ph = make();
    const rawFile = `${ph.name}.raw`;
    const a = ph.pixels;
    fs.writeFileSync(path.join(DATA_DIR, rawFile), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const nativePath = path.join(DATA_DIR, `${ph.name}.dcm`);
    if (version) fs.writeFileSync(nativePath, writeNativeDicom(ph));
    // Lossless process 14, selection value 1 (what .70 means), for every image; baseline for US.
    const kinds = [{ kind: 'lossless', args: ['+e1'] }];
    if (ph.info.samplesPerPixel === 3) kinds.push({ kind: 'baseline', args: ['+eb', '+q', '90'] });
    for (const { kind, args } of kinds) {
      const file = `${ph.name}.${kind === 'lossless' ? 'jpll' : 'jpbl'}`;
      let fragment, photometric;
      if (version) {
        const dcm = path.join(DATA_DIR, `${ph.name}.${kind}.dcm`);
        const r = spawnSync('dcmcjpeg', [...args, nativePath, dcm], { encoding: 'utf8' });
        if (r.status !== 0) fail(`dcmcjpeg failed for ${ph.name}: ${r.stderr || r.stdout}`);
        ({ fragment, photometric } = fragmentOf(dcm));
        fs.rmSync(dcm);
      } else {
        ({ fragment, photometric } = await encodeWithWasm(ph, kind === 'lossless'));
      }
      fs.writeFileSync(path.join(DATA_DIR, file), fragment);
      images.push({ name: `${ph.name}-${kind}`, label: `${ph.label}, ${kind === 'lossless' ? 'JPEG Lossless SV1' : 'JPEG Baseline q90'}`,
        kind, file, rawFile, info: { ...ph.info, photometricInterpretation: photometric }, fragmentBytes: fragment.length,
        rawBytes: a.byteLength, compression: +(a.byteLength / fragment.length).toFixed(2) });
      console.log(`  ${ph.name} ${kind}: ${a.byteLength} B → ${fragment.length} B (${(a.byteLength / fragment.length).toFixed(2)}:1)`);
    }
    if (version) fs.rmSync(nativePath);
  }
  const manifest = { version: DATA_VERSION, encoder, images };
  fs.writeFileSync(MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

// ---------------------------------------------------------------- candidates
function dicomPixelsCandidates(api) {
  const make = (key, name, useInto) => ({
    key, name, async: true,
    prepare(img) {
      const uid = img.kind === 'lossless' ? LOSSLESS_UID : BASELINE_UID;
      const target = useInto ? new (storedType(img.info))(img.info.rows * img.info.columns * img.info.samplesPerPixel) : undefined;
      let last;
      return {
        run: () => api.decodeFrame(img.fragment, uid, img.info, target ? { into: target } : {}).then((r) => { last = r; }),
        output: () => last.pixels,
        describe: () => `${last.pixels.constructor.name}${target ? (last.pixels.buffer === target.buffer ? ', caller buffer' : ', NOT the caller buffer') : ''}`,
      };
    },
  });
  return [make('dpInto', 'dicom-pixels (into)', true), make('dp', 'dicom-pixels', false)];
}

function dcmjsCandidate() {
  const { NativeCodecs, Context } = require('dcmjs-codecs');
  return {
    key: 'dcmjs', name: 'dcmjs-codecs (DCMTK WASM)', async: false,
    prepare(img) {
      const { info } = img;
      const attrs = { width: info.columns, height: info.rows, bitsAllocated: info.bitsAllocated, bitsStored: info.bitsStored,
        samplesPerPixel: info.samplesPerPixel, pixelRepresentation: info.pixelRepresentation, planarConfiguration: 0,
        photometricInterpretation: info.photometricInterpretation };
      let last;
      return {
        run: () => { last = NativeCodecs.decodeJpeg(new Context({ ...attrs, encodedBuffer: img.fragment }), { convertColorspaceToRgb: true }); },
        output: () => viewAs(last.getDecodedBuffer(), storedType(info)),
        describe: () => 'Uint8Array bytes',
      };
    },
  };
}

function cornerstoneCandidate(Decoder) {
  return {
    key: 'cornerstone', name: 'cornerstone jpeg-lossless-decoder-js', async: false, losslessOnly: true,
    prepare(img) {
      const { info } = img;
      const bytes = info.bitsAllocated <= 8 ? 1 : 2;
      let last;
      return {
        // As @cornerstonejs/dicom-image-loader calls it: a new Decoder per frame.
        run: () => { last = new Decoder().decode(img.fragment.buffer, img.fragment.byteOffset, img.fragment.length, bytes); },
        output: () => new (storedType(info))(last.buffer, last.byteOffset, last.byteLength / bytes),
        describe: () => last.constructor.name,
      };
    },
  };
}

async function rawLibjpegCandidate() {
  // The module instance dicom-pixels itself uses (the same heap and buffers), called directly.
  const { libjpeg } = await import(new URL('../dist/wasm/libjpeg.js', import.meta.url).href);
  const { decoder } = await libjpeg();
  return {
    // Timed through the same promise-returning path as dicom-pixels, so that the ratio of the
    // two is the library's cost and not the benchmark harness's (deferred vs synchronous).
    key: 'raw', name: 'libjpeg-turbo raw call', async: true, baselineOnly: true,
    prepare(img) {
      let last;
      return {
        run: async () => { decoder.getEncodedBuffer(img.fragment.length).set(img.fragment); decoder.decode(); last = decoder.getDecodedBuffer(); },
        output: () => last,
        describe: () => 'view of the codec heap (no copy)',
      };
    },
  };
}

function floorCandidate() {
  return {
    key: 'floor', name: 'TypedArray#set copy (floor)', async: false,
    prepare(img) {
      const src = img.expected.slice();
      const dst = new src.constructor(src.length);
      return { run: () => { dst.set(src); }, output: () => dst, describe: () => src.constructor.name };
    },
  };
}

// ---------------------------------------------------------------- timing
let Benchmark;
function timeOnce(c, kase) {
  return new Promise((resolve, reject) => {
    const fn = c.async
      ? (deferred) => { kase.run().then(() => deferred.resolve(), (e) => { console.error(e); deferred.benchmark.abort(); }); }
      : () => { kase.run(); };
    const b = new Benchmark(c.name, fn, {
      defer: c.async, async: false, maxTime: MAX_TIME, minSamples: 5, initCount: 1,
      onError: (e) => reject(e.target?.error ?? e),
      onComplete: () => (b.error ? reject(b.error) : resolve({ mean: b.stats.mean * 1000 })),
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
}

// ---------------------------------------------------------------- main
async function main() {
  ensureAnchors();
  Benchmark = require('benchmark');
  const manifest = await makeData(!!flag('remake-data'));
  const distUrl = new URL('../dist/index.js', import.meta.url);
  if (!fs.existsSync(distUrl)) fail('dist/index.js is missing (run npx tsc -p tsconfig.json after npm run build:wasm)');
  const api = await import(distUrl.href);
  const { NativeCodecs } = require('dcmjs-codecs');
  await NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
  const { Decoder } = await import('@cornerstonejs/jpeg-lossless-decoder-js');

  const cpus = os.cpus();
  console.log('\nJPEG decode benchmark');
  console.log(`node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.arch()}, cpu: ${cpus[0]?.model.trim() ?? 'unknown'}, ` +
    `${cpus.length} logical cores`);
  console.log(`@cornerstonejs/jpeg-lossless-decoder-js ${pkgVersion('@cornerstonejs/jpeg-lossless-decoder-js')}; dcmjs-codecs ${pkgVersion('dcmjs-codecs')}; ` +
    `@cornerstonejs/codec-libjpeg-turbo-8bit ${pkgVersion('@cornerstonejs/codec-libjpeg-turbo-8bit', true)}; inputs encoded by ${manifest.encoder}`);
  console.log(`${ROUNDS} interleaved rounds per image, ≤${MAX_TIME}s per candidate per round, warm-up ${WARMUP_MS} ms; medians of per-round means; one thread`);

  const all = [...dicomPixelsCandidates(api), dcmjsCandidate(), cornerstoneCandidate(Decoder), await rawLibjpegCandidate(), floorCandidate()];
  const images = manifest.images
    .filter((im) => !ONLY || ONLY.some((k) => im.name.startsWith(k)))
    .map((im) => {
      const fragment = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, im.file)));
      const expected = viewAs(new Uint8Array(fs.readFileSync(path.join(DATA_DIR, im.rawFile))), storedType(im.info));
      return { ...im, fragment, expected, pixels: im.info.rows * im.info.columns };
    });
  if (!images.length) fail(`no image matches --only=${ONLY}`);

  const results = [];
  for (const img of images) {
    const lossless = img.kind === 'lossless';
    const candidates = all.filter((c) => !(lossless ? c.baselineOnly : c.losslessOnly));
    // Correctness first. Lossless: every output equals the original. Baseline: dicom-pixels equals
    // the raw libjpeg-turbo decode exactly; dcmjs-codecs (IJG 6b) within 1 of it.
    const cases = new Map();
    let reference = lossless ? img.expected : null;
    const order = lossless ? candidates : [candidates.find((c) => c.key === 'raw'), ...candidates.filter((c) => c.key !== 'raw')];
    for (const c of order) {
      const kase = c.prepare(img);
      if (c.async) await kase.run(); else kase.run();
      const out = kase.output();
      if (!reference) reference = out.slice();
      else if (c.key === 'floor') {
        if (maxDifference(out, img.expected).max !== 0) fail('the floor copy is not the original');
      } else {
        const d = maxDifference(out, reference);
        const allowed = lossless || c.key.startsWith('dp') ? 0 : 1;
        if (d.length || d.max > allowed) fail(`${c.name} decodes ${img.label} differently: ${JSON.stringify(d)}`);
      }
      cases.set(c.key, { c, kase, out: kase.describe() });
    }
    const vsOriginal = lossless ? null : maxDifference(reference, img.expected);
    console.log(`\n${img.label}: ${kb(img.fragmentBytes)} (${img.compression}:1) → ${kb(img.rawBytes)} ${img.expected.constructor.name}; ` +
      (lossless ? 'all outputs equal the original ✓' : `outputs checked ✓ (libjpeg-turbo vs original: max |Δ| ${vsOriginal.max})`));
    for (const { c, kase } of cases.values()) await warmUp(c, kase);
    const perRound = new Map(candidates.map((c) => [c.key, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const rot = candidates.map((_, i) => candidates[(i + r) % candidates.length]);
      for (const c of rot) perRound.get(c.key).push(await timeOnce(c, cases.get(c.key).kase));
    }
    const rows = candidates.map((c) => {
      const rs = perRound.get(c.key).map((x) => x.mean);
      const ms = median(rs);
      return { key: c.key, name: c.name, ms, spread: (Math.max(...rs) - Math.min(...rs)) / 2 / ms * 100, mps: img.pixels / ms / 1000,
        output: cases.get(c.key).out, rounds: rs };
    });
    const ref = rows.find((x) => x.key === 'dpInto');
    const headers = ['implementation', 'median ms', '±%', 'MP/s', 'this ÷ dp into', 'output'];
    console.log(table(headers, rows.map((x) => [x.name, fmtMs(x.ms), x.spread.toFixed(1), fmt(x.mps), `${(x.ms / ref.ms).toFixed(2)}×`, x.output]),
      ['l', 'r', 'r', 'r', 'r', 'l']));
    results.push({ image: img.name, label: img.label, fragmentBytes: img.fragmentBytes, rows });
  }
  console.log('\nMP/s = megapixels of output per second; ±% = half the range of the per-round means;\n' +
    '"this ÷ dp into" = this row\'s time over dicom-pixels (into): above 1× means dicom-pixels is faster.');
  const out = { date: new Date().toISOString(), node: process.version, cpu: cpus[0]?.model.trim(), rounds: ROUNDS, maxTime: MAX_TIME,
    encoder: manifest.encoder, results };
  fs.mkdirSync(path.dirname(path.resolve(JSON_OUT)), { recursive: true });
  fs.writeFileSync(JSON_OUT, JSON.stringify(out, null, 2) + '\n');
}

main().catch((e) => fail(e?.stack ?? String(e)));
