#!/usr/bin/env node
// The benchmarks' entry point (`npm run bench` builds the library, then runs this): runs the named
// suites, or all of them, one after another, each in a fresh Node process, so that a suite's
// first-call figures (import, WebAssembly instantiation) and its heap owe nothing to the one before.
//
//   npm run bench [-- SUITE...] [-- OPTIONS]
//   node bench/run.mjs [rle] [codecs] [jpeg] [thumbnails] [--quick] [--only=ct,dx,us] [--json=FILE]
//                      [--remake-data] [--codec=jls,j2k,htj2k] [--no-native] [--no-profile] [--profile] [--size=N]
//
// Options are handed to every suite, which ignores those it has no use for (bench/README.md lists
// them per suite). With several suites, --json=FILE becomes FILE with the suite's name before the
// extension (results.json → results-rle.json, ...). The BENCH_* environment variables pass through.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BENCH_DIR, ensureAnchors, fail, flagValue, fmt, table } from './lib.mjs';

const SUITES = {
  rle: { file: 'rle.mjs', what: 'RLE Lossless decode' },
  codecs: { file: 'codecs.mjs', what: 'JPEG-LS, JPEG 2000 and HTJ2K decode' },
  jpeg: { file: 'jpeg.mjs', what: 'JPEG Lossless and Baseline decode' },
  thumbnails: { file: 'thumbnails.mjs', what: 'thumbnail throughput' },
  syntaxes: { file: 'syntaxes.mjs', what: 'lossless syntaxes side by side: size and decode MP/s (JPEG XL, JPEG-LS, J2K, HTJ2K, RLE)' },
  serve: { file: 'serve.mjs', what: 'dicom-pixels serve against Orthanc\'s renderers under load' },
  browser: { file: 'browser.mjs', what: 'the browser build in Chromium: first and steady decodes, the decoder pool' },
  builds: { file: 'builds.mjs', what: 'this build against another (--base=DIR), our kernels only', explicit: true },
};

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: node bench/run.mjs [SUITE...] [--quick] [--only=ct,dx,us] [--json=FILE] [--remake-data] ' +
    '[--codec=jls,j2k,htj2k] [--no-native] [--no-profile] [--profile] [--size=N]\nsuites (default: all, in this order):\n' +
    Object.entries(SUITES).map(([name, s]) => `  ${name.padEnd(11)} ${s.what} (bench/${s.file})`).join('\n'));
  process.exit(0);
}
const named = args.filter((a) => !a.startsWith('-'));
const unknown = named.filter((a) => !(a in SUITES));
if (unknown.length) fail(`no suite named ${unknown.join(', ')}; the suites are ${Object.keys(SUITES).join(', ')}`);
const suites = named.length ? Object.keys(SUITES).filter((s) => named.includes(s)) : Object.keys(SUITES).filter((s) => !SUITES[s].explicit);
const options = args.filter((a) => a.startsWith('-'));
const json = flagValue('json', options);

/** The options one suite gets: --json=FILE made per suite when several run. */
function optionsFor(suite) {
  if (!json || suites.length === 1) return options;
  const { dir, name, ext } = path.parse(json);
  const file = path.join(dir, `${name}-${suite}${ext || '.json'}`);
  return options.map((a) => (a.startsWith('--json=') ? `--json=${file}` : a));
}

ensureAnchors(); // once here, so that an install is not interleaved with a suite's output
const done = [];
const t0 = performance.now();
for (const [i, suite] of suites.entries()) {
  if (suites.length > 1) console.log(`${i ? '\n' : ''}=== ${suite} (${i + 1}/${suites.length}): ${SUITES[suite].what}`);
  const start = performance.now();
  const r = spawnSync(process.execPath, [path.join(BENCH_DIR, SUITES[suite].file), ...optionsFor(suite)], { stdio: 'inherit' });
  done.push({ suite, status: r.status ?? r.signal ?? r.error?.message, seconds: (performance.now() - start) / 1000 });
  if (r.signal === 'SIGINT') break;
}
const failed = done.filter((d) => d.status !== 0);
if (suites.length > 1) {
  console.log(`\n=== ${done.length} suite${done.length === 1 ? '' : 's'} in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  console.log(table(['suite', 'wall s', 'result'], done.map((d) => [d.suite, fmt(d.seconds, 1), d.status === 0 ? 'ok' : `failed (${d.status})`]), 'lrl'));
}
if (failed.length) fail(`${failed.map((d) => d.suite).join(', ')} failed`);
