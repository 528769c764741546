#!/usr/bin/env node
// This build against another build of dicom-pixels (a checkout of an earlier commit, built), side
// by side in one process, interleaved round by round, on the JPEG, RLE and deflate bench inputs
// whose decoding is our own kernels' or ours alone: what a change to them costs.
//
//   npm run bench -- builds --base=DIR      (DIR: a checkout with dist/ built, e.g. a git worktree)
//   node bench/builds.mjs --base=DIR [--quick] [--fresh] [--only=ct,dx,us] [--json=FILE]
//
// Each input is decoded into a preallocated array (`into`) by both builds; outputs are compared
// first and must be equal. --fresh: each round times each build in a fresh Node process of its
// own, alternating which goes first (two builds in one process share a heap and caches, which
// can favour one), and adds the CT and US JPEG-LS, JPEG 2000 and HTJ2K codestreams, whose glue
// is ours though the codec is not.
// --pairs[=SECONDS]: single decodes of the two builds one after the other (ABBA...) for SECONDS
// per input (default 8; --quick 3), and the median of the pairs' ratios: a slow spell of the
// machine slows both decodes of a pair, so this resolves changes of 1-2 % that rounds of
// medians do not on a shared machine. Adds the JPEG 2000 codestreams, lossless and lossy, of
// all three images (our own decoder).

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import {
  DATA_DIR, fail, flagValue, fmtMs, interleavedRounds, machineLine, ratio, suiteOptions, summarize, table, timeBenchmark,
  warmUp, writeJson, importDicomPixels, median, pairedRatios,
} from './lib.mjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeCodecData, makeData, makeJpegData } from './make-data.mjs';

const options = suiteOptions({ rounds: [7, 3], time: [0.25, 0.15], json: 'builds-last-run.json' });
const fresh = process.argv.includes('--fresh');
const pairsFlag = process.argv.find((a) => a === '--pairs' || a.startsWith('--pairs='));
const pairSeconds = pairsFlag ? Number(pairsFlag.split('=')[1] ?? (options.quick ? 3 : 8)) : 0;
if (pairsFlag && !(pairSeconds > 0)) fail('--pairs=SECONDS: a positive number of seconds per input');
if (pairsFlag && fresh) fail('--pairs and --fresh: one or the other');
const child = flagValue('child');
const base = flagValue('base');
if (!base && !child) fail('give --base=DIR: a checkout of the build to compare with, with dist/ built');
const baseIndex = child ?? path.resolve(base, 'dist', 'index.js');
if (!fs.existsSync(baseIndex)) fail(`${baseIndex} is missing: build that checkout first (npm run build)`);

const jpeg = await makeJpegData();
const rle = await makeData();
const inputs = [];
for (const image of jpeg.images) {
  inputs.push({ name: image.name, label: image.label, uid: image.kind === 'lossless' ? '1.2.840.10008.1.2.4.70' : '1.2.840.10008.1.2.4.50',
    fragment: new Uint8Array(fs.readFileSync(path.join(DATA_DIR, image.file))), info: image.info });
}
for (const image of rle.images) {
  inputs.push({ name: `${image.name}-rle`, label: `${image.label}, RLE`, uid: '1.2.840.10008.1.2.5',
    fragment: new Uint8Array(fs.readFileSync(path.join(DATA_DIR, image.fragmentFile))), info: image.info });
  // The same stored values native, and as Deflated Image Frame Compression (raw deflate, zlib level 6).
  const raw = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, image.rawFile)));
  inputs.push({ name: `${image.name}-native`, label: `${image.label}, native`, uid: '1.2.840.10008.1.2.1', fragment: raw, info: image.info });
  inputs.push({ name: `${image.name}-deflate`, label: `${image.label}, deflated frame`, uid: '1.2.840.10008.1.2.8.1',
    fragment: new Uint8Array(deflateRawSync(raw)), info: image.info });
}
if (pairsFlag) {
  for (const image of (await makeCodecData()).images) {
    const streams = [['j2k', image.codestreams.j2k, '1.2.840.10008.1.2.4.90', 'JPEG 2000'], ['j2k-lossy', image.lossy?.j2k, '1.2.840.10008.1.2.4.91', 'JPEG 2000 lossy']];
    for (const [kind, stream, uid, label] of streams) {
      if (!stream) continue;
      inputs.push({ name: `${image.name}-${kind}`, label: `${image.label}, ${label}`, uid,
        fragment: new Uint8Array(fs.readFileSync(path.join(DATA_DIR, stream.file))), info: image.info });
    }
  }
}
if (fresh || child) {
  for (const image of (await makeCodecData()).images.filter((im) => !im.name.startsWith('dx'))) {
    const uids = { jls: '1.2.840.10008.1.2.4.80', j2k: '1.2.840.10008.1.2.4.90', htj2k: '1.2.840.10008.1.2.4.201' };
    for (const [kind, stream] of Object.entries(image.codestreams)) {
      inputs.push({ name: `${image.name}-${kind}`, label: `${image.label}, ${{ jls: 'JPEG-LS', j2k: 'JPEG 2000', htj2k: 'HTJ2K' }[kind]}`, uid: uids[kind],
        fragment: new Uint8Array(fs.readFileSync(path.join(DATA_DIR, stream.file))), info: image.info });
    }
  }
}
for (const image of rle.images) {
  const file = path.join(DATA_DIR, `${image.name}.rle.dcm`);
  if (fs.existsSync(file)) {
    inputs.push({ name: `${image.name}-thumbnail`, label: `${image.label}, RLE file → 256 px thumbnail`, thumbnail: true,
      file: new Uint8Array(fs.readFileSync(file)), info: image.info });
  }
}
const only = options.only;
const selected = inputs.filter((i) => !only || only.some((o) => i.name.startsWith(o)));

