#!/usr/bin/env node
// Thumbnail benchmark.
//
//   npx tsc -p tsconfig.json && node bench/thumbnails.mjs [--quick] [--size=N] [--json=FILE]
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

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const benchRequire = createRequire(import.meta.url);

const argv = process.argv.slice(2);
const flag = (name) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const flagValue = (name) => flag(name)?.split('=').slice(1).join('=') || undefined;
const QUICK = !!flag('quick');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS) || (QUICK ? 3 : 5));
const MAX_TIME = Math.max(0.05, Number(process.env.BENCH_TIME) || (QUICK ? 0.25 : 0.5));
const BATCH_SECONDS = Number(process.env.BENCH_BATCH_SECONDS) || (QUICK ? 1.5 : 3);
const SIZE = Number(flagValue('size') ?? 256);
const JSON_OUT = flagValue('json') ?? path.join(here, 'data', 'thumbnails-last-run.json');

function fail(message) {
  console.error(`\nbench: ${message}`);
  process.exit(1);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
function table(headers, rows, align) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (align[i] === 'l' ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(headers), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].map((l) => l.trimEnd()).join('\n');
}

// ---------------------------------------------------------------- a minimal encapsulated Part 10 writer
function element(group, elem, vr, value) {
  let body;
  if (value instanceof Uint8Array) body = value;
  else if (vr === 'US') body = new Uint8Array(new Uint16Array([value]).buffer);
  else if (vr === 'UL') body = new Uint8Array(new Uint32Array([value]).buffer);
  else {
    let s = String(value);
    if (s.length % 2) s += vr === 'UI' ? '\0' : ' ';
    body = new TextEncoder().encode(s);
  }
  const long = ['OB', 'OW', 'SQ', 'UN'].includes(vr);
  const head = new Uint8Array(long ? 12 : 8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, group, true);
  dv.setUint16(2, elem, true);
  head[4] = vr.charCodeAt(0);
  head[5] = vr.charCodeAt(1);
  if (long) dv.setUint32(8, body.length, true);
  else dv.setUint16(6, body.length, true);
  return [head, body];
}
function item(tagElement, bytes) {
  const head = new Uint8Array(8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, 0xfffe, true);
  dv.setUint16(2, tagElement, true);
  dv.setUint32(4, bytes.length, true);
  return [head, bytes];
}
function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
/** One frame, one fragment, empty Basic Offset Table (PS3.5 A.4). */
function encapsulatedDicom(info, codestream, transferSyntaxUID, window) {
  const sop = '1.2.840.10008.5.1.4.1.1.1.1';
  const instance = `2.25.${BigInt.asUintN(64, BigInt(codestream.length) * 2654435761n + BigInt(info.rows))}`;
  const fragment = codestream.length % 2 ? concat([codestream, new Uint8Array(1)]) : codestream;
  const meta = [
    element(0x0002, 0x0001, 'OB', new Uint8Array([0, 1])),
    element(0x0002, 0x0002, 'UI', sop),
    element(0x0002, 0x0003, 'UI', instance),
    element(0x0002, 0x0010, 'UI', transferSyntaxUID),
    element(0x0002, 0x0012, 'UI', '2.25.182943771027364930114725105318217733310'),
  ].flat();
  const dataset = [
    element(0x0008, 0x0016, 'UI', sop),
    element(0x0008, 0x0018, 'UI', instance),
    element(0x0028, 0x0002, 'US', info.samplesPerPixel),
    element(0x0028, 0x0004, 'CS', info.photometricInterpretation),
    element(0x0028, 0x0010, 'US', info.rows),
    element(0x0028, 0x0011, 'US', info.columns),
    element(0x0028, 0x0100, 'US', info.bitsAllocated),
    element(0x0028, 0x0101, 'US', info.bitsStored),
    element(0x0028, 0x0102, 'US', info.highBit),
    element(0x0028, 0x0103, 'US', info.pixelRepresentation),
    ...(window ? [element(0x0028, 0x1050, 'DS', window[0]), element(0x0028, 0x1051, 'DS', window[1])] : []),
  ].flat();
  const pixelHead = new Uint8Array(12);
  const dv = new DataView(pixelHead.buffer);
  dv.setUint16(0, 0x7fe0, true);
  dv.setUint16(2, 0x0010, true);
  pixelHead.set([0x4f, 0x42], 4); // OB
  dv.setUint32(8, 0xffffffff, true);
  const pixels = [pixelHead, ...item(0xe000, new Uint8Array(0)), ...item(0xe000, fragment), ...item(0xe0dd, new Uint8Array(0))];
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  const metaLength = meta.reduce((n, p) => n + p.length, 0);
  return concat([preamble, ...element(0x0002, 0x0000, 'UL', metaLength), ...meta, ...dataset, ...pixels]);
}

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
  const api = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
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
  const { batches } = await import(pathToFileURL(path.join(root, 'dist', 'cli', 'thumbnail.js')).href);
  const { makeData } = await import('./make-data.mjs');
  const manifest = await makeData({ log: console.log });
  const phantoms = manifest.images.filter((im) => im.rleFile).map((im) => path.join(here, 'data', im.rleFile));
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

  const worker = pathToFileURL(path.join(root, 'dist', 'cli', 'thumbnail-worker.js')).href;
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
    const perRound = new Map(pools.map((p) => [p.threads, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? [...pools].reverse() : pools;
      for (const { threads, pool } of order) {
        t0 = performance.now();
        const results = await runBatch(pool, list, threads);
        const seconds = (performance.now() - t0) / 1000;
        const failed = results.find((x) => !x.ok);
        if (failed) fail(`a worker failed during timing on ${failed.input}: ${failed.message}`);
        perRound.get(threads).push(list.length / seconds);
        fs.rmSync(out, { recursive: true, force: true });
        fs.mkdirSync(out);
      }
    }
    if (process.env.BENCH_VERBOSE) console.log('   per round:', JSON.stringify(Object.fromEntries([...perRound].map(([k, v]) => [k, v.map((x) => Math.round(x))]))));
    const rows = pools.map(({ threads }) => {
      const rates = perRound.get(threads);
      return { threads, perSecond: median(rates), min: Math.min(...rates), max: Math.max(...rates) };
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
function timeOnce(Benchmark, name, run) {
  return new Promise((resolve, reject) => {
    const b = new Benchmark(name, (deferred) => {
      run().then(() => deferred.resolve(), (e) => { console.error(e); deferred.benchmark.abort(); });
    }, {
      defer: true, async: false, maxTime: MAX_TIME, minSamples: 5, initCount: 1,
      onError: (e) => reject(e.target?.error ?? e),
      onComplete: () => (b.error ? reject(b.error) : resolve(b.stats.mean * 1000)),
    });
    b.run();
  });
}

async function resolutionLevels(api, Benchmark, encodePng) {
  const { makeCodecData } = await import('./make-data.mjs');
  if (typeof makeCodecData !== 'function') {
    console.log('\n2. JPEG 2000: skipped (bench/make-data.mjs has no makeCodecData)');
    return null;
  }
  const manifest = await makeCodecData({ log: console.log });
  const dx = manifest.images.find((im) => im.name.startsWith('dx-'));
  const raw = new Uint8Array(fs.readFileSync(path.join(here, 'data', dx.rawFile)));
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
    const bytes = encapsulatedDicom(dx.info, new Uint8Array(fs.readFileSync(path.join(here, 'data', codestream.file))), uid, ['8000', '12000']);
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
    const times = { level: [], full: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? ['full', 'level'] : ['level', 'full'];
      for (const key of order) times[key].push(await timeOnce(Benchmark, key, key === 'level' ? viaLevel : viaFull));
    }
    const levelMs = median(times.level);
    const fullMs = median(times.full);
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
  const dist = path.join(root, 'dist', 'index.js');
  if (!fs.existsSync(dist) || !fs.existsSync(path.join(root, 'dist', 'cli', 'thumbnail-worker.js'))) {
    fail('dist/ is missing: run npx tsc -p tsconfig.json (and npm run build:wasm after changing assembly/)');
  }
  const api = await import(pathToFileURL(dist).href);
  // The library's own dependencies, found in the root node_modules.
  const { encode } = await import('fast-png');
  const encodePng = (image) => encode({ width: image.width, height: image.height, data: image.data, channels: image.channels, depth: 8 });
  const { Piscina } = await import('piscina');
  let Benchmark;
  try {
    Benchmark = benchRequire('benchmark');
  } catch {
    fail('benchmark.js is missing: npm install --prefix bench (npm run bench installs it)');
  }
  const cpus = os.cpus();
  console.log('Thumbnail benchmark');
  console.log(`node ${process.version}, ${os.platform()} ${os.arch()}, cpu: ${cpus[0]?.model.trim() ?? 'unknown'}, ` +
    `${cpus.length} logical cores (${os.availableParallelism()} available)`);
  const batch = await batchThroughput(api, Piscina, Worker);
  const levels = await resolutionLevels(api, Benchmark, encodePng);
  fs.mkdirSync(path.dirname(path.resolve(JSON_OUT)), { recursive: true });
  fs.writeFileSync(JSON_OUT, JSON.stringify({
    date: new Date().toISOString(), node: process.version, cpu: cpus[0]?.model.trim(), cores: cpus.length,
    size: SIZE, batch, levels,
  }, null, 2) + '\n');
}

if (isMainThread) main().catch((e) => fail(e?.stack ?? String(e)));
else parentPort.postMessage(await ceilingWorker(workerData));
