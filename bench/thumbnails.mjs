#!/usr/bin/env node
// Thumbnail benchmark.
//
//   npm run bench -- thumbnails         (from the repository root: builds, then runs this)
//   node bench/thumbnails.mjs [--quick] [--size=N] [--json=FILE]
//
// Environment: BENCH_ROUNDS (default 5; --quick 3), BENCH_TIME (seconds per candidate per round
// for part 2, default 0.5; --quick 0.25), BENCH_BATCH_SECONDS (target length of one 1-worker batch
// in part 1, default 3; --quick 1.5).
//
// 1. Batch throughput: every DICOM file of the fixtures (fixtures/dicom, fixtures/<family>/dicom:
//    native, deflated, big endian, RLE, JPEG, JPEG-LS, JPEG 2000, HTJ2K, colour, palettes) plus
//    the bench phantoms (CT 512², DX 2048², US 640×480, RLE), made into thumbnails by the
//    `dicom-pixels thumbnail` worker (dist/cli/thumbnail-worker.js; inputs copied to and PNGs
//    written in a temporary folder, on /dev/shm when it exists) on a piscina pool of 1 and of 2
//    threads, the two pools taking turns round by round. Figure: thumbnails per second (median
//    of the rounds) and the 2-thread/1-thread ratio, next to the machine's ceiling: two threads
//    sharing nothing, making the same thumbnails in memory (no pool, no file IO), and doing plain
//    integer arithmetic, over one such thread.
// 2. JPEG 2000 and HTJ2K: the DX 2048×2048 phantom (bench/make-data.mjs makeCodecData: opj_compress
//    and the OpenJPH encoder, lossless) wrapped in DICOM here; thumbnail() at --size (default 256),
//    which decodes resolution level ⌊log2(2048 / size)⌋, against a full decode followed by the
//    same rendering, downscale and PNG encoding. benchmark.js, interleaved rounds, medians, ratio.
// Before timing: part 1 checks every worker PNG byte for byte against thumbnail() in this
// process; part 2 checks the full decode against the phantom's stored values (lossless) and the
// two thumbnails against each other (mean difference in grey levels, reported).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  DATA_DIR, ROOT as root, benchmarkJs, distUrl, ensureAnchors, envNumber, fail, flagValue, fmt, interleavedRounds,
  machine, machineLine, median, suiteOptions, summarize, table, timeBenchmark, writeEncapsulatedDicom, writeJson,
} from './lib.mjs';

const { quick: QUICK, rounds: ROUNDS, maxTime: MAX_TIME, json: JSON_OUT } =
  suiteOptions({ rounds: [5, 3], time: [0.5, 0.25], json: 'thumbnails-last-run.json' });
const BATCH_SECONDS = envNumber('BENCH_BATCH_SECONDS', QUICK ? 1.5 : 3);
const SIZE = Number(flagValue('size') ?? 256);

// ---------------------------------------------------------------- inputs
function dicomFilesUnder(folder) {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder).filter((f) => f.endsWith('.dcm')).sort().map((f) => path.join(folder, f));
}
function fixtureFiles() {
  const fixtures = path.join(root, 'fixtures');
  const families = fs.readdirSync(fixtures, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'dicom' && d.name !== 'bad');
  return [
    ...dicomFilesUnder(path.join(fixtures, 'dicom')),
    ...families.flatMap((d) => dicomFilesUnder(path.join(fixtures, d.name, 'dicom'))),
  ];
}

// ---------------------------------------------------------------- what two threads can do here
// The machine's own ceiling for part 1, measured with threads that share nothing: plain integer
// arithmetic, and thumbnail() over the same files in memory (no pool, no file IO). A virtual
// machine's second core may be a busy host's hyperthread, and thumbnails are memory-heavy.
const ARITHMETIC = 'arithmetic';

