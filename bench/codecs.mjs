#!/usr/bin/env node
// JPEG-LS, JPEG 2000 and HTJ2K decode benchmark: dicom-pixels side by side with the raw codec
// call it wraps and with the decoders users would otherwise pick, in one process, interleaved
// round by round, every output checked first (lossless: against the original stored values;
// lossy JPEG 2000: within 1 of opj_decompress's output).
//
//   npm run bench -- codecs             (from the repository root: builds, then runs this)
//   node bench/codecs.mjs [--quick] [--only=ct,dx,us] [--codec=jls,j2k,htj2k] [--json=FILE] [--remake-data]
//                         [--no-native] [--no-profile] [--profile]
//
// --codec=j2k is JPEG 2000 lossless (.90) and lossy (.91, 9/7 + ICT); j2k-lossless or j2k-lossy
// name one of them. --profile runs only the JPEG 2000 profile (no first calls, no timed rounds).
//
// Environment: BENCH_ROUNDS (default 5; --quick 3), BENCH_TIME (seconds per candidate per round,
// default 0.4; --quick 0.2), BENCH_WARMUP (seconds of warm-up per candidate, default 0.5; 2 for
// OpenJPEG, whose WebAssembly V8 first runs in its baseline compiler), BENCH_PROFILE_TIME
// (seconds of profiled decodes per stream, default 1.5; --quick 0.5), BENCH_PAIR_TIME (seconds of
// JPEG 2000 pairs per stream: our decode and the raw codec's in turns, default 8; --quick 2; 0: none).
//
// Candidates for each codestream:
//   dicom-pixels (into)   decodeFrame(fragment, uid, info, { into }) into a preallocated array
//   dicom-pixels          decodeFrame(fragment, uid, info), allocating its output
//   raw codec             the same @cornerstonejs codec build, one decoder object reused: copy the
//                         codestream in, decode, copy the output out (getDecodedBuffer)
//   cornerstone           @cornerstonejs/dicom-image-loader's decodeJPEGLS / decodeJPEG2000 / decodeHTJ2K
//   dcmjs-codecs          NativeCodecs.decodeJpegLs / decodeJpeg2000 / decodeHtJpeg2000 (CharLS,
//                         OpenJPEG, OpenJPH compiled to WASM with DCMTK)
//   JPEG 2000 only, when on PATH: OpenJPEG native (opj_decompress -threads 1) and Grok native
//                         (grk_decompress -H 1), external processes on the same codestreams: each
//                         figure is the median wall time of the decode (its output not written)
//                         minus that of the same command on a 1×1 codestream of the same kind
//                         (see the native section below)
// and for JPEG 2000 / HTJ2K at resolutionLevel 3 (1/8 per axis): dicom-pixels and the raw codec.
// Then, for JPEG 2000, a profile of where dicom-pixels' time goes (see profileChild).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DATA_DIR, benchPackage, benchRequire, dcmjsAttributes, dicomPixelsVersion, distUrl, ensureAnchors, envNumber, fail,
  flagList, flagValue, fmt, fmtMs, hasFlag, importDicomPixels, interleavedRounds, machine, median, pairedRatios,
  machineLine, pkgVersion, rootRequire, storedType, suiteOptions, summarize, table, timeLoop, viewAs, warmUp,
  writeJson,
} from './lib.mjs';

const options = suiteOptions({ rounds: [5, 3], time: [0.4, 0.2], json: 'codecs-last-run.json' });
const { rounds: ROUNDS, json: JSON_OUT } = options;
const MAX_TIME = options.maxTime * 1000; // ms
const WARMUP = envNumber('BENCH_WARMUP', options.quick ? 0.25 : 0.5);
const PROFILE_TIME = envNumber('BENCH_PROFILE_TIME', options.quick ? 0.5 : 1.5) * 1000; // ms
const PAIR_TIME = envNumber('BENCH_PAIR_TIME', options.quick ? 2 : 8) * 1000; // ms of JPEG 2000 pairs per stream
const LEVEL = 3;

const UIDS = {
  jls: '1.2.840.10008.1.2.4.80', j2k: '1.2.840.10008.1.2.4.90', j2kLossy: '1.2.840.10008.1.2.4.91', htj2k: '1.2.840.10008.1.2.4.201',
};
const CODEC_NAMES = { jls: 'JPEG-LS', j2k: 'JPEG 2000', j2kLossy: 'JPEG 2000 lossy (9/7, ICT)', htj2k: 'HTJ2K' };
/** The codec a kind is decoded with (lossy JPEG 2000 is JPEG 2000 to every decoder). */
const codecOf = (kind) => (kind === 'j2kLossy' ? 'j2k' : kind);
const isJ2k = (kind) => codecOf(kind) === 'j2k';
const isLossy = (kind) => kind === 'j2kLossy';
/** --codec=...: j2k is both JPEG 2000 kinds. */
const CODECS = (flagList('codec') ?? ['jls', 'j2k', 'htj2k']).flatMap((name) => {
  const kinds = { jls: ['jls'], j2k: ['j2k', 'j2kLossy'], 'j2k-lossless': ['j2k'], 'j2k-lossy': ['j2kLossy'], j2klossy: ['j2kLossy'], htj2k: ['htj2k'] }[name];
  if (!kinds) fail(`--codec=${name}: the codecs are jls, j2k (j2k-lossless, j2k-lossy), htj2k`);
  return kinds;
}).filter((kind, i, all) => all.indexOf(kind) === i);
/** Allowed difference from the expected output: lossy outputs are checked against opj_decompress's within 1. */
const tolerance = (kind) => (isLossy(kind) ? 1 : 0);

