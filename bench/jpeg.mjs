#!/usr/bin/env node
// JPEG decode benchmark: dicom-pixels side by side with the decoders users would otherwise pick,
// in one process, interleaved round by round, outputs checked sample by sample first.
//
//   npm run bench -- jpeg               (from the repository root: builds, then runs this)
//   node bench/jpeg.mjs [--quick] [--only=ct,dx,us] [--json=FILE] [--remake-data]
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

import fs from 'node:fs';
import path from 'node:path';
import {
  DATA_DIR, dcmjsAttributes, distUrl, ensureAnchors, fail, floorCandidate, fmt, fmtMs, hasFlag, importDicomPixels,
  interleavedRounds, kb, loadDcmjsCodecs, machine, machineLine, pkgVersion, storedType, suiteOptions, summarize,
  table, timeBenchmark, viewAs, warmUp, writeJson,
} from './lib.mjs';
import { makeJpegData } from './make-data.mjs';

const LOSSLESS_UID = '1.2.840.10008.1.2.4.70';
const BASELINE_UID = '1.2.840.10008.1.2.4.50';

const options = suiteOptions({ rounds: [7, 3], time: [0.25, 0.15], json: 'jpeg-last-run.json' });
const { rounds: ROUNDS, maxTime: MAX_TIME, json: JSON_OUT } = options;
const WARMUP_MS = options.quick ? 300 : 1000;

/** Largest absolute difference between two sample arrays, how many differ, and the first index. */
function maxDifference(got, want) {
  if (got.length !== want.length) return { length: `${got.length}, expected ${want.length}` };
  let max = 0, count = 0, first = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d) { count++; if (first < 0) first = i; if (d > max) max = d; }
  }
  return { max, count, first };
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

function dcmjsCandidate({ NativeCodecs, Context }) {
  return {
    key: 'dcmjs', name: 'dcmjs-codecs (DCMTK WASM)', async: false,
    prepare(img) {
      const { info } = img;
      const attrs = dcmjsAttributes(info);
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
  const { libjpeg } = await import(distUrl('wasm', 'codecs.js').href);
  const { decoder } = await libjpeg.get();
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

// ---------------------------------------------------------------- main
async function main() {
  ensureAnchors();
  const manifest = await makeJpegData({ force: hasFlag('remake-data'), log: console.log });
  const api = await importDicomPixels().catch((e) => fail(e.message));
  const dcmjs = await loadDcmjsCodecs();
  const { Decoder } = await import('@cornerstonejs/jpeg-lossless-decoder-js');

  const m = machine();
  console.log('\nJPEG decode benchmark');
  console.log(machineLine(m));
  console.log(`@cornerstonejs/jpeg-lossless-decoder-js ${pkgVersion('@cornerstonejs/jpeg-lossless-decoder-js')}; dcmjs-codecs ${pkgVersion('dcmjs-codecs')}; ` +
    `@cornerstonejs/codec-libjpeg-turbo-8bit ${pkgVersion('@cornerstonejs/codec-libjpeg-turbo-8bit', { root: true })}; inputs encoded by ${manifest.encoder}`);
  console.log(`${ROUNDS} interleaved rounds per image, ≤${MAX_TIME}s per candidate per round, warm-up ${WARMUP_MS} ms; medians of per-round means; one thread`);

  const all = [...dicomPixelsCandidates(api), dcmjsCandidate(dcmjs), cornerstoneCandidate(Decoder), await rawLibjpegCandidate(), floorCandidate()];
  const images = options.pick(manifest.images)
    .map((im) => {
      const fragment = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, im.file)));
      const expected = viewAs(new Uint8Array(fs.readFileSync(path.join(DATA_DIR, im.rawFile))), storedType(im.info));
      return { ...im, fragment, expected, pixels: im.info.rows * im.info.columns };
    });

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
    for (const { kase } of cases.values()) await warmUp(kase.run, WARMUP_MS);
    const perRound = await interleavedRounds(candidates, ROUNDS,
      (c) => timeBenchmark(cases.get(c.key).kase.run, { name: c.name, async: c.async, maxTime: MAX_TIME }));
    const rows = candidates.map((c) => {
      const rounds = perRound.get(c.key).map((x) => x.mean);
      const { ms, spread, mps } = summarize(rounds, img.pixels);
      return { key: c.key, name: c.name, ms, spread, mps, output: cases.get(c.key).out, rounds };
    });
    const ref = rows.find((x) => x.key === 'dpInto');
    const headers = ['implementation', 'median ms', '±%', 'MP/s', 'this ÷ dp into', 'output'];
    console.log(table(headers, rows.map((x) => [x.name, fmtMs(x.ms), x.spread.toFixed(1), fmt(x.mps), `${(x.ms / ref.ms).toFixed(2)}×`, x.output]),
      'lrrrrl'));
    results.push({ image: img.name, label: img.label, fragmentBytes: img.fragmentBytes, rows });
  }
  console.log('\nMP/s = megapixels of output per second; ±% = half the range of the per-round means;\n' +
    '"this ÷ dp into" = this row\'s time over dicom-pixels (into): above 1× means dicom-pixels is faster.');
  writeJson(JSON_OUT, { date: new Date().toISOString(), node: m.node, cpu: m.cpu, rounds: ROUNDS, maxTime: MAX_TIME,
    encoder: manifest.encoder, results });
}

main().catch((e) => fail(e?.stack ?? String(e)));