/**
 * The first output and the timed call of `api` on `input`: a decode into a preallocated array,
 * or for a thumbnail input, `thumbnail()` of the file at 256 px (its PNG is the output).
 */
async function candidate(api, input) {
  if (input.thumbnail) {
    const first = await api.thumbnail(input.file, { size: 256 });
    return { pixels: first.png, run: () => api.thumbnail(input.file, { size: 256 }) };
  }
  const first = await api.decodeFrame(input.fragment, input.uid, input.info);
  const into = new first.pixels.constructor(first.pixels.length);
  return { pixels: first.pixels, run: () => api.decodeFrame(input.fragment, input.uid, input.info, { into }) };
}

if (child) {
  // One build, one input, in this fresh process: warm up, time, print the mean ms.
  const api = await import(pathToFileURL(child).href);
  const input = inputs.find((i) => i.name === flagValue('input'));
  const { run } = await candidate(api, input);
  await warmUp(run, options.quick ? 200 : 600);
  const { mean } = await timeBenchmark(run, { name: input.name, async: true, maxTime: options.maxTime });
  console.log(JSON.stringify({ ms: mean }));
  process.exit(0);
}

const ours = await importDicomPixels();
const theirs = await import(pathToFileURL(baseIndex).href);
const oursIndex = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

/** --fresh: one timing of one build on one input, in a process of its own. */
function freshTiming(index, input) {
  const args = [fileURLToPath(import.meta.url), `--child=${index}`, `--input=${input.name}`, ...(options.quick ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) fail(`${input.name}: ${index} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const rows = [];
const report = [];
for (const input of selected) {
  const builds = [];
  for (const [key, api] of [['this build', ours], ['base', theirs]]) {
    let first;
    try {
      first = await candidate(api, input);
    } catch (error) {
      builds.push({ key, error: error.code ?? String(error) });
      continue;
    }
    await warmUp(first.run, options.quick ? 200 : 600);
    builds.push({ key, run: first.run, pixels: first.pixels });
  }
  const [a, b] = builds;
  if (a.error) fail(`${input.name}: this build fails with ${a.error}`);
  if (b.error) {
    // The base cannot decode it (a syntax it predates): this build's figure alone.
    const results = await interleavedRounds([a], options.rounds, (entry) =>
      timeBenchmark(entry.run, { name: entry.key, async: true, maxTime: options.maxTime }).then((r) => r.mean));
    const sa = summarize(results.get(a.key), input.info.rows * input.info.columns);
    rows.push([input.label, `${fmtMs(sa.ms)} ms (${sa.mps.toFixed(0)} MP/s)`, b.error, '', `±${sa.spread.toFixed(0)} %`]);
    report.push({ input: input.name, thisBuild: sa, base: b.error });
    continue;
  }
  if (a.pixels.length !== b.pixels.length || a.pixels.some((v, i) => v !== b.pixels[i])) fail(`${input.name}: the two builds decode differently`);
  if (pairsFlag) {
    const p = await pairedRatios(a.run, b.run, pairSeconds * 1000);
    const r = { ratio: p.ratio, pairs: p.pairs, a: { ms: median(p.a), min: Math.min(...p.a) }, b: { ms: median(p.b), min: Math.min(...p.b) } };
    const pixels = input.info.rows * input.info.columns;
    rows.push([input.label, `${fmtMs(r.a.ms)} ms (${(pixels / r.a.ms / 1000).toFixed(0)} MP/s)`, `${fmtMs(r.b.ms)} ms`,
      `${(1 / r.ratio).toFixed(3)}×`, `${r.pairs} pairs, fastest ${fmtMs(r.a.min)} / ${fmtMs(r.b.min)} ms`]);
    report.push({ input: input.name, pairs: r.pairs, thisBuild: r.a, base: r.b, thisOverBase: 1 / r.ratio });
    continue;
  }
  const indexOf = { 'this build': oursIndex, base: baseIndex };
  const results = await interleavedRounds(builds, options.rounds, (entry) =>
    fresh
      ? freshTiming(indexOf[entry.key], input).ms
      : timeBenchmark(entry.run, { name: entry.key, async: true, maxTime: options.maxTime }).then((r) => r.mean));
  const pixels = input.info.rows * input.info.columns;
  const [sa, sb] = builds.map((e) => summarize(results.get(e.key), pixels));
  rows.push([input.label, `${fmtMs(sa.ms)} ms (${sa.mps.toFixed(0)} MP/s)`, `${fmtMs(sb.ms)} ms (${sb.mps.toFixed(0)} MP/s)`,
    ratio(sa.ms, sb.ms), `±${Math.max(sa.spread, sb.spread).toFixed(0)} %`]);
  report.push({ input: input.name, thisBuild: sa, base: sb });
}
console.log(pairsFlag
  ? `this build (dist/) vs ${base}; single decodes in pairs for ${pairSeconds} s per input, decoding into a preallocated array; ` +
    'this ÷ base = the median over the pairs of this build\'s time ÷ the base\'s (medians of each alone beside it)'
  : `this build (dist/) vs ${base}; median of ${options.rounds} interleaved rounds${fresh ? ', each build in a fresh process per round' : ''}, decoding into a preallocated array`);
console.log(machineLine());
console.log(table(['input', 'this build', 'base', 'this ÷ base', pairsFlag ? 'pairs' : 'spread'], rows));
writeJson(options.json, { base, rounds: options.rounds, fresh, pairs: pairsFlag ? pairSeconds : undefined, results: report });
