#!/usr/bin/env node
// JPEG-LS, JPEG 2000 and HTJ2K decode benchmark: dicom-pixels side by side with the raw codec
// call it wraps and with the decoders users would otherwise pick, in one process, interleaved
// round by round, every output checked against the original stored values first.
//
//   npm run bench -- codecs             (from the repository root: builds, then runs this)
//   node bench/codecs.mjs [--quick] [--only=ct,dx,us] [--codec=jls,j2k,htj2k] [--json=FILE] [--remake-data]
//
// Environment: BENCH_ROUNDS (default 5; --quick 3), BENCH_TIME (seconds per candidate per round,
// default 0.4; --quick 0.2), BENCH_WARMUP (seconds of warm-up per candidate, default 0.5; 2 for
// OpenJPEG, whose WebAssembly V8 first runs in its baseline compiler).
//
// Candidates for each codestream:
//   dicom-pixels (into)   decodeFrame(fragment, uid, info, { into }) into a preallocated array
//   dicom-pixels          decodeFrame(fragment, uid, info), allocating its output
//   raw codec             the same @cornerstonejs codec build, one decoder object reused: copy the
//                         codestream in, decode, copy the output out (getDecodedBuffer)
//   cornerstone           @cornerstonejs/dicom-image-loader's decodeJPEGLS / decodeJPEG2000 / decodeHTJ2K
//   dcmjs-codecs          NativeCodecs.decodeJpegLs / decodeJpeg2000 / decodeHtJpeg2000 (CharLS,
//                         OpenJPEG, OpenJPH compiled to WASM with DCMTK)
// and for JPEG 2000 / HTJ2K at resolutionLevel 3 (1/8 per axis): dicom-pixels and the raw codec.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DATA_DIR, benchPackage, benchRequire, dcmjsAttributes, dicomPixelsVersion, distUrl, ensureAnchors, envNumber, fail,
  firstMismatch, flagList, flagValue, fmt, fmtMs, hasFlag, importDicomPixels, interleavedRounds, machine,
  machineLine, pkgVersion, rootRequire, storedType, suiteOptions, summarize, table, timeLoop, viewAs, warmUp,
  writeJson,
} from './lib.mjs';

const options = suiteOptions({ rounds: [5, 3], time: [0.4, 0.2], json: 'codecs-last-run.json' });
const { rounds: ROUNDS, json: JSON_OUT } = options;
const MAX_TIME = options.maxTime * 1000; // ms
const WARMUP = envNumber('BENCH_WARMUP', options.quick ? 0.25 : 0.5);
const CODECS = flagList('codec') ?? ['jls', 'j2k', 'htj2k'];
const LEVEL = 3;

const UIDS = { jls: '1.2.840.10008.1.2.4.80', j2k: '1.2.840.10008.1.2.4.90', htj2k: '1.2.840.10008.1.2.4.201' };
const CODEC_NAMES = { jls: 'JPEG-LS', j2k: 'JPEG 2000', htj2k: 'HTJ2K' };

const reduced = (n) => Math.ceil(n / 2 ** LEVEL);

// ---------------------------------------------------------------- candidates
// prepare(image, kind) → { run(): Promise|void, output(): typed array of stored values } or null
// when the candidate does not decode that kind; `level: true` marks resolutionLevel 3 candidates.

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
    const [pkg, className] = specs[kind];
    const module = await rootRequire(pkg)({ print() {}, printErr() {} });
    decoders[kind] = new module[className]();
  };
  const make = (key, name, level) => ({
    key, name, version: pkgVersion('@cornerstonejs/codec-openjpeg', { root: true }), level: level > 0, load,
    prepare(img, kind) {
      if (level > 0 && kind === 'jls') return null;
      const decoder = decoders[kind];
      const [, , decode, copies] = specs[kind];
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
      const url = pathToFileURL(path.join(dir, 'dist', 'esm', 'shared', 'decoders', files[kind])).href;
      modules[kind] = await import(url);
      // Its codec modules print through console.log, bound when they instantiate: OpenJPEG's
      // three [INFO] lines per decode would flood the table, so instantiate them with a filter.
      const log = console.log;
      console.log = (...args) => { if (!String(args[0]).startsWith('[INFO]')) log(...args); };
      try {
        // In Node its new URL('<package>/<file>', import.meta.url) points nowhere: give the folder.
        await modules[kind].initialize({ wasmBasePath: path.join(benchPackage(codecDirs[kind]), 'dist') + path.sep });
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
        run: async () => { last = await modules[kind].default(img.streams[kind], imageInfo); },
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
        run: () => { last = NativeCodecs[calls[kind]](new Context({ ...attrs, encodedBuffer: img.streams[kind] })); },
        output: () => viewAs(last.getDecodedBuffer(), Type),
      };
    },
  };
}

// ---------------------------------------------------------------- main
async function implementations() {
  const api = await importDicomPixels();
  return { dp: dicomPixels(api), raws: rawCodecs(), cs: cornerstone(), dcmjs: dcmjsCodecs() };
}

function loadImages(manifest) {
  return options.pick(manifest.images)
    .map((im) => {
      const raw = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, im.rawFile)));
      const streams = Object.fromEntries(Object.entries(im.codestreams).map(([kind, c]) => [kind, new Uint8Array(fs.readFileSync(path.join(DATA_DIR, c.file)))]));
      const samples = im.info.rows * im.info.columns * im.info.samplesPerPixel;
      return { ...im, streams, samples, pixels: im.info.rows * im.info.columns, expected: viewAs(raw.slice(), storedType(im.info)) };
    });
}