const reduced = (n) => Math.ceil(n / 2 ** LEVEL);

/** null when `got` is within `tol` of `want` everywhere, else where and how much they differ. */
function mismatch(got, want, tol = 0) {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol) {
      let n = 0;
      for (let j = i; j < want.length; j++) if (Math.abs(got[j] - want[j]) > tol) n++;
      return `sample ${i}: ${got[i]}, expected ${want[i]}${tol ? ` ± ${tol}` : ''} (${n} samples differ)`;
    }
  }
  return null;
}
function maxDifference(got, want) {
  let max = 0;
  for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
  return max;
}

// ---------------------------------------------------------------- candidates
// prepare(image, kind) → { run(): Promise|void, output(): typed array of stored values } or null
// when the candidate does not decode that kind; `level: true` marks resolutionLevel 3 candidates.
// A case may bring its own warmUp() and time(maxTimeMs) (the native tools do).

function dicomPixels(api) {
  const version = dicomPixelsVersion();
  const into = {
    key: 'dpInto', name: 'dicom-pixels (into)', version,
    prepare(img, kind) {
      const target = new (storedType(img.info))(img.samples);
      let last;
      return { run: async () => { last = await api.decodeFrame(img.streams[kind], UIDS[kind], img.info, { into: target }); }, output: () => last.pixels };
    },
  };
  const alloc = {
    key: 'dp', name: 'dicom-pixels', version,
    prepare(img, kind) {
      let last;
      return { run: async () => { last = await api.decodeFrame(img.streams[kind], UIDS[kind], img.info); }, output: () => last.pixels };
    },
  };
  const level = {
    key: 'dpLevel', name: `dicom-pixels (into), resolutionLevel ${LEVEL}`, version, level: true,
    prepare(img, kind) {
      if (kind === 'jls') return null;
      const target = new (storedType(img.info))(reduced(img.info.rows) * reduced(img.info.columns) * img.info.samplesPerPixel);
      let last;
      return {
        run: async () => { last = await api.decodeFrame(img.streams[kind], UIDS[kind], img.info, { into: target, resolutionLevel: LEVEL }); },
        output: () => last.pixels,
      };
    },
  };
  return [into, alloc, level];
}

/** The codec builds dicom-pixels uses, called directly: one module and decoder object per codec. */
function rawCodecs() {
  const specs = {
    // package, decoder class, decode call, whether getDecodedBuffer() already returns a copy
    jls: ['@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder', (d) => d.decode(), true],
    j2k: ['@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder', (d, level) => d.decodeSubResolution(level, 0), true],
    htj2k: ['@cornerstonejs/codec-openjph/wasmjs', 'HTJ2KDecoder', (d, level) => d.decodeSubResolution(level), false],
  };
  const decoders = {};
  const load = async (kind) => {
    const codec = codecOf(kind);
    if (decoders[codec]) return;
    const [pkg, className] = specs[codec];
    const module = await rootRequire(pkg)({ print() {}, printErr() {} });
    decoders[codec] = new module[className]();
  };
  const make = (key, name, level) => ({
    key, name, version: pkgVersion('@cornerstonejs/codec-openjpeg', { root: true }), level: level > 0, load,
    prepare(img, kind) {
      if (level > 0 && kind === 'jls') return null;
      const decoder = decoders[codecOf(kind)];
      const [, , decode, copies] = specs[codecOf(kind)];
      const Type = storedType(img.info);
      let out;
      return {
        run() {
          decoder.getEncodedBuffer(img.streams[kind].length).set(img.streams[kind]);
          decode(decoder, level);
          // CharLS and OpenJPEG hand back a copy; OpenJPH a view of its heap, copied here.
          out = copies ? decoder.getDecodedBuffer() : decoder.getDecodedBuffer().slice();
        },
        output: () => viewAs(out, Type),
      };
    },
  });
  return [make('raw', 'raw codec call', 0), make('rawLevel', `raw codec call, level ${LEVEL}`, LEVEL)];
}

function cornerstone() {
  const dir = benchPackage('@cornerstonejs/dicom-image-loader');
  const files = { jls: 'decodeJPEGLS.js', j2k: 'decodeJPEG2000.js', htj2k: 'decodeHTJ2K.js' };
  const codecDirs = { jls: '@cornerstonejs/codec-charls', j2k: '@cornerstonejs/codec-openjpeg', htj2k: '@cornerstonejs/codec-openjph' };
  const modules = {};
  return {
    key: 'cornerstone', name: 'cornerstone dicom-image-loader', version: pkgVersion('@cornerstonejs/dicom-image-loader'),
    async load(kind) {
      const codec = codecOf(kind);
      if (modules[codec]) return;
      const url = pathToFileURL(path.join(dir, 'dist', 'esm', 'shared', 'decoders', files[codec])).href;
      modules[codec] = await import(url);
      // Its codec modules print through console.log, bound when they instantiate: OpenJPEG's
      // three [INFO] lines per decode would flood the table, so instantiate them with a filter.
      const log = console.log;
      console.log = (...args) => { if (!String(args[0]).startsWith('[INFO]')) log(...args); };
      try {
        // In Node its new URL('<package>/<file>', import.meta.url) points nowhere: give the folder.
        await modules[codec].initialize({ wasmBasePath: path.join(benchPackage(codecDirs[codec]), 'dist') + path.sep });
      } finally {
        console.log = log;
      }
    },
    prepare(img, kind) {
      const { info } = img;
      const imageInfo = {
        rows: info.rows, columns: info.columns, bitsAllocated: info.bitsAllocated, samplesPerPixel: info.samplesPerPixel,
        signed: info.pixelRepresentation === 1, bytesPerPixel: info.bitsAllocated / 8, planarConfiguration: 0,
      };
      let last;
      return {
        run: async () => { last = await modules[codecOf(kind)].default(img.streams[kind], imageInfo); },
        output: () => last.pixelData,
      };
    },
  };
}

