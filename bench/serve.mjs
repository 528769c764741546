#!/usr/bin/env node
// The thumbnail-service suite: `dicom-pixels serve` against Orthanc's own renderers, on
// 127.0.0.1, loaded by autocannon. Both serve the same instances (the bench phantoms: CT 512²,
// DX 2048², US 640×480 RGB, RLE as dcmcrle wrote them, plus the fixtures' JPEG-LS, JPEG 2000 and
// JPEG files); every request asks for a 256-pixel PNG:
//   ours      GET /studies/…/instances/…/thumbnail           (render cache off: every request renders)
//   Orthanc   GET /dicom-web/studies/…/instances/…/rendered?viewport=256,256   (orthanc-dicomweb)
//   Orthanc   GET /instances/{id}/preview                     (full size: Orthanc has no size option)
// Throughput (requests/s) and p50/p99 latency at 1, 16 and 64 connections; ours with 1 and 2
// workers. With --soak=S, a soak of S seconds at 16 connections, the server's RSS sampled
// each second (flat = nothing leaked).
//
//   node bench/serve.mjs [--seconds=N] [--soak=S] [--json=FILE]    (needs npm run build, Debian's orthanc + orthanc-dicomweb)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, DATA_DIR, ROOT, benchRequire, fail, flagValue, fmt, machineLine, table, writeJson } from './lib.mjs';
import { makeData } from './make-data.mjs';

const autocannon = benchRequire('autocannon');
const { orthancAvailable, startOrthanc } = await import(new URL('../test/orthanc/orthanc.mjs', import.meta.url).href);

const SECONDS = Number(flagValue('seconds') ?? 10);
const SOAK = Number(flagValue('soak') ?? 0);
const JSON_OUT = flagValue('json') ?? path.join(DATA_DIR, 'serve-last-run.json');
const CONNECTIONS = [1, 16, 64];

const availability = orthancAvailable();
if (!availability.ok) {
  console.log(`bench/serve: skipped, ${availability.reason} (apt-get install orthanc orthanc-dicomweb)`);
  process.exit(0);
}
if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) fail('dist/ is missing: run npm run build first');

// The instances: bench phantoms (RLE Part 10 files) and fixtures of the other syntaxes.
const rle = await makeData({ log: () => {} });
const files = [
  ...rle.images.filter((im) => im.rleFile).map((im) => path.join(DATA_DIR, im.rleFile)),
  ...['codecs/dicom/mr_u12.dcmcjpls.dcm', 'codecs/dicom/ct_s12.gdcm-j2k.dcm', 'jpeg/dicom/dx_u16.lossless-dcmtk-sv1.dcm', 'jpeg/dicom/rgb8.baseline-dcmtk-422.dcm'].map((f) => path.join(ROOT, 'fixtures', f)),
];
const folder = fs.mkdtempSync(path.join(DATA_DIR, '.serve-'));
process.on('exit', () => fs.rmSync(folder, { recursive: true, force: true }));
files.forEach((file, i) => fs.copyFileSync(file, path.join(folder, `${i}.dcm`)));

const orthanc = await startOrthanc();
process.on('exit', () => void orthanc.stop());
const uploaded = await orthanc.uploadFiles(files);

