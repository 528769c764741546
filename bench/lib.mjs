// What the benchmark suites (rle, codecs, jpeg, thumbnails) share: paths and command-line flags,
// the anchor decoders in bench/node_modules, machine facts, dicom-pixels' build, interleaved timing
// rounds (benchmark.js, or a plain timed loop), medians and ratios, table printing, and a minimal
// DICOM Part 10 writer (native and encapsulated, Explicit VR Little Endian).

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { concat, element, encapsulatedPixelData, EXPLICIT_VR_LITTLE_ENDIAN, part10 } from '../scripts/dicom-writer.mjs';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.join(BENCH_DIR, '..');
export const DATA_DIR = path.join(BENCH_DIR, 'data');
/** require() from bench/ (the anchors in bench/node_modules, then the library's node_modules). */
export const benchRequire = createRequire(import.meta.url);
/** require() from the repository root (the library's own dependencies). */
export const rootRequire = createRequire(path.join(ROOT, 'package.json'));

// ---------------------------------------------------------------- command line
const argv = () => process.argv.slice(2);
const findFlag = (name, args) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
/** Whether --name or --name=... was given. */
export const hasFlag = (name, args = argv()) => !!findFlag(name, args);
/** The value of --name=value, or undefined. */
export const flagValue = (name, args = argv()) => findFlag(name, args)?.split('=').slice(1).join('=') || undefined;
/** --name=a,b,c as ['a', 'b', 'c'] (lower case), or undefined. */
export const flagList = (name, args = argv()) =>
  flagValue(name, args)?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
/** A positive number from the environment, or the fallback. */
export const envNumber = (name, fallback) => Number(process.env[name]) || fallback;
/** Whether an environment variable is set to 1 / true / yes. */
export const envFlag = (name) => /^(1|true|yes)$/i.test(process.env[name] ?? '');

/**
 * The options the suites share: --quick; BENCH_ROUNDS and BENCH_TIME (seconds per candidate
 * per round), defaulting to `rounds` / `time` = [normal, --quick]; --only=ct,dx,us (`pick(images)`
 * keeps the images whose name starts with one of them, and fails when none does); --json=FILE,
 * defaulting to `json` in bench/data.
 */
export function suiteOptions({ rounds, time, json }) {
  const quick = hasFlag('quick');
  const only = flagList('only');
  return {
    quick, only,
    rounds: Math.max(1, envNumber('BENCH_ROUNDS', rounds[quick ? 1 : 0])),
    maxTime: Math.max(0.05, envNumber('BENCH_TIME', time[quick ? 1 : 0])),
    json: flagValue('json') ?? path.join(DATA_DIR, json),
    pick(images) {
      const picked = images.filter((im) => !only || only.some((k) => im.name.startsWith(k)));
      if (!picked.length) fail(`no image matches --only=${only}`);
      return picked;
    },
  };
}

/** Print `bench/<suite>: message` and exit 1. */
export function fail(message) {
  const suite = process.argv[1] ? path.basename(process.argv[1]).replace(/\.m?js$/, '') : '';
  console.error(`\nbench${suite && suite !== 'run' ? `/${suite}` : ''}: ${message}`);
  process.exit(1);
}

/** Whether the module at `url` is the script Node was started with (for modules also imported). */
export const isMain = (url) => !!process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(url);