function dcmjsCodecs() {
  let NativeCodecs, Context;
  const calls = { jls: 'decodeJpegLs', j2k: 'decodeJpeg2000', htj2k: 'decodeHtJpeg2000' };
  return {
    key: 'dcmjs', name: 'dcmjs-codecs', version: pkgVersion('dcmjs-codecs'),
    async load() {
      if (NativeCodecs) return;
      ({ NativeCodecs, Context } = benchRequire('dcmjs-codecs'));
      await NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
    },
    prepare(img, kind) {
      const { info } = img;
      const Type = storedType(info);
      const attrs = dcmjsAttributes(info);
      let last;
      return {
        run: () => { last = NativeCodecs[calls[codecOf(kind)]](new Context({ ...attrs, encodedBuffer: img.streams[kind] })); },
        output: () => viewAs(last.getDecodedBuffer(), Type),
      };
    },
  };
}

// ---------------------------------------------------------------- native OpenJPEG and Grok
// Each command runs as its own process, one thread. A process costs more than its decode:
// start-up, loading the libraries, codec set-up, opening files, and writing the output (which
// both tools do slowly: opj_decompress writes RAWL with one fwrite per byte, ~60 ms for DX). So
// the timed runs name an output file in a folder that does not exist: the tool reads and decodes
// the whole codestream, then fails to open the output and exits 1 (the run must end with that
// message), having written nothing. Each such decode is paired with the same command on the
// stream's 1×1 twin (bench/make-data.mjs: same components, precision, sign and wavelet; it fails
// the same way), alternating which runs first, and a round's figure is
// median(wall of the decode) − median(wall of the 1×1 decode): what is left is reading and
// decoding the codestream, as the in-process candidates do (without their copy-out). The output
// is checked from a run that writes RAWL (component after component, little endian) to tmpfs,
// and that run and the warm-up's also record each tool's own timer: opj_decompress prints
// "decode time: N ms" (opj_read_header to opj_end_decompress: no output writing, but whole
// milliseconds, truncated); grk_decompress -v prints "decompress time: X ms" (fractional, and
// including writing the output).

const NATIVE_DIR = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

function nativeTools(toolVersion) {
  const opj = toolVersion('opj_decompress', ['-h'], /library v(\d+\.\d+\.\d+)/);
  const grk = toolVersion('grk_decompress', ['-h'], /libgrokj2k v(\d+\.\d+\.\d+)/);
  const majorMinor = (v) => v.split('.').slice(0, 2).join('.');
  const tools = [];
  if (opj) {
    tools.push(nativeTool({
      key: 'opj', name: `OpenJPEG ${majorMinor(opj)} native (opj_decompress -threads 1)`, short: 'opj_decompress', version: opj,
      command: 'opj_decompress', args: (input, output) => ['-threads', '1', '-i', input, '-o', output],
      timer: (text) => +(text.match(/decode time: (\d+) ms/)?.[1] ?? NaN),
      timerNote: 'decode only, whole ms (truncated)',
    }));
  }
  if (grk) {
    tools.push(nativeTool({
      key: 'grk', name: 'Grok native (grk_decompress -H 1)', short: 'grk_decompress', version: grk,
      command: 'grk_decompress', args: (input, output) => ['-H', '1', '-v', '-i', input, '-o', output],
      timer: (text) => +(text.match(/decompress time: ([\d.]+) ms/)?.[1] ?? NaN),
      timerNote: 'includes writing the output',
    }));
  }
  return { tools, versions: { opj, grk } };
}