/** --first-call=IMPL,KIND,IMAGE: one first call in this (fresh) process, printed as JSON. */
async function firstCallChild(spec) {
  const [impl, kind, name] = spec.split(',');
  const manifest = JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'codecs-manifest.json'), 'utf8'));
  const img = loadImages({ images: manifest.images.filter((im) => im.name === name) })[0];
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

async function main() {
  if (hasFlag('first-call')) return firstCallChild(flagValue('first-call'));
  ensureAnchors();
  if (!fs.existsSync(distUrl('index.js'))) fail('dist/index.js is missing: run npx tsc -p tsconfig.json first');
  const { makeCodecData } = await import('./make-data.mjs');
  const manifest = await makeCodecData({ force: hasFlag('remake-data'), log: console.log });

  const m = machine();
  console.log('\nJPEG-LS / JPEG 2000 / HTJ2K decode benchmark (lossless codestreams)');
  console.log(`${machineLine(m)}; one thread`);
  console.log(`encoders: ${Object.entries(manifest.encoders).map(([k, v]) => `${CODEC_NAMES[k]} ${v}`).join('; ')}`);
  console.log(`${ROUNDS} interleaved rounds, ≥${MAX_TIME / 1000}s per candidate per round, warm-up ${WARMUP}s ` +
    '(2s for JPEG 2000); figures are medians of per-round means');

  const images = loadImages(manifest);

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
  const candidates = [dp[0], dp[1], raws[0], cs, dcmjs, dp[2], raws[1]];
  const results = [];
  for (const kind of CODECS) {
    for (const img of images) {
      const cases = [];
      for (const c of candidates) {
        const kase = c.prepare(img, kind);
        if (!kase) continue;
        await kase.run();
        const out = kase.output();
        if (c.level) {
          // reduced outputs: dicom-pixels and the raw codec must agree sample for sample
          const want = cases.find((k) => k.c.level)?.kase.output();
          if (out.length !== reduced(img.info.rows) * reduced(img.info.columns) * img.info.samplesPerPixel) fail(`${c.name}: ${out.length} samples at level ${LEVEL}`);
          if (want) { const m = firstMismatch(out, want); if (m) fail(`${c.name} disagrees with dicom-pixels at level ${LEVEL} on ${img.label}: ${m}`); }
        } else {
          const m = firstMismatch(out, img.expected);
          if (m && c.key.startsWith('dp')) fail(`${c.name} decodes ${CODEC_NAMES[kind]} ${img.label} wrongly: ${m}`);
          if (m) {
            console.log(`  (${c.name} decodes ${CODEC_NAMES[kind]} ${img.label} wrongly, not timed: ${m})`);
            continue;
          }
        }
        cases.push({ c, kase });
      }
      const warm = kind === 'j2k' ? Math.max(WARMUP, 2) : WARMUP;
      for (const { kase } of cases) await warmUp(kase.run, warm * 1000, 3);
      const perRound = await interleavedRounds(cases, ROUNDS, ({ kase }) => timeLoop(kase.run, MAX_TIME), { key: ({ c }) => c.key });
      const rows = cases.map(({ c }) => {
        const { ms, spread, mps } = summarize(perRound.get(c.key).map((x) => x.mean), img.pixels);
        return { key: c.key, name: c.name, version: c.version, ms, spread, mps };
      });
      const by = Object.fromEntries(rows.map((r) => [r.key, r]));
      console.log(`\n${CODEC_NAMES[kind]} — ${img.label}: ${(img.codestreams[kind].bytes / 1024).toFixed(0)} KB (${img.codestreams[kind].compression}:1); outputs identical ✓`);
      console.log(table(['implementation', 'median ms', '±%', 'MP/s', 'this ÷ raw codec', 'this ÷ dp (into)'],
        rows.map((r) => {
          const base = r.key.endsWith('Level') ? by.rawLevel : by.raw;
          const dpBase = r.key.endsWith('Level') ? by.dpLevel : by.dpInto;
          return [r.name, fmtMs(r.ms), r.spread.toFixed(1), fmt(r.mps), `${(r.ms / base.ms).toFixed(3)}×`, `${(r.ms / dpBase.ms).toFixed(2)}×`];
        })));
      const summary = { codec: kind, image: img.name, label: img.label, bytes: img.codestreams[kind].bytes, rows,
        endToEndInto: by.dpInto.ms / by.raw.ms, endToEnd: by.dp.ms / by.raw.ms };
      if (by.dpLevel) {
        summary.levelSpeedup = by.dpInto.ms / by.dpLevel.ms;
        summary.rawLevelSpeedup = by.raw.ms / by.rawLevel.ms;
        console.log(`resolutionLevel ${LEVEL}: ${summary.levelSpeedup.toFixed(1)}× faster than the full decode (raw codec: ${summary.rawLevelSpeedup.toFixed(1)}×)`);
      }
      console.log(`end to end ÷ raw codec: ${summary.endToEndInto.toFixed(3)}× (into), ${summary.endToEnd.toFixed(3)}× (allocating)`);
      results.push(summary);
    }
  }
  console.log('\nMP/s = megapixels of full-size output per second (level 3 rows: of the full-size image too);\n' +
    '"this ÷ raw codec" = this row\'s time over the raw codec call (level rows: over the raw codec at level 3).');
  writeJson(JSON_OUT, { date: new Date().toISOString(), node: m.node, v8: m.v8, cpu: m.cpu,
    rounds: ROUNDS, maxTimeMs: MAX_TIME, encoders: manifest.encoders, firstCalls, results });
}

main().catch((e) => fail(e?.stack ?? String(e)));