async function ceilingWorker({ kind, files, size, seconds }) {
  if (kind === ARITHMETIC) {
    let x = 0;
    for (let i = 0; i < 4e8; i++) x = (x * 31 + i) | 0;
    return x;
  }
  const api = await import(distUrl('index.js').href);
  const data = files.map((file) => new Uint8Array(fs.readFileSync(file)));
  for (const bytes of data) await api.thumbnail(bytes, { size });
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    for (const bytes of data) await api.thumbnail(bytes, { size });
    n += data.length;
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Throughput of two threads over one: { arithmetic, thumbnails }, medians of a few tries. */
async function threadCeiling(Worker, files) {
  const run = async (threads, kind) => {
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: threads }, () => new Promise((resolve, reject) => {
      new Worker(new URL(import.meta.url), { workerData: { kind, files, size: SIZE, seconds: QUICK ? 1 : 2 } })
        .once('message', resolve).once('error', reject);
    })));
    return kind === ARITHMETIC ? (threads * 1000) / (performance.now() - t0) : results.reduce((a, b) => a + b, 0);
  };
  const ratio = async (kind) => {
    const ratios = [];
    for (let r = 0; r < (QUICK ? 2 : 3); r++) ratios.push((await run(2, kind)) / (await run(1, kind)));
    return median(ratios);
  };
  return { arithmetic: await ratio(ARITHMETIC), thumbnails: await ratio('thumbnails') };
}