function nativeTool({ key, name, short, version, command, args, timer, timerNote }) {
  return {
    key, name, short, version, native: true, timerNote,
    prepare(img, kind) {
      if (!isJ2k(kind) || !img.baselines[kind]) return null;
      const input = path.join(DATA_DIR, img.files[kind]);
      const baseline = path.join(DATA_DIR, img.baselines[kind]);
      const output = path.join(NATIVE_DIR, `dicom-pixels-bench-${process.pid}-${key}-${img.name}-${kind}.rawl`);
      // a folder that does not exist: the decode runs, the output is not written
      const nowhere = path.join(NATIVE_DIR, `dicom-pixels-bench-${process.pid}-no-such-folder`, 'out.rawl');
      if (fs.existsSync(path.dirname(nowhere))) fail(`${path.dirname(nowhere)} exists`);
      const once = (file, out) => {
        const t0 = performance.now();
        const r = spawnSync(command, args(file, out), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        const ms = performance.now() - t0;
        const text = `${r.stdout}${r.stderr}`;
        const writes = out !== nowhere;
        // the unwritable output must be what stopped it, not anything before
        const ok = writes ? r.status === 0 : r.status !== 0 && text.includes(nowhere) && /for writing/i.test(text);
        if (!ok) throw new Error(`${command} ${args(file, out).join(' ')} ${writes ? 'failed' : 'did not stop at its output'} (${r.status ?? r.signal}): ${text}`);
        return { ms, timer: timer(text) };
      };
      const timers = [];
      const Type = storedType(img.info);
      const minPairs = options.quick ? 2 : 3;
      return {
        run: () => { timers.push(once(input, output).timer); },
        output: () => viewAs(img.interleaveRawl(fs.readFileSync(output), img.info), Type),
        warmUp: () => {
          for (let i = 0; i < 2; i++) { timers.push(once(input, output).timer); once(input, nowhere); once(baseline, nowhere); }
        },
        /** The tool's own timer over the runs that wrote their output. */
        timer: () => median(timers),
        time(maxTimeMs) {
          const full = [], one = [];
          const t0 = performance.now();
          for (let i = 0; i < minPairs || performance.now() - t0 < maxTimeMs; i++) {
            // alternate which of the pair runs first
            if (i % 2 === 0) full.push(once(input, nowhere).ms);
            one.push(once(baseline, nowhere).ms);
            if (i % 2 === 1) full.push(once(input, nowhere).ms);
          }
          const base = median(one), wall = median(full);
          return { mean: wall - base, wall, base, count: full.length };
        },
        cleanup: () => { fs.rmSync(output, { force: true }); },
      };
    },
  };
}

// ---------------------------------------------------------------- JPEG 2000 profile
// Where dicom-pixels' time goes, in a fresh process per stream, without changing src/: the
// Kernels instance's `fn` is replaced (Object.defineProperty) by a copy of its exports whose j2k*
// functions are timed wrappers; jpeg2000Decoder.decode (the object the registry hands to
// decodeFrame) by a timed wrapper too. Per decodeFrame call (into a preallocated array):
//   pipeline + copy-out  decodeFrame − the decoder's decode (plan, toStored, colour, modality, copy into `into`)
//   tier-1               j2kDecodeBlocks          DWT     j2kInverseDwt (j2kInverse53 / j2kInverse97)
//   colour               j2kInverseRct / Ict      store   j2kStoreComponent
//   JS in the decoder    decode − those kernels, split by timing, on their own, the exported
//                        pieces: headers (readCodestream + parse), tier-2 (tileLayout +
//                        readPackets per tile), and the rest: the code-block table, segment
//                        copies and coefficient fill of decodeTile ("block table").

const KERNEL_SECTIONS = [
  ['tier1', /DecodeBlocks|Tier1|T1/i],
  ['dwt', /Dwt|Inverse53|Inverse97|Wavelet/i],
  ['colour', /Rct|Ict|Colou?r/i],
  ['store', /Store/i],
];
const kernelSection = (name) => KERNEL_SECTIONS.find(([, re]) => re.test(name))?.[0] ?? 'otherKernels';

async function profileChild(spec) {
  const [kind, name] = spec.split(',');
  const manifest = JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'codecs-manifest.json'), 'utf8'));
  const img = (await loadImages({ images: manifest.images.filter((im) => im.name === name) }))[0];
  const api = await importDicomPixels();
  const { kernels } = await import(distUrl('wasm', 'kernels.js').href);
  const j2k = await import(distUrl('decoders', 'jpeg2000.js').href);
  const instance = await kernels();
  const uid = UIDS[kind];
  const stream = img.streams[kind];
  const target = new (storedType(img.info))(img.samples);
  const decode = () => api.decodeFrame(stream, uid, img.info, { into: target });
  await decode(); // kernels loaded, the decoder chosen

  const spent = { decoder: 0 };
  const calls = {};
  const fn = instance.fn;
  const timed = {};
  for (const key of Object.keys(fn)) timed[key] = fn[key];
  for (const key of Object.keys(fn)) {
    if (!key.startsWith('j2k') || typeof fn[key] !== 'function' || /WorkBytes$/.test(key)) continue;
    const original = fn[key];
    spent[key] = 0;
    calls[key] = 0;
    timed[key] = (...a) => {
      const t = performance.now();
      try { return original(...a); } finally { spent[key] += performance.now() - t; calls[key]++; }
    };
  }
  Object.defineProperty(instance, 'fn', { value: timed, configurable: true, writable: true });
  const decoder = j2k.jpeg2000Decoder;
  const originalDecode = decoder.decode;
  const timedDecode = function timedDecode(...a) {
    const t = performance.now();
    try { return originalDecode.apply(this, a); } finally { spent.decoder += performance.now() - t; }
  };
  try { decoder.decode = timedDecode; } catch { /* a frozen decoder: no pipeline / decoder split */ }
  const decoderWrapped = decoder.decode === timedDecode;

  const loop = async (ms) => {
    const t0 = performance.now();
    let n = 0;
    while (n < 3 || performance.now() - t0 < ms) { await decode(); n++; }
    return { n, ms: performance.now() - t0 };
  };
  await loop(PROFILE_TIME); // warm-up: V8 tiers the kernels and the JS up
  for (const k of Object.keys(spent)) spent[k] = 0;
  for (const k of Object.keys(calls)) calls[k] = 0;
  const { n, ms } = await loop(PROFILE_TIME);
  const per = (v) => v / n;
  const result = { calls: n, total: per(ms), decoder: decoderWrapped && spent.decoder > 0 ? per(spent.decoder) : null, kernels: {}, kernelCalls: {} };
  for (const k of Object.keys(calls)) {
    if (calls[k] === 0) continue;
    result.kernels[k] = per(spent[k]);
    result.kernelCalls[k] = calls[k] / n;
  }
  // restore before timing the JS pieces on their own
  Object.defineProperty(instance, 'fn', { value: fn, configurable: true, writable: true });
  if (decoderWrapped) decoder.decode = originalDecode;

  // Headers and tier-2 on their own, through the modules' exports (null if their shape changed).
  try {
    const { parse } = await import(distUrl('decoders', 'j2k', 'decode.js').href);
    const { readPackets, tileLayout } = await import(distUrl('decoders', 'j2k', 'tier2.js').href);
    const codestream = stream.subarray(j2k.codestreamStart(stream));
    const corrupt = (detail) => new Error(detail);
    const headers = () => { j2k.readCodestream(codestream, uid); return parse(codestream, uid); };
    const parsed = headers();
    const tier2 = () => {
      for (const tile of parsed.tiles) {
        const layout = tileLayout(parsed.size, tile, corrupt);
        readPackets(codestream, tile, layout, tile.parameters.layers, uid, corrupt);
      }
    };
    const each = (f) => {
      for (let t0 = performance.now(); performance.now() - t0 < PROFILE_TIME / 3;) f(); // warm-up
      let count = 0;
      const t0 = performance.now();
      while (count < 3 || performance.now() - t0 < PROFILE_TIME / 2) { f(); count++; }
      return (performance.now() - t0) / count;
    };
    result.headers = each(headers);
    result.tier2 = each(tier2);
  } catch (error) {
    result.splitError = String(error?.message ?? error);
  }
  console.log(JSON.stringify(result));
}