/** `dicom-pixels serve` as a process of its own (its RSS is what the soak watches). */
async function startOurs(workers) {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), 'serve', folder, '--port', '0', '--workers', String(workers), '--quiet', '--no-cache'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (d) => {
      text += d;
      const match = /serve: (http:\/\/\S+?)\/? /.exec(text);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${text}`)));
  });
  return { url, pid: child.pid, stop: () => child.kill('SIGKILL') };
}

/** Resident memory of a process in MB (Linux). */
function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function load(url, paths, connections, seconds) {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: paths.map((p) => ({ method: 'GET', path: p, headers: { accept: 'image/png' } })),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

const dicomwebPath = (u, suffix) => `/studies/${u.StudyInstanceUID}/series/${u.SeriesInstanceUID}/instances/${u.SOPInstanceUID}${suffix}`;
const targets = [
  { name: 'dicom-pixels serve, 1 worker', workers: 1, paths: uploaded.map((u) => dicomwebPath(u, '/thumbnail')) },
  { name: 'dicom-pixels serve, 2 workers', workers: 2, paths: uploaded.map((u) => dicomwebPath(u, '/thumbnail')) },
  { name: 'Orthanc DICOMweb /rendered 256', url: orthanc.url, paths: uploaded.map((u) => `/dicom-web${dicomwebPath(u, '/rendered?viewport=256,256')}`) },
  { name: 'Orthanc /preview (full size)', url: orthanc.url, paths: uploaded.map((u) => `/instances/${u.ID}/preview`) },
];

const results = { machine: machineLine(), seconds: SECONDS, instances: files.map((f) => path.relative(ROOT, f)), rows: [], soak: undefined };
for (const target of targets) {
  const ours = target.workers ? await startOurs(target.workers) : undefined;
  const url = ours?.url ?? target.url;
  try {
    // Every path once first: each answers (or the row says it does not), and workers and codecs are warm.
    const statuses = [];
    for (const p of target.paths) statuses.push((await fetch(`${url}${p}`, { headers: { accept: 'image/png' } })).status);
    for (const connections of CONNECTIONS) {
      const r = await load(url, target.paths, connections, SECONDS);
      results.rows.push({ target: target.name, connections, ...r, failing: statuses.filter((s) => s !== 200).length });
      console.error(`${target.name}, ${connections} connections: ${fmt(r.rps, 1)} req/s`);
    }
    if (SOAK > 0 && target.workers === 2) {
      const samples = [];
      const timer = setInterval(() => samples.push(rssMb(ours.pid)), 1000);
      const r = await load(url, target.paths, 16, SOAK);
      clearInterval(timer);
      results.soak = { seconds: SOAK, requests: Math.round(r.rps * SOAK), rps: r.rps, rssFirstMb: samples[0], rssMaxMb: Math.max(...samples), rssLastMb: samples.at(-1), rssAfter60sMb: samples[Math.min(60, samples.length - 1)], rssMbPerSecond: samples };
    }
  } finally {
    ours?.stop();
  }
}
await orthanc.stop();

console.log(`${results.machine}\n${files.length} instances, 256-pixel PNG thumbnails, ${SECONDS} s per row (autocannon, 127.0.0.1)\n`);
console.log(
  table(
    ['server', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
    results.rows.map((r) => [r.target, r.connections, fmt(r.rps, 1), r.p50, r.p99, r.non2xx, r.errors]),
  ),
);
const failing = results.rows.filter((r) => r.failing > 0 && r.connections === 1);
for (const r of failing) console.log(`note: ${r.target} answered ${r.failing} of ${files.length} instances with an error (its rows count those as non-2xx)`);
if (results.soak) {
  const s = results.soak;
  console.log(`\nsoak: ${s.seconds} s at 16 connections, ${s.requests} requests (${fmt(s.rps, 1)}/s); RSS ${fmt(s.rssFirstMb, 0)} MB at 1 s, ${fmt(s.rssAfter60sMb, 0)} MB at 60 s, ${fmt(s.rssLastMb, 0)} MB at the end (max ${fmt(s.rssMaxMb, 0)})`);
  // The trend, a tenth of the way at a time: a leak climbs steadily, a heap that settles levels off.
  const tenth = Math.max(1, Math.floor(s.rssMbPerSecond.length / 10));
  console.log(`RSS MB every ${tenth} s: ${s.rssMbPerSecond.filter((_, i) => i % tenth === 0).map((mb) => fmt(mb, 0)).join(' ')}`);
}
writeJson(JSON_OUT, results);
console.log(`\nwrote ${path.relative(process.cwd(), JSON_OUT)}`);
void BENCH_DIR;