// ---------------------------------------------------------------- part 1: batch through the worker pool
async function batchThroughput(api, Piscina, Worker) {
  // The CLI's own grouping of files into pool tasks.
  const { batches } = await import(distUrl('cli', 'thumbnail.js').href);
  const { makeData } = await import('./make-data.mjs');
  const manifest = await makeData({ log: console.log });
  const phantoms = manifest.images.filter((im) => im.rleFile).map((im) => path.join(DATA_DIR, im.rleFile));
  // The folder: a copy of every candidate that makes a thumbnail in this process; the rest (bad
  // fixtures, syntaxes without a decoder) are left out and listed.
  // On tmpfs when there is one: disk write-back stalls are noise here, not thumbnail work.
  const scratch = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const work = fs.mkdtempSync(path.join(scratch, 'dicom-pixels-bench-thumbnails-'));
  const folder = path.join(work, 'in');
  const out = path.join(work, 'out');
  fs.mkdirSync(folder);
  fs.mkdirSync(out);
  const files = [];
  const expected = new Map();
  const skipped = [];
  for (const [i, source] of [...fixtureFiles(), ...phantoms].entries()) {
    const bytes = new Uint8Array(fs.readFileSync(source));
    try {
      const { png } = await api.thumbnail(bytes, { size: SIZE });
      const file = path.join(folder, `${String(i).padStart(4, '0')}-${path.basename(source)}`);
      fs.writeFileSync(file, bytes);
      expected.set(file, png);
      files.push(file);
    } catch (error) {
      skipped.push(`${path.relative(root, source)} (${error.code ?? error.message})`);
    }
  }
  const syntaxes = new Map();
  for (const file of files) {
    const uid = api.openDicom(new Uint8Array(fs.readFileSync(file))).transferSyntaxUID;
    syntaxes.set(uid, (syntaxes.get(uid) ?? 0) + 1);
  }
  const names = new Map(api.supportedTransferSyntaxes().map((ts) => [ts.uid, ts.name]));
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  console.log(`\n1. Batch: ${files.length} files (${(bytes / 2 ** 20).toFixed(1)} MB) → ${SIZE}px PNG thumbnails by the CLI worker`);
  console.log(`   ${[...syntaxes].map(([uid, n]) => `${names.get(uid) ?? uid} ${n}`).join(', ')}`);
  if (skipped.length) console.log(`   left out (no thumbnail in-process): ${skipped.length}: ${skipped.slice(0, 6).join(', ')}${skipped.length > 6 ? ', …' : ''}`);

  const worker = distUrl('cli', 'thumbnail-worker.js').href;
  const pools = [1, 2].map((threads) => ({ threads, pool: new Piscina({ filename: worker, minThreads: threads, maxThreads: threads }) }));
  let job = 0;
  const runBatch = async (pool, list, threads) => {
    const jobs = list.map((input) => ({ input, output: path.join(out, `${job++}.png`) }));
    const groups = batches(jobs, threads);
    const results = await Promise.all(groups.map((files) => pool.run({ files, size: SIZE, frame: 'middle' })));
    return results.flatMap((group, i) => group.map((r, k) => ({ ...r, ...groups[i][k] })));
  };
  try {
    // Correctness first (and the pools' warm-up): every worker PNG equals the in-process one.
    for (const { threads, pool } of pools) {
      for (const r of await runBatch(pool, files, threads)) {
        if (!r.ok) fail(`the worker failed on ${r.input}: ${r.message}`);
        const want = expected.get(r.input);
        const got = fs.readFileSync(r.output);
        if (Buffer.compare(Buffer.from(want), got) !== 0) fail(`${threads}-thread pool wrote a different PNG for ${r.input}`);
        fs.rmSync(r.output);
      }
    }
    console.log('   every worker PNG identical to thumbnail() in-process ✓');
    // Repeat the file list so that a 1-thread batch takes about BATCH_SECONDS.
    let t0 = performance.now();
    await runBatch(pools[0].pool, files, 1);
    const once = (performance.now() - t0) / 1000;
    const repeat = Math.max(1, Math.round(BATCH_SECONDS / once));
    const list = Array.from({ length: repeat }, () => files).flat();
    // With two pools, rotating the order is taking turns: 1, 2 / 2, 1 / ...
    const perRound = await interleavedRounds(pools, ROUNDS, async ({ threads, pool }) => {
      t0 = performance.now();
      const results = await runBatch(pool, list, threads);
      const seconds = (performance.now() - t0) / 1000;
      const failed = results.find((x) => !x.ok);
      if (failed) fail(`a worker failed during timing on ${failed.input}: ${failed.message}`);
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out);
      return list.length / seconds;
    }, { key: (p) => p.threads });
    if (process.env.BENCH_VERBOSE) console.log('   per round:', JSON.stringify(Object.fromEntries([...perRound].map(([k, v]) => [k, v.map((x) => Math.round(x))]))));
    const rows = pools.map(({ threads }) => {
      const { ms: perSecond, min, max } = summarize(perRound.get(threads));
      return { threads, perSecond, min, max };
    });
    const ratio = rows[1].perSecond / rows[0].perSecond;
    console.log(`   ${ROUNDS} rounds of ${list.length} thumbnails (the file list ${repeat}×), pools taking turns; medians`);
    console.log(table(['worker threads', 'thumbnails/s', 'range', 'speed-up'], rows.map((x) => [
      x.threads, fmt(x.perSecond), `${fmt(x.min)}–${fmt(x.max)}`, `${(x.perSecond / rows[0].perSecond).toFixed(2)}×`,
    ]), ['r', 'r', 'r', 'r']));
    const ceiling = await threadCeiling(Worker, files);
    console.log(`   2 threads ÷ 1 thread: ${ratio.toFixed(2)}× (target ≥ 1.8×). This machine's ceiling, threads sharing ` +
      `nothing: thumbnail() of the same files in memory ${ceiling.thumbnails.toFixed(2)}×, plain arithmetic ` +
      `${ceiling.arithmetic.toFixed(2)}×`);
    return { files: files.length, bytes, repeat, rounds: ROUNDS, rows, ratio, ceiling };
  } finally {
    await Promise.all(pools.map((p) => p.pool.destroy()));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- part 2: resolution level vs full decode
async function resolutionLevels(api, encodePng) {
  const { makeCodecData } = await import('./make-data.mjs');
  if (typeof makeCodecData !== 'function') {
    console.log('\n2. JPEG 2000: skipped (bench/make-data.mjs has no makeCodecData)');
    return null;
  }
  const manifest = await makeCodecData({ log: console.log });
  const dx = manifest.images.find((im) => im.name.startsWith('dx-'));
  const raw = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, dx.rawFile)));
  const stored = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  const kinds = [
    { kind: 'j2k', uid: '1.2.840.10008.1.2.4.90', label: 'JPEG 2000 Lossless' },
    { kind: 'htj2k', uid: '1.2.840.10008.1.2.4.201', label: 'HTJ2K Lossless' },
  ];
  const supported = new Set(api.supportedTransferSyntaxes().map((ts) => ts.uid));
  const level = dx.info.rows > SIZE ? Math.floor(Math.log2(Math.max(dx.info.rows, dx.info.columns) / SIZE)) : 0;
  console.log(`\n2. ${dx.label}: thumbnail() at ${SIZE}px (resolution level ${level}) vs full decode + the same render, downscale and PNG`);
  const results = [];
  for (const { kind, uid, label } of kinds) {
    const codestream = dx.codestreams[kind];
    if (!codestream || !supported.has(uid)) {
      console.log(`   ${label}: no ${codestream ? 'decoder' : 'codestream'}, skipped`);
      continue;
    }
    const bytes = writeEncapsulatedDicom(dx.info, new Uint8Array(fs.readFileSync(path.join(DATA_DIR, codestream.file))), uid, ['8000', '12000']);
    const viaLevel = () => api.thumbnail(bytes, { size: SIZE });
    const viaFull = async () => {
      const image = api.openDicom(bytes);
      const frame = await image.decodeFrame(0);
      const rendered = api.renderFrame(frame, { voiLut: image.frameVoiLut(0), size: SIZE });
      return { png: encodePng(rendered), width: rendered.width, height: rendered.height, rendered };
    };
    // Correctness: the full decode is lossless; the two thumbnails agree to the stated degree.
    const full = await api.openDicom(bytes).decodeFrame(0, { modalityLut: false });
    for (let i = 0; i < stored.length; i++) {
      if (full.pixels[i] !== stored[i]) fail(`${label}: full decode differs from the stored values at ${i}`);
    }
    const a = (await viaFull()).rendered;
    const image = api.openDicom(bytes);
    const b = api.renderFrame(await image.decodeFrame(0, { resolutionLevel: level }), { voiLut: image.frameVoiLut(0), size: SIZE });
    if (a.width !== b.width || a.height !== b.height) fail(`${label}: thumbnail sizes differ`);
    let sum = 0;
    for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
    const meanDifference = sum / a.data.length;
    // Warm-up: V8 tiers OpenJPEG's WebAssembly up after a while.
    const t0 = performance.now();
    while (performance.now() - t0 < (QUICK ? 1000 : 2000)) {
      await viaLevel();
      await viaFull();
    }
    const ways = [{ key: 'level', run: viaLevel }, { key: 'full', run: viaFull }];
    const times = await interleavedRounds(ways, ROUNDS, async ({ key, run }) =>
      (await timeBenchmark(run, { name: key, async: true, maxTime: MAX_TIME })).mean);
    const levelMs = median(times.get('level'));
    const fullMs = median(times.get('full'));
    results.push({ kind, label, level, size: SIZE, levelMs, fullMs, ratio: fullMs / levelMs, meanDifference, width: a.width, height: a.height });
    console.log(`   ${label} (${(codestream.bytes / 2 ** 20).toFixed(2)} MB, ${codestream.encoder}): ` +
      `${a.width}×${a.height}, mean |difference| ${meanDifference.toFixed(2)} grey levels`);
  }
  if (results.length) {
    console.log(table(['codestream', 'resolution level ms', 'full decode ms', 'full ÷ level'], results.map((x) => [
      x.label, fmt(x.levelMs), fmt(x.fullMs), `${x.ratio.toFixed(1)}×`,
    ]), ['l', 'r', 'r', 'r']));
    console.log('   (target ≥ 5×); medians of per-round benchmark.js means, one thread');
  }
  return results;
}

// ---------------------------------------------------------------- main
async function main() {
  if (!fs.existsSync(distUrl('index.js')) || !fs.existsSync(distUrl('cli', 'thumbnail-worker.js'))) {
    fail('dist/ is missing: run npx tsc -p tsconfig.json (and npm run build:wasm after changing assembly/)');
  }
  ensureAnchors();
  benchmarkJs(); // fails early when benchmark.js is missing
  const api = await import(distUrl('index.js').href);
  // The library's own dependencies, found in the root node_modules.
  const { encode } = await import('fast-png');
  const encodePng = (image) => encode({ width: image.width, height: image.height, data: image.data, channels: image.channels, depth: 8 });
  const { Piscina } = await import('piscina');
  const m = machine();
  console.log('Thumbnail benchmark');
  console.log(machineLine(m));
  const batch = await batchThroughput(api, Piscina, Worker);
  const levels = await resolutionLevels(api, encodePng);
  writeJson(JSON_OUT, {
    date: new Date().toISOString(), node: m.node, cpu: m.cpu, cores: m.cores,
    size: SIZE, batch, levels,
  });
}

if (isMainThread) main().catch((e) => fail(e?.stack ?? String(e)));
else parentPort.postMessage(await ceilingWorker(workerData));