/** The profile of one stream, from a fresh process. */
function profileOf(kind, img) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--profile-child=${kind},${img.name}`], { encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line?.startsWith('{')) fail(`profile child for ${kind} ${img.name} failed: ${r.stderr || r.stdout}`);
  const p = JSON.parse(line);
  const sections = { headers: null, tier2: null, table: null, tier1: null, dwt: null, colour: null, store: null, otherKernels: null, pipeline: null };
  let kernelTotal = 0;
  for (const [name, ms] of Object.entries(p.kernels)) {
    sections[kernelSection(name)] = (sections[kernelSection(name)] ?? 0) + ms; // null: not called
    kernelTotal += ms;
  }
  if (p.decoder !== null) {
    sections.pipeline = p.total - p.decoder;
    const js = p.decoder - kernelTotal;
    if (p.headers !== undefined) {
      sections.headers = p.headers;
      sections.tier2 = p.tier2;
      sections.table = Math.max(0, js - p.headers - p.tier2);
    } else {
      sections.table = js; // the JS of the decoder as a whole
    }
  }
  return { ...p, sections };
}

function printProfiles(profiles) {
  console.log('\nWhere dicom-pixels\' JPEG 2000 time goes: decodeFrame into a preallocated array, per call, in a fresh process per stream, ' +
    `after ${fmt(PROFILE_TIME / 1000, 1)} s of warm-up (ms and share of the total)`);
  const cell = (ms, total) => (ms === null ? '-' : `${fmtMs(ms)} ${((ms / total) * 100).toFixed(0).padStart(2)}%`);
  const anyOther = profiles.some((p) => p.sections.otherKernels > 0);
  const headers = ['stream', 'total ms', 'headers', 'tier-2', 'block table', 'tier-1', 'DWT', 'colour', 'store', 'pipeline+copy-out', ...(anyOther ? ['other kernels'] : [])];
  console.log(table(headers, profiles.map((p) => {
    const s = p.sections;
    return [`${p.image} ${p.lossy ? 'lossy' : 'lossless'}`, fmtMs(p.total), cell(s.headers, p.total), cell(s.tier2, p.total), cell(s.table, p.total),
      cell(s.tier1, p.total), cell(s.dwt, p.total), cell(s.colour, p.total), cell(s.store, p.total), cell(s.pipeline, p.total),
      ...(anyOther ? [cell(s.otherKernels, p.total)] : [])];
  })));
  const names = [...new Set(profiles.flatMap((p) => Object.keys(p.kernels)))];
  console.log('headers = readCodestream + parse, tier-2 = tileLayout + readPackets per tile (both timed on their own, through their exports); ' +
    'block table = the rest of the decoder\'s JS (decodeTile\'s code-block and segment tables, data copies, coefficient fill); ' +
    `kernels timed by wrapping ${names.join(', ')}; pipeline+copy-out = decodeFrame − jpeg2000Decoder.decode.`);
  const errors = profiles.filter((p) => p.splitError);
  if (errors.length) console.log(`(headers / tier-2 not split out: ${errors[0].splitError})`);
}

// ---------------------------------------------------------------- main
async function implementations() {
  const api = await importDicomPixels();
  return { dp: dicomPixels(api), raws: rawCodecs(), cs: cornerstone(), dcmjs: dcmjsCodecs() };
}

async function loadImages(manifest) {
  const { interleaveRawl } = await import('./make-data.mjs');
  const read = (file) => new Uint8Array(fs.readFileSync(path.join(DATA_DIR, file)));
  return options.pick(manifest.images)
    .map((im) => {
      const Type = storedType(im.info);
      const lossy = im.lossy?.j2k;
      const entries = { ...im.codestreams, ...(lossy ? { j2kLossy: lossy } : {}) };
      const streams = Object.fromEntries(Object.entries(entries).map(([kind, c]) => [kind, read(c.file)]));
      const files = Object.fromEntries(Object.entries(entries).map(([kind, c]) => [kind, c.file]));
      const baselines = Object.fromEntries(Object.entries(entries).map(([kind, c]) => [kind, c.baselineFile]));
      const samples = im.info.rows * im.info.columns * im.info.samplesPerPixel;
      const original = viewAs(read(im.rawFile), Type);
      const expected = Object.fromEntries(Object.keys(entries).map((kind) => [kind, original]));
      if (lossy) expected.j2kLossy = viewAs(read(lossy.referenceFile), Type);
      return { ...im, entries, streams, files, baselines, samples, pixels: im.info.rows * im.info.columns, expected, interleaveRawl };
    });
}

/** --first-call=IMPL,KIND,IMAGE: one first call in this (fresh) process, printed as JSON. */
async function firstCallChild(spec) {
  const [impl, kind, name] = spec.split(',');
  const manifest = JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'codecs-manifest.json'), 'utf8'));
  const img = (await loadImages({ images: manifest.images.filter((im) => im.name === name) }))[0];
  let t0 = performance.now();
  const { dp, raws, cs, dcmjs } = await implementations();
  let candidate = dp[1];
  if (impl !== 'dicom-pixels') {
    t0 = performance.now(); // importing dist/index.js is not theirs to pay
    candidate = { 'raw codec call': raws[0], cornerstone: cs, 'dcmjs-codecs': dcmjs }[impl];
    await candidate.load(kind);
  }
  const t1 = performance.now();
  const kase = candidate.prepare(img, kind);
  await kase.run();
  const t2 = performance.now();
  await kase.run();
  console.log(JSON.stringify({ load: t1 - t0, first: t2 - t1, second: performance.now() - t2 }));
}

const speedup = (theirs, ours) => theirs / ours;
const times = (x) => (x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(2)}×`);
const msOr = (row) => (row ? fmtMs(row.ms) : '-');