// ---------------------------------------------------------------- anchors and versions
/** The anchor decoders and benchmark.js: bench/package.json's dependencies, in bench/node_modules. */
export function ensureAnchors() {
  const { dependencies = {} } = JSON.parse(fs.readFileSync(path.join(BENCH_DIR, 'package.json'), 'utf8'));
  const missing = Object.keys(dependencies).filter((n) => !fs.existsSync(path.join(BENCH_DIR, 'node_modules', n, 'package.json')));
  if (!missing.length) return;
  console.log(`installing benchmark anchors into bench/node_modules (${missing.join(', ')}) ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'],
    { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) fail(`npm install --prefix bench failed (exit ${r.status})`);
}

/** Version of an installed package: in bench/node_modules, or with `root` in the library's. */
export function pkgVersion(name, { root = false } = {}) {
  const dir = path.join(root ? ROOT : BENCH_DIR, 'node_modules', name);
  try { return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version; } catch { return '?'; }
}
/** Folder of a package in bench/node_modules. */
export const benchPackage = (name) => path.join(BENCH_DIR, 'node_modules', name);

/** dicom-pixels' own version (the repository's package.json). */
export function dicomPixelsVersion() {
  try { return JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version; } catch { return '?'; }
}

/** A file of the built library (dist/...) as a file URL. */
export const distUrl = (...parts) => pathToFileURL(path.join(ROOT, 'dist', ...parts));

/** Import dist/index.js, the built library; throws (does not exit) when it is not built. */
export async function importDicomPixels() {
  const url = distUrl('index.js');
  if (!fs.existsSync(url)) throw new Error('dist/index.js is missing: run npx tsc -p tsconfig.json (npm run build also builds the WASM)');
  const api = await import(url.href);
  if (typeof api.decodeFrame !== 'function') throw new Error('dist/index.js does not export decodeFrame');
  return api;
}

/** dcmjs-codecs (DCMTK compiled to WASM), initialised quietly. */
export async function loadDcmjsCodecs() {
  const dcmjs = benchRequire('dcmjs-codecs');
  if (!dcmjs.NativeCodecs.isInitialized?.()) await dcmjs.NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
  return dcmjs;
}
/** The image attributes of a dcmjs-codecs Context, from a PixelInfo. */
export function dcmjsAttributes(info, planarConfiguration = 0) {
  return {
    width: info.columns, height: info.rows, bitsAllocated: info.bitsAllocated, bitsStored: info.bitsStored,
    samplesPerPixel: info.samplesPerPixel, pixelRepresentation: info.pixelRepresentation,
    planarConfiguration, photometricInterpretation: info.photometricInterpretation,
  };
}

// ---------------------------------------------------------------- machine facts
export function machine() {
  const cpus = os.cpus();
  return {
    node: process.version, v8: process.versions.v8, platform: os.platform(), arch: os.arch(),
    cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length,
    available: os.availableParallelism ? os.availableParallelism() : cpus.length,
    ramGB: +(os.totalmem() / 2 ** 30).toFixed(1),
  };
}
/** One line: Node, V8, OS, CPU, cores, memory. */
export function machineLine(m = machine()) {
  return `node ${m.node} (V8 ${m.v8}), ${m.platform} ${m.arch}, cpu: ${m.cpu}, ${m.cores} logical cores ` +
    `(${m.available} available), ${m.ramGB} GB RAM`;
}

// ---------------------------------------------------------------- samples
/** The typed array of a PixelInfo's stored values (8-bit colour is unsigned). */
export function storedType(info) {
  const signed = info.pixelRepresentation === 1;
  if (info.bitsAllocated === 8) return signed && info.samplesPerPixel === 1 ? Int8Array : Uint8Array;
  if (info.bitsAllocated === 16) return signed ? Int16Array : Uint16Array;
  if (info.bitsAllocated === 32) return signed ? Int32Array : Uint32Array;
  throw new Error(`no stored type for ${info.bitsAllocated} bits`);
}
/** Little-endian bytes viewed as samples of `Type` (copied when unaligned). */
export function viewAs(bytes, Type) {
  const b = bytes.byteOffset % Type.BYTES_PER_ELEMENT ? bytes.slice() : bytes;
  return new Type(b.buffer, b.byteOffset, b.byteLength / Type.BYTES_PER_ELEMENT);
}
/** null when equal, otherwise where and how much two sample arrays differ. */
export function firstMismatch(got, want) {
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

// ---------------------------------------------------------------- timing
/**
 * The floor candidate: copying an output-sized array of the expected samples into a preallocated
 * one (`img.expected`), the least any decoder that hands back a new array can cost. `more` adds
 * or overrides fields.
 */
export function floorCandidate(more = {}) {
  return {
    key: 'floor', name: 'TypedArray#set copy (floor)', async: false, ...more,
    prepare(img) {
      const src = img.expected.slice();
      const dst = new src.constructor(src.length);
      return { run: () => { dst.set(src); }, output: () => dst, describe: () => src.constructor.name };
    },
  };
}

let Benchmark;
/** benchmark.js, from bench/node_modules. */
export function benchmarkJs() {
  if (!Benchmark) {
    try {
      Benchmark = benchRequire('benchmark');
    } catch {
      fail('benchmark.js is missing: npm install --prefix bench (npm run bench installs it)');
    }
  }
  return Benchmark;
}

/**
 * One benchmark.js run of `run` → { mean (ms per call), rme, samples, count }. With `async`, run
 * returns a promise and is timed deferred (each call waits for the previous one).
 */
export function timeBenchmark(run, { name = 'candidate', async = false, maxTime = 0.25, minSamples = 5 } = {}) {
  const B = benchmarkJs();
  return new Promise((resolve, reject) => {
    const fn = async
      ? (deferred) => { run().then(() => deferred.resolve(), (e) => { console.error(e); deferred.benchmark.abort(); }); }
      : () => { run(); };
    const b = new B(name, fn, {
      defer: async, async: false, maxTime, minSamples, initCount: 1,
      onError: (e) => reject(e.target?.error ?? e),
      onComplete: () => (b.error ? reject(b.error)
        : resolve({ mean: b.stats.mean * 1000, rme: b.stats.rme, samples: b.stats.sample.length, count: b.count })),
    });
    b.run();
  });
}

/** Mean ms per call of `run` (awaited) over at least `maxTimeMs` and at least two calls. */
export async function timeLoop(run, maxTimeMs) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (n < 2 || t - t0 < maxTimeMs) {
    await run();
    n++;
    t = performance.now();
  }
  return { mean: (t - t0) / n, count: n };
}

/** Calls `run` for at least `ms` and `minCalls` times (awaiting it when it returns a promise). */
export async function warmUp(run, ms, minCalls = 5) {
  const t0 = performance.now();
  let n = 0;
  while (n < minCalls || performance.now() - t0 < ms) {
    const p = run();
    if (p && typeof p.then === 'function') await p;
    n++;
  }
  return n;
}

/**
 * Times each entry once per round, for `rounds` rounds, the order rotated by one every round so
 * that drift, GC debt and the machine's state hit every entry alike. `time(entry, round)` returns
 * a result (a number of ms, or { mean, ... }); returns Map key(entry) → that entry's results in
 * round order. `progress` shows `round i/n` on a terminal.
 */
export async function interleavedRounds(entries, rounds, time, { key = (e) => e.key, progress = false } = {}) {
  const perRound = new Map(entries.map((e) => [key(e), []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[(i + r) % entries.length];
      perRound.get(key(entry)).push(await time(entry, r));
    }
    if (progress && process.stdout.isTTY) process.stdout.write(`  round ${r + 1}/${rounds}\r`);
  }
  if (progress && process.stdout.isTTY) process.stdout.write(' '.repeat(24) + '\r');
  return perRound;
}

/**
 * Single calls of `runA` and `runB` one right after the other, in turns (A B, B A, ...), for
 * `ms` and at least six pairs: a slow spell of a shared machine slows both calls of a pair alike.
 * Returns the median over the pairs of B's time ÷ A's, the pair count, and each one's times.
 */
export async function pairedRatios(runA, runB, ms) {
  const one = async (run) => { const t0 = performance.now(); await run(); return performance.now() - t0; };
  const a = [], b = [], ratios = [];
  for (let k = 0, t0 = performance.now(); k < 6 || performance.now() - t0 < ms; k++) {
    let ta, tb;
    if (k & 1) { tb = await one(runB); ta = await one(runA); } else { ta = await one(runA); tb = await one(runB); }
    a.push(ta); b.push(tb); ratios.push(tb / ta);
  }
  return { ratio: median(ratios), pairs: ratios.length, a, b };
}

// ---------------------------------------------------------------- medians, ratios, tables
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
/**
 * Per-round figures → { ms: the median, spread: half the range over the median in %, min, max,
 * mps: megapixels per second when `pixels` is given }.
 */
export function summarize(values, pixels) {
  const ms = median(values), min = Math.min(...values), max = Math.max(...values);
  const s = { ms, spread: ((max - min) / 2 / ms) * 100, min, max };
  if (pixels) s.mps = pixels / ms / 1000;
  return s;
}
/** a ÷ b as `1.23×`. */
export const ratio = (a, b, digits = 2) => `${(a / b).toFixed(digits)}×`;

/** A figure with about `d + 1` significant digits (fewer from 10 and from 100 up). */
export const fmt = (v, d = 2) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(Math.max(0, d - 1)) : v.toFixed(d));
/** Milliseconds with three significant digits or so. */
export const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
export const kb = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);

/**
 * A plain-text table: a header row, a rule, the rows. `align` holds 'l' or 'r' per column (an
 * array or a string such as 'lrrl'); by default the first column is left-aligned, the rest right.
 */
export function table(headers, rows, align) {
  const a = headers.map((_, i) => align?.[i] ?? (i === 0 ? 'l' : 'r'));
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (a[i] === 'l' ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(headers), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].map((l) => l.trimEnd()).join('\n');
}

/** Write a run's results as JSON (making the folder). */
export function writeJson(file, data) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}

// ---------------------------------------------------------------- minimal DICOM Part 10 writer
// Wrapping a phantom or a codestream in a file that DCMTK's command lines and dicom-pixels'
// openDicom read: the DICOM writer the tests use too (scripts/dicom-writer.mjs).
const IMPLEMENTATION_UID = '2.25.182943771027364930114725105318217733310';
export { concat };

/** Image Pixel module elements of a PixelInfo (without Pixel Data). */
function pixelModule(info) {
  return [
    element(0x0028, 0x0002, 'US', info.samplesPerPixel),
    element(0x0028, 0x0004, 'CS', info.photometricInterpretation),
    ...(info.samplesPerPixel > 1 && info.planarConfiguration !== undefined ? [element(0x0028, 0x0006, 'US', info.planarConfiguration)] : []),
    element(0x0028, 0x0010, 'US', info.rows),
    element(0x0028, 0x0011, 'US', info.columns),
    element(0x0028, 0x0100, 'US', info.bitsAllocated),
    element(0x0028, 0x0101, 'US', info.bitsStored),
    element(0x0028, 0x0102, 'US', info.highBit),
    element(0x0028, 0x0103, 'US', info.pixelRepresentation),
  ];
}

/** Stored values as little-endian bytes, whatever the platform's byte order. */
export function storedBytes(pixels) {
  if (pixels.BYTES_PER_ELEMENT === 1) return new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const out = new Uint8Array(pixels.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < pixels.length; i++) dv.setUint16(2 * i, pixels[i] & 0xffff, true);
  return out;
}

/** A stable 2.25 UID derived from a name. */
export function uidFor(name, kind) {
  let h = 0n;
  for (const c of `${name}/${kind}`) h = (h * 131n + BigInt(c.charCodeAt(0))) % (10n ** 30n);
  return `2.25.${h + 10n ** 30n}`;
}

/**
 * A phantom (bench/make-data.mjs: name, info, modality, sopClass, imageType, extra, pixels) as a
 * native Explicit VR Little Endian Part 10 file.
 */
export function writeNativeDicom(ph) {
  const { info, extra: x } = ph;
  const sop = uidFor(ph.name, 'sop');
  const ds = [
    element(0x0008, 0x0008, 'CS', ph.imageType),
    element(0x0008, 0x0016, 'UI', ph.sopClass),
    element(0x0008, 0x0018, 'UI', sop),
    element(0x0008, 0x0060, 'CS', ph.modality),
    element(0x0010, 0x0010, 'PN', 'Phantom^Bench'),
    element(0x0010, 0x0020, 'LO', 'BENCH'),
    element(0x0020, 0x000d, 'UI', uidFor(ph.name, 'study')),
    element(0x0020, 0x000e, 'UI', uidFor(ph.name, 'series')),
    ...pixelModule({ ...info, planarConfiguration: info.planarConfiguration ?? 0 }),
  ];
  if (x.windowCenter) ds.push(element(0x0028, 0x1050, 'DS', x.windowCenter), element(0x0028, 0x1051, 'DS', x.windowWidth));
  if (x.rescaleIntercept) {
    ds.push(element(0x0028, 0x1052, 'DS', x.rescaleIntercept), element(0x0028, 0x1053, 'DS', x.rescaleSlope),
      element(0x0028, 0x1054, 'LO', x.rescaleType));
  }
  ds.push(element(0x7fe0, 0x0010, info.bitsAllocated > 8 ? 'OW' : 'OB', storedBytes(ph.pixels)));
  return part10(EXPLICIT_VR_LITTLE_ENDIAN, ds, {
    sopClassUID: ph.sopClass,
    sopInstanceUID: sop,
    implementationClassUID: IMPLEMENTATION_UID,
    extra: [element(0x0002, 0x0013, 'SH', 'DICOMPIXELS_BENCH')],
  });
}

/**
 * One frame, one fragment, empty Basic Offset Table (PS3.5 A.4), in `transferSyntaxUID`;
 * `window` = [center, width] adds a VOI window.
 */
export function writeEncapsulatedDicom(info, codestream, transferSyntaxUID, window) {
  const sop = '1.2.840.10008.5.1.4.1.1.1.1';
  const instance = `2.25.${BigInt.asUintN(64, BigInt(codestream.length) * 2654435761n + BigInt(info.rows))}`;
  const fragment = codestream.length % 2 ? concat([codestream, new Uint8Array(1)]) : codestream;
  const dataset = [
    element(0x0008, 0x0016, 'UI', sop),
    element(0x0008, 0x0018, 'UI', instance),
    ...pixelModule(info),
    ...(window ? [element(0x0028, 0x1050, 'DS', window[0]), element(0x0028, 0x1051, 'DS', window[1])] : []),
    encapsulatedPixelData([fragment]),
  ];
  return part10(transferSyntaxUID, dataset, { sopClassUID: sop, sopInstanceUID: instance, implementationClassUID: IMPLEMENTATION_UID });
}
