#!/usr/bin/env node
// RLE Lossless decode benchmark: dicom-pixels side by side with the decoders users would otherwise
// pick, in one process, interleaved round by round, outputs checked for exact equality first.
//
//   npm run bench -- rle                (from the repository root: builds, then runs this)
//   node bench/rle.mjs [--quick] [--only=ct,dx,us] [--json=FILE] [--remake-data]
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

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DATA_DIR, benchRequire, dcmjsAttributes, dicomPixelsVersion, ensureAnchors, envFlag, fail, firstMismatch,
  floorCandidate, fmt, fmtMs, hasFlag, importDicomPixels, interleavedRounds, kb, machine, machineLine, pkgVersion,
  storedType, suiteOptions, summarize, table, timeBenchmark, viewAs, warmUp, writeJson,
} from './lib.mjs';

const RLE_UID = '1.2.840.10008.1.2.5';

const options = suiteOptions({ rounds: [7, 3], time: [0.25, 0.15], json: 'last-run.json' });
const { rounds: ROUNDS, maxTime: MAX_TIME, json: JSON_OUT } = options;
const WARMUP_MS = options.quick ? 150 : 400;
const SKIP_DP = envFlag('BENCH_SKIP_DICOM_PIXELS');

// Planar (RRR…GGG…BBB…) → interleaved (RGBRGB…), for checking planar outputs only.
function interleave(planar, spp) {
  const n = planar.length / spp, out = new planar.constructor(planar.length);
  for (let s = 0; s < spp; s++) for (let i = 0; i < n; i++) out[i * spp + s] = planar[s * n + i];
  return out;
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
      const dir = path.dirname(benchRequire.resolve('@cornerstonejs/dicom-image-loader/package.json'));
      const file = path.join(dir, 'dist', 'esm', 'shared', 'decoders', 'decodeRLE.js');
      try {
        decodeRLE = (await import(pathToFileURL(file).href)).default;
      } catch {
        // Node without ESM syntax detection reads the untyped package's .js as CommonJS: load a
        // .mjs copy (the file has no imports).
        const copy = path.join(DATA_DIR, 'cornerstone-decodeRLE.mjs');
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
      ({ NativeCodecs, Context } = benchRequire('dcmjs-codecs'));
      // In Node the .wasm is read from the package's build folder; no path needed.
      await NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
    },
    prepare(img) {
      const { info } = img;
      const Type = storedType(info);
      const attrs = dcmjsAttributes(info, info.planarConfiguration ?? 0);
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
  const shared = {
    module: 'dicom-pixels', async: true, version: dicomPixelsVersion(),
    async load() {
      api ??= await importDicomPixels();
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

// ---------------------------------------------------------------- main
async function main() {
  ensureAnchors();
  const { makeData } = await import('./make-data.mjs');
  const manifest = await makeData({ force: hasFlag('remake-data'), log: console.log });

  const m = machine();
  console.log('\nRLE Lossless decode benchmark');
  console.log(machineLine(m));
  console.log(`benchmark.js ${pkgVersion('benchmark')}; @cornerstonejs/dicom-image-loader ${pkgVersion('@cornerstonejs/dicom-image-loader')}; ` +
    `dcmjs-codecs ${pkgVersion('dcmjs-codecs')}; inputs RLE-encoded by ${manifest.encoder}`);
  console.log(`${ROUNDS} interleaved rounds per image, ≤${MAX_TIME}s per candidate per round, warm-up ${WARMUP_MS} ms; ` +
    'figures are medians of per-round means; one thread');

  // images
  const images = options.pick(manifest.images)
    .map((im) => {
      const fragment = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, im.fragmentFile))); // own ArrayBuffer, offset 0
      const raw = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, im.rawFile)));
      const expected = viewAs(raw.slice(), storedType(im.info));
      return { ...im, fragment, expected, pixels: im.info.rows * im.info.columns, outBytes: expected.byteLength };
    });

  // candidates; first calls measured before anything else touches them
  const candidates = [...(SKIP_DP ? [] : dicomPixelsCandidates()), dcmjsCandidate(), cornerstoneCandidate(),
    floorCandidate({ module: null, version: '', async load() {} })];
  const first = images[0];
  const firstCalls = [];
  for (const c of candidates) {
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
  if (SKIP_DP) console.log('\n(BENCH_SKIP_DICOM_PIXELS set: anchors only)');

  console.log(`\nFirst call (import + initialise, then the first and second decode of ${first.label}):`);
  console.log(table(['module', 'version', 'import+init ms', '1st decode ms', '2nd decode ms'],
    firstCalls.map((f) => [f.name, f.version, fmtMs(f.load), fmtMs(f.first), fmtMs(f.second)]), 'llrrr'));

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
    for (const { kase } of cases.values()) await warmUp(kase.run, WARMUP_MS);

    const perRound = await interleavedRounds(candidates, ROUNDS,
      (c) => timeBenchmark(cases.get(c.key).kase.run, { name: c.name, async: c.async, maxTime: MAX_TIME }), { progress: true });

    const rows = candidates.map((c) => {
      const rounds = perRound.get(c.key).map((x) => x.mean);
      const { ms, spread, mps } = summarize(rounds, img.pixels);
      return { key: c.key, name: c.name, ms, spread, mps, mbs: img.outBytes / ms / 1000, output: cases.get(c.key).out, rounds };
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

  writeJson(JSON_OUT, {
    date: new Date().toISOString(), node: m.node, v8: m.v8, cpu: m.cpu, cores: m.cores, rounds: ROUNDS, maxTime: MAX_TIME,
    encoder: manifest.encoder, firstCalls, results,
  });
}

main().catch((e) => fail(e?.stack ?? String(e)));