async function main() {
  if (hasFlag('first-call')) return firstCallChild(flagValue('first-call'));
  if (hasFlag('profile-child')) return profileChild(flagValue('profile-child'));
  ensureAnchors();
  if (!fs.existsSync(distUrl('index.js'))) fail('dist/index.js is missing: run npx tsc -p tsconfig.json first');
  const { makeCodecData, toolVersion } = await import('./make-data.mjs');
  const manifest = await makeCodecData({ force: hasFlag('remake-data'), log: console.log });
  const images = await loadImages(manifest);
  const j2kKinds = CODECS.filter(isJ2k);
  const profileOnly = hasFlag('profile');
  const wantProfile = j2kKinds.length > 0 && !hasFlag('no-profile');

  const m = machine();
  const lossyKinds = CODECS.filter(isLossy);
  console.log(`\nJPEG-LS / JPEG 2000 / HTJ2K decode benchmark (lossless codestreams${lossyKinds.length ? '; JPEG 2000 also lossy' : ''})`);
  console.log(`${machineLine(m)}; one thread`);
  console.log(`encoders: ${Object.entries(manifest.encoders).filter(([k]) => CODEC_NAMES[k]).map(([k, v]) => `${CODEC_NAMES[k]} ${v}`).join('; ')}`);
  if (lossyKinds.length) {
    console.log(`lossy JPEG 2000 rates (opj_compress -r): ${manifest.images.map((im) => `${im.name} ${im.lossy.j2k.rate}`).join(', ')}; ` +
      `reference output: ${manifest.lossyReference} (every lossy output must be within 1 of it)`);
  }

  if (profileOnly) {
    if (!wantProfile) fail('--profile needs JPEG 2000 among --codec');
    const profiles = [];
    for (const kind of j2kKinds) for (const img of images) profiles.push({ image: img.name, lossy: isLossy(kind), ...profileOf(kind, img) });
    printProfiles(profiles);
    writeJson(JSON_OUT, { date: new Date().toISOString(), node: m.node, v8: m.v8, cpu: m.cpu, profiles });
    return;
  }

  console.log(`${ROUNDS} interleaved rounds, ≥${MAX_TIME / 1000}s per candidate per round, warm-up ${WARMUP}s ` +
    '(2s for JPEG 2000); figures are medians of per-round means');

  // First calls: each implementation and codec in a fresh Node process (V8 caches compiled
  // WebAssembly by content, so a second module loading the same .wasm in one process would look
  // cheaper): import / instantiate, then the first and second decode of the first image.
  const first = images[0];
  const firstCalls = [];
  for (const kind of CODECS) {
    for (const impl of ['dicom-pixels', 'raw codec call', 'cornerstone', 'dcmjs-codecs']) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--first-call=${impl},${kind},${first.name}`], { encoding: 'utf8' });
      const line = r.stdout.trim().split('\n').pop();
      if (r.status !== 0 || !line?.startsWith('{')) fail(`first-call child for ${impl} ${kind} failed: ${r.stderr || r.stdout}`);
      firstCalls.push({ codec: CODEC_NAMES[kind], name: impl, ...JSON.parse(line) });
    }
  }
  console.log(`\nFirst call, each in a fresh process (${first.label}), ms: import (dicom-pixels: dist/index.js; others: ` +
    'module + WebAssembly instantiation), then the first and second decode. dicom-pixels instantiates its kernels and the ' +
    'codec module lazily, inside its first decode.');
  console.log(table(['codec', 'implementation', 'import+init', '1st decode', '2nd decode'],
    firstCalls.map((f) => [f.codec, f.name, fmtMs(f.load), fmtMs(f.first), fmtMs(f.second)])));

  const { dp, raws, cs, dcmjs } = await implementations();
  for (const kind of CODECS) {
    await raws[0].load(kind);
    await cs.load(kind);
  }
  await dcmjs.load();
  const native = j2kKinds.length && !hasFlag('no-native') ? nativeTools(toolVersion) : { tools: [], versions: {} };
  if (j2kKinds.length) {
    const missing = [['opj_decompress', native.versions.opj], ['grk_decompress', native.versions.grk]].filter(([, v]) => !v).map(([t]) => t);
    if (hasFlag('no-native')) console.log('native OpenJPEG / Grok rows: left out (--no-native)');
    else if (missing.length) console.log(`native rows: ${missing.join(', ')} not on PATH, left out`);
    if (native.tools.length && !images.every((im) => im.baselines.j2k)) {
      console.log('native rows: the codestreams have no 1×1 twins (made without opj_compress): left out');
    }
  }
  const candidates = [dp[0], dp[1], raws[0], cs, dcmjs, ...native.tools, dp[2], raws[1]];
  const results = [];
  for (const kind of CODECS) {
    for (const img of images) {
      const cases = [];
      const expected = img.expected[kind];
      const tol = tolerance(kind);
      let worst = 0;
      for (const c of candidates) {
        const kase = c.prepare(img, kind);
        if (!kase) continue;
        await kase.run();
        const out = kase.output();
        if (c.level) {
          // reduced outputs: dicom-pixels and the raw codec must agree sample for sample (lossy: within 1)
          const want = cases.find((k) => k.c.level)?.kase.output();
          if (out.length !== reduced(img.info.rows) * reduced(img.info.columns) * img.info.samplesPerPixel) fail(`${c.name}: ${out.length} samples at level ${LEVEL}`);
          if (want) { const d = mismatch(out, want, tol); if (d) fail(`${c.name} disagrees with dicom-pixels at level ${LEVEL} on ${img.label}: ${d}`); }
        } else {
          const d = mismatch(out, expected, tol);
          if (d && c.key.startsWith('dp')) fail(`${c.name} decodes ${CODEC_NAMES[kind]} ${img.label} wrongly: ${d}`);
          if (d) {
            console.log(`  (${c.name} decodes ${CODEC_NAMES[kind]} ${img.label} wrongly, not timed: ${d})`);
            kase.cleanup?.();
            continue;
          }
          if (tol) worst = Math.max(worst, maxDifference(out, expected));
        }
        cases.push({ c, kase });
      }
      const warm = isJ2k(kind) ? Math.max(WARMUP, 2) : WARMUP;
      for (const { kase } of cases) {
        if (kase.warmUp) kase.warmUp();
        else await warmUp(kase.run, warm * 1000, 3);
      }
      const perRound = await interleavedRounds(cases, ROUNDS,
        ({ kase }) => (kase.time ? kase.time(MAX_TIME) : timeLoop(kase.run, MAX_TIME)), { key: ({ c }) => c.key });
      // JPEG 2000: our decode and the raw codec's one right after the other, in turns, and the
      // median of the pairs' ratios: a slow spell of a shared machine slows both of a pair alike.
      let paired;
      const dpCase = cases.find(({ c }) => c.key === 'dpInto');
      const rawCase = cases.find(({ c }) => c.key === 'raw');
      if (isJ2k(kind) && dpCase && rawCase && PAIR_TIME > 0) {
        const { ratio, pairs } = await pairedRatios(dpCase.kase.run, rawCase.kase.run, PAIR_TIME);
        paired = { speedup: ratio, pairs };
      }
      for (const { kase } of cases) kase.cleanup?.();
      const rows = cases.map(({ c }) => {
        const rounds = perRound.get(c.key);
        const { ms, spread, mps } = summarize(rounds.map((x) => x.mean), img.pixels);
        const row = { key: c.key, name: c.name, version: c.version, ms, spread, mps };
        if (c.native) {
          Object.assign(row, { native: true, short: c.short, timerNote: c.timerNote, wall: median(rounds.map((x) => x.wall)),
            base: median(rounds.map((x) => x.base)), timer: cases.find((k) => k.c === c).kase.timer(), runs: rounds.reduce((n, x) => n + x.count, 0) });
        }
        return row;
      });
      const by = Object.fromEntries(rows.map((r) => [r.key, r]));
      const entry = img.entries[kind];
      const checked = tol ? `outputs within ±${tol} of ${manifest.lossyReference.split(' (')[0]}'s (largest difference ${worst}) ✓` : 'outputs identical ✓';
      console.log(`\n${CODEC_NAMES[kind]} — ${img.label}: ${(entry.bytes / 1024).toFixed(0)} KB (${entry.compression}:1); ${checked}`);
      console.log(table(['implementation', 'median ms', '±%', 'MP/s', 'this ÷ raw codec', 'this ÷ dp (into)'],
        rows.map((r) => {
          const base = r.key.endsWith('Level') ? by.rawLevel : by.raw;
          const dpBase = r.key.endsWith('Level') ? by.dpLevel : by.dpInto;
          return [r.name, fmtMs(r.ms), r.spread.toFixed(1), fmt(r.mps), `${(r.ms / base.ms).toFixed(3)}×`, `${(r.ms / dpBase.ms).toFixed(2)}×`];
        })));
      const summary = { codec: kind, image: img.name, label: img.label, bytes: entry.bytes, rows,
        endToEndInto: by.dpInto.ms / by.raw.ms, endToEnd: by.dp.ms / by.raw.ms };
      const natives = rows.filter((r) => r.native);
      if (natives.length) {
        console.log(`native rows: median wall of the command (decoding, then failing to open its output: nothing written) − median wall of ` +
          `the same on a 1×1 codestream, ${natives[0].runs} pairs; ` +
          natives.map((r) => `${r.short} ${fmtMs(r.wall)} − ${fmtMs(r.base)} ms, its own timer ${fmtMs(r.timer)} ms (${r.timerNote})`).join('; '));
      }
      if (by.dpLevel) {
        summary.levelSpeedup = by.dpInto.ms / by.dpLevel.ms;
        summary.rawLevelSpeedup = by.raw.ms / by.rawLevel.ms;
        console.log(`resolutionLevel ${LEVEL}: ${summary.levelSpeedup.toFixed(1)}× faster than the full decode (raw codec: ${summary.rawLevelSpeedup.toFixed(1)}×)`);
      }
      console.log(`end to end ÷ raw codec: ${summary.endToEndInto.toFixed(3)}× (into), ${summary.endToEnd.toFixed(3)}× (allocating)`);
      if (isJ2k(kind)) {
        summary.speedupRaw = speedup(by.raw.ms, by.dpInto.ms);
        const parts = [`dicom-pixels (into) speed-up vs codec-openjpeg (raw call): ${times(summary.speedupRaw)} (target ≥ 2×: ${summary.speedupRaw >= 2 ? '✓' : '✗'})`];
        if (paired) {
          summary.pairedSpeedupRaw = paired.speedup;
          summary.pairs = paired.pairs;
          parts.push(`in ${paired.pairs} pairs of single decodes: ${times(paired.speedup)}`);
        }
        if (by.opj) {
          summary.speedupOpj = speedup(by.opj.ms, by.dpInto.ms);
          summary.speedupOpjTimer = speedup(by.opj.timer, by.dpInto.ms);
          parts.push(`vs native OpenJPEG: ${times(summary.speedupOpj)} (by its own decode timer ${times(summary.speedupOpjTimer)}; target ≥ 1×: ${summary.speedupOpj >= 1 ? '✓' : '✗'})`);
        }
        if (by.grk) {
          summary.speedupGrk = speedup(by.grk.ms, by.dpInto.ms);
          parts.push(`vs Grok: ${times(summary.speedupGrk)}`);
        }
        console.log(parts.join('; '));
      }
      results.push(summary);
    }
  }
  console.log('\nMP/s = megapixels of full-size output per second (level 3 rows: of the full-size image too);\n' +
    '"this ÷ raw codec" = this row\'s time over the raw codec call (level rows: over the raw codec at level 3).');

  const j2kResults = results.filter((r) => isJ2k(r.codec));
  if (j2kResults.length) {
    console.log('\nJPEG 2000 summary: median ms per frame; speed-up = their time ÷ dicom-pixels (into); ' +
      '"pairs" = the median over pairs of single decodes, one right after the other, of codec-openjpeg\'s time ÷ ours; ' +
      'targets (issue 11): ≥ 2× codec-openjpeg, ≥ 1× native OpenJPEG');
    const get = (r, key) => r.rows.find((x) => x.key === key);
    console.log(table(['image', 'stream', 'dicom-pixels ms', 'codec-openjpeg ms', 'native opj ms', 'grk ms', '× codec-openjpeg', '(pairs)', '× native opj', '× grk', 'targets'],
      j2kResults.map((r) => [r.image, isLossy(r.codec) ? 'lossy' : 'lossless', msOr(get(r, 'dpInto')), msOr(get(r, 'raw')), msOr(get(r, 'opj')), msOr(get(r, 'grk')),
        times(r.speedupRaw), r.pairedSpeedupRaw === undefined ? '-' : times(r.pairedSpeedupRaw), times(r.speedupOpj), times(r.speedupGrk),
        `${r.speedupRaw >= 2 ? '✓' : '✗'}${r.speedupOpj === undefined ? '' : r.speedupOpj >= 1 ? ' ✓' : ' ✗'}`])));
  }

  let profiles = [];
  if (wantProfile) {
    for (const kind of j2kKinds) for (const img of images) profiles.push({ image: img.name, lossy: isLossy(kind), ...profileOf(kind, img) });
    printProfiles(profiles);
    for (const p of profiles) {
      const r = j2kResults.find((x) => x.image === p.image && isLossy(x.codec) === p.lossy);
      const row = r && r.rows.find((x) => x.key === 'dpInto');
      if (row) p.benchMs = row.ms;
    }
    const off = profiles.filter((p) => p.benchMs).map((p) => p.total / p.benchMs);
    if (off.length) console.log(`(profiled totals ÷ the timed rounds' dicom-pixels (into): ${Math.min(...off).toFixed(2)}–${Math.max(...off).toFixed(2)}×)`);
  }
  writeJson(JSON_OUT, { date: new Date().toISOString(), node: m.node, v8: m.v8, cpu: m.cpu,
    rounds: ROUNDS, maxTimeMs: MAX_TIME, encoders: manifest.encoders, lossyReference: manifest.lossyReference,
    native: native.versions, firstCalls, results, profiles });
}

main().catch((e) => fail(e?.stack ?? String(e)));
