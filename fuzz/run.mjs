#!/usr/bin/env node
// The fuzz harness: seeded mutations of the bundled fixtures, per codec family, decoded in a child
// process under a watchdog. The README (Fuzzing) says what it does and what it found.
//
//   node fuzz/run.mjs [--seconds N] [--cases N] [--family F[,F…]] [--seed S] [--ci] [--no-save]
//   node fuzz/run.mjs --replay [--update]     every bad/ fixture, classified in a fresh process

import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FAMILIES, FIXTURES, buildCase, loadSeeds } from './cases.mjs';
import { buildWebCase, loadWebSeeds, webCaseFiles } from './dicomweb.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string' },
    cases: { type: 'string' },
    family: { type: 'string' },
    seed: { type: 'string' },
    ci: { type: 'boolean', default: false },
    save: { type: 'boolean', default: true },
    'no-save': { type: 'boolean', default: false },
    replay: { type: 'boolean', default: false },
    update: { type: 'boolean', default: false },
    report: { type: 'string' },
    hang: { type: 'string' },
  },
});

/** The CI pass: a fixed seed and case count per family (about a minute and a half on 2 cores). */
const CI_CASES = { 'jpeg-xl': 1000, native: 20000, rle: 20000, deflate: 10000, jpeg: 4000, 'jpeg-lossless': 20000, 'jpeg-ls': 3000, 'jpeg-2000': 10000, htj2k: 10000, dataset: 15000, dicomweb: 2400 };
const HANG_MS = Number(args.hang ?? 10_000);
const WORKER = new URL('./worker.mjs', import.meta.url);
const FUZZ_DIR = new URL('fuzz/', FIXTURES);
const FUZZ_MANIFEST = new URL('manifest.json', FUZZ_DIR);

const statusDir = mkdtempSync(path.join(tmpdir(), 'dicom-pixels-fuzz-'));
process.on('exit', () => rmSync(statusDir, { recursive: true, force: true }));

// ------------------------------------------------------------------ the child under a watchdog

class Child {
  constructor(name) {
    this.statusFile = path.join(statusDir, `${name}.status`);
    writeFileSync(this.statusFile, ' '.repeat(16));
    this.process = fork(WORKER, [], {
      env: { ...process.env, FUZZ_STATUS: this.statusFile },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: ['--max-old-space-size=4096'],
    });
    this.stderr = '';
    this.process.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    this.listeners = new Set();
    this.process.on('message', (m) => { for (const l of this.listeners) l(m); });
    this.ready = new Promise((resolve, reject) => {
      const onReady = (m) => { if (m.type === 'ready') { this.listeners.delete(onReady); resolve(); } };
      this.listeners.add(onReady);
      this.process.once('exit', (code) => reject(new Error(`fuzz worker exited (${code}) before it was ready:\n${this.stderr}`)));
    });
  }
  index() {
    const text = readFileSync(this.statusFile, 'utf8').trim();
    return text === '' ? undefined : Number(text);
  }
  /**
   * Send `message` and collect messages until `final` arrives; resolves with how it ended:
   * { ended: 'done', last } or { ended: 'hang' | 'crash', index, detail }.
   */
  exchange(message, final, onMessage) {
    return new Promise((resolve) => {
      let lastIndex = this.index();
      let since = Date.now();
      const finish = (result) => {
        clearInterval(timer);
        this.listeners.delete(listen);
        this.process.removeListener('exit', onExit);
        resolve(result);
      };
      const listen = (m) => {
        onMessage?.(m);
        if (m.type === final) finish({ ended: 'done', last: m });
      };
      const onExit = (code, signal) => finish({ ended: 'crash', index: this.index(), detail: `exit ${code ?? signal}: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` });
      const timer = setInterval(() => {
        const index = this.index();
        if (index !== lastIndex) { lastIndex = index; since = Date.now(); return; }
        if (Date.now() - since > HANG_MS) {
          this.process.removeListener('exit', onExit);
          this.process.kill('SIGKILL');
          finish({ ended: 'hang', index, detail: `no progress for ${HANG_MS} ms` });
        }
      }, 100);
      this.listeners.add(listen);
      this.process.once('exit', onExit);
      this.process.send(message);
    });
  }
  stop() {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

async function withChild(name, work) {
  const child = new Child(name);
  try {
    await child.ready;
    return await work(child);
  } finally {
    child.stop();
  }
}

// ------------------------------------------------------------------ fuzzing one family

const seedsByName = new Map(loadSeeds().map((s) => [s.name, s]));
const webByName = new Map(loadWebSeeds().map((s) => [s.name, s]));

function signature(finding) {
  const { plan, outcome } = finding;
  const message = (outcome.message ?? '').replace(/\d+/g, 'N').slice(0, 80);
  const ts = (seedsByName.get(plan.seed) ?? webByName.get(plan.seed))?.transferSyntaxUID ?? '';
  if (outcome.cls === 'slow' || outcome.cls === 'hang') return `${plan.family}|${outcome.cls}|${outcome.was ?? ''}|${ts}`;
  return `${plan.family}|${outcome.cls}|${outcome.code ?? ''}|${outcome.codec ?? ''}|${message}`;
}

async function fuzzFamily(family, { seedBase, cases, until }) {
  const totals = { family, cases: 0, counts: {}, findings: [], maxMs: 0, memory: [], started: Date.now() };
  let next = 0;
  let restarts = 0;
  while (next < cases && Date.now() < until) {
    const result = await withChild(family, (child) => child.exchange(
      { type: 'run', family, seedBase, start: next, count: cases - next, until },
      'done',
      (m) => {
        if (m.type === 'finding') {
          totals.findings.push({ plan: m.plan, outcome: m.outcome });
          const { cls, code, message, ms } = m.outcome;
          console.log(`    finding: ${family} #${m.plan.index} ${cls}${code ? ` ${code}` : ''}${message ? ` (${message})` : ''} ${ms.toFixed(0)} ms`);
        }
        if (m.type === 'progress' || m.type === 'done') totals.memory.push({ at: next + m.done, rss: m.memory.rss, heap: m.memory.heapUsed });
        if (m.type === 'done') {
          for (const [k, v] of Object.entries(m.counts)) totals.counts[k] = (totals.counts[k] ?? 0) + v;
          totals.maxMs = Math.max(totals.maxMs, m.maxMs);
          totals.cases += m.done;
        }
      },
    ));
    if (result.ended === 'done') break;
    // A hang or a crash: note the case, count what ran before it, go on after it in a new child.
    restarts++;
    const index = result.index ?? next;
    const plan = { family, index, seed: undefined };
    totals.findings.push({ plan, outcome: { cls: result.ended, detail: result.detail, ms: HANG_MS }, replanned: true });
    console.log(`    finding: ${family} #${index} ${result.ended} (${result.detail})`);
    totals.counts[result.ended] = (totals.counts[result.ended] ?? 0) + 1;
    totals.cases += index - next + 1;
    next = index + 1;
  }
  totals.restarts = restarts;
  totals.seconds = (Date.now() - totals.started) / 1000;
  // Memory that keeps growing after the first quarter of the run (the arenas and codec heaps
  // have reached the largest frame by then) is a finding of its own.
  const growth = memoryGrowth(totals.memory);
  if (growth !== undefined && growth.grown > Math.max(128 * 2 ** 20, growth.settled / 2)) {
    totals.findings.push({ plan: { family, index: -1, seed: '', ops: [] }, outcome: { cls: 'memory', message: `rss ${mb(growth.settled)} → ${mb(growth.last)} MB` } });
  }
  return totals;
}

// ------------------------------------------------------------------ replay and minimisation

async function replay(plans) {
  const results = [];
  for (const plan of plans) {
    const result = await withChild('replay', (child) => child.exchange({ type: 'replay', plans: [plan] }, 'replayed'));
    results.push(result.ended === 'done' ? result.last.results[0] : { cls: result.ended, detail: result.detail, ms: HANG_MS });
  }
  return results;
}

/** Fewest mutations (and no decode options) that give the same kind of finding. */
async function minimise(finding) {
  const target = signature(finding);
  let plan = finding.plan;
  let outcome = finding.outcome;
  const same = (o) => signature({ plan, outcome: o }) === target;
  for (let i = plan.ops.length - 1; i >= 0 && plan.ops.length > 1; i--) {
    const trial = { ...plan, ops: plan.ops.filter((_, k) => k !== i) };
    const [o] = await replay([trial]);
    if (same(o)) { plan = trial; outcome = o; }
  }
  if (Object.keys(plan.options ?? {}).length) {
    const trial = { ...plan, options: {} };
    const [o] = await replay([trial]);
    if (same(o)) { plan = trial; outcome = o; }
  }
  return { plan, outcome };
}

/** A plan for a hang or crash the child could not report: rebuilt from the family, seed and index. */
async function replanned(finding, seedBase) {
  const { planCase, familySeeds } = await import('./cases.mjs');
  const seeds = [...seedsByName.values()];
  const pool = familySeeds(seeds, finding.plan.family);
  const donors = pool.filter((s) => s.pixel?.fragments);
  return planCase(seedBase, finding.plan.family, finding.plan.index, pool, donors.length ? donors : pool);
}

function readFuzzManifest() {
  return existsSync(FUZZ_MANIFEST) ? JSON.parse(readFileSync(FUZZ_MANIFEST, 'utf8')) : { fixtures: [], bad: [] };
}

function save(finding, seedBase) {
  // A DICOMweb case is a metadata JSON and a frames answer, not one Part 10 file: a .json and a .body.
  const files = finding.plan.family === 'dicomweb' ? webCaseFiles(buildWebCase(finding.plan, webByName)) : { '.dcm': buildCase(finding.plan, seedsByName) };
  const digest = createHash('sha1');
  for (const content of Object.values(files)) digest.update(content);
  const stem = `bad/${finding.plan.family}-${finding.outcome.cls}-${digest.digest('hex').slice(0, 10)}`;
  const file = `${stem}${Object.keys(files)[0]}`;
  mkdirSync(new URL('bad/', FUZZ_DIR), { recursive: true });
  for (const [ext, content] of Object.entries(files)) writeFileSync(new URL(`${stem}${ext}`, FUZZ_DIR), content);
  const manifest = readFuzzManifest();
  if (!manifest.bad.some((e) => e.file === file)) {
    manifest.bad.push({
      file,
      // Set by `--replay --update` once the decoder ends this input with a DecodeError.
      expectCode: null,
      derivedFrom: finding.plan.seed,
      notes: `fuzz finding: ${finding.outcome.cls}${finding.outcome.code ? ` (${finding.outcome.code})` : ''}` +
        `${finding.outcome.message ? `: ${finding.outcome.message}` : ''}`,
      fuzz: { seed: seedBase, family: finding.plan.family, index: finding.plan.index, frames: finding.plan.frames, ops: finding.plan.ops, options: finding.plan.options },
    });
    writeFileSync(FUZZ_MANIFEST, `${JSON.stringify(manifest, null, 1)}\n`);
  }
  return file;
}

// ------------------------------------------------------------------ reporting

const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);

function memoryGrowth(samples) {
  if (samples.length < 4) return undefined;
  const settled = samples[Math.floor(samples.length / 4)].rss;
  const last = samples[samples.length - 1].rss;
  return { settled, last, grown: last - settled, peak: Math.max(...samples.map((s) => s.rss)) };
}

function memoryLine(samples) {
  const growth = memoryGrowth(samples);
  return growth ? `${mb(growth.settled)}→${mb(growth.last)} MB (peak ${mb(growth.peak)})` : '';
}

function printTable(results) {
  const rows = [['family', 'cases', 'cases/s', 'DecodeError codes', 'traps', 'exceptions', 'crashes', 'hangs', `slow>${process.env.FUZZ_SLOW_MS ?? 1000}ms`, 'later wrong', 'chunking', 'max ms', 'rss settled→end']];
  for (const r of results) {
    const codes = Object.entries(r.counts).filter(([k]) => /^[A-Z_]+$/.test(k)).sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`).join(', ');
    const n = (k) => String(r.counts[k] ?? 0);
    const later = r.findings.filter((f) => f.outcome.cls === 'later-wrong').length;
    rows.push([r.family, String(r.cases), (r.cases / r.seconds).toFixed(0), `ok ${r.counts.ok ?? 0}; ${codes}`, n('trap'), n('exception'), n('crash'), n('hang'), n('slow'), String(later), n('chunking'), r.maxMs.toFixed(0), memoryLine(r.memory)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

// ------------------------------------------------------------------ main

async function replayFixtures() {
  const entries = [];
  const root = JSON.parse(readFileSync(new URL('manifest.json', FIXTURES), 'utf8'));
  entries.push(...root.bad.map((e) => ({ ...e, path: e.file })));
  for (const family of readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)) {
    const url = new URL(`${family}/manifest.json`, FIXTURES);
    if (!existsSync(url)) continue;
    entries.push(...JSON.parse(readFileSync(url, 'utf8')).bad.map((e) => ({ ...e, path: `${family}/${e.file}` })));
  }
  // A finding replays with the decode options it was found with (a resolutionLevel, a thumbnail).
  const results = await replay(entries.map((e) => ({ file: e.path, options: e.fuzz?.options ?? {} })));
  let failures = 0;
  const manifest = readFuzzManifest();
  for (const [i, entry] of entries.entries()) {
    const o = results[i];
    const got = o.cls === 'error' ? o.code : o.cls;
    // A fuzz finding may end in a decoded image once fixed (a valid DICOMweb answer the client
    // refused, a header line it could not read; a codestream the decoder tripped on that is
    // valid, such as a tile with fewer levels than the resolution asked): `ok` is as fine for it
    // as a DecodeError. The bad fixtures made by hand must fail.
    const ends = o.cls === 'error' || (o.cls === 'ok' && entry.path.startsWith('fuzz/'));
    const fine = ends && (entry.expectCode === null || entry.expectCode === got);
    if (!fine || entry.expectCode === null) failures += fine ? 0 : 1;
    console.log(`${fine ? 'ok  ' : 'FAIL'} ${entry.path}  ${got}${o.message ? ` (${o.message})` : ''}  ${o.ms.toFixed(1)} ms  expect ${entry.expectCode}`);
    if (args.update && fine && entry.path.startsWith('fuzz/') && entry.expectCode === null) {
      manifest.bad.find((e) => e.file === entry.file).expectCode = got;
    }
  }
  if (args.update) writeFileSync(FUZZ_MANIFEST, `${JSON.stringify(manifest, null, 1)}\n`);
  return failures;
}

async function main() {
  if (args.replay) return (await replayFixtures()) ? 1 : 0;
  const families = args.family ? args.family.split(',') : FAMILIES;
  for (const f of families) if (!FAMILIES.includes(f)) throw new Error(`unknown family ${f}; families: ${FAMILIES.join(', ')}`);
  const seedBase = args.ci ? 'ci' : args.seed ?? String(Date.now());
  const saving = !args.ci && args.save && !args['no-save'];
  const seconds = args.seconds === undefined ? undefined : Number(args.seconds);
  console.log(`fuzz: seed ${seedBase}, families ${families.join(' ')}${seconds ? `, ${seconds} s` : ''}; watchdog ${HANG_MS} ms`);
  const results = [];
  const start = Date.now();
  for (const [i, family] of families.entries()) {
    const cases = args.ci ? CI_CASES[family] : Number(args.cases ?? Number.MAX_SAFE_INTEGER);
    // A time budget is shared out evenly over the families still to run.
    const until = seconds === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + ((start + seconds * 1000 - Date.now()) / (families.length - i));
    if (cases === Number.MAX_SAFE_INTEGER && seconds === undefined) throw new Error('give --seconds or --cases');
    const r = await fuzzFamily(family, { seedBase, cases, until });
    results.push(r);
    console.log(`  ${family}: ${r.cases} cases in ${r.seconds.toFixed(1)} s, ${r.findings.length} findings`);
  }
  console.log('');
  printTable(results);
  // Unique findings, minimised; kept as bad/ fixtures unless --ci / --no-save.
  const unique = new Map();
  for (const r of results) {
    for (const f of r.findings) {
      const finding = f.replanned ? { ...f, plan: { ...(await replanned(f, seedBase)) } } : f;
      if (finding.outcome.cls === 'memory') {
        unique.set(`${finding.plan.family}|memory`, { finding, count: 1 });
        continue;
      }
      // A slow case must be slow again in a fresh process (not a moment of a busy machine).
      if (finding.outcome.cls === 'slow' && (await replay([finding.plan]))[0].cls !== 'slow') {
        console.log(`slow case not reproduced: ${finding.plan.family} #${finding.plan.index} (${finding.outcome.ms.toFixed(0)} ms)`);
        continue;
      }
      const key = signature(finding);
      if (!unique.has(key)) unique.set(key, { finding, count: 0 });
      unique.get(key).count++;
    }
  }
  if (unique.size) console.log(`\n${unique.size} distinct findings:`);
  for (const [key, { finding, count }] of unique) {
    if (finding.outcome.cls === 'memory') {
      console.log(`- ${key}: ${finding.outcome.message}`);
      continue;
    }
    const small = await minimise(finding);
    const where = saving ? `  → fixtures/fuzz/${save(small, seedBase)}` : '';
    console.log(`- ${key} ×${count}: seed ${seedBase} ${small.plan.family} #${small.plan.index} ${small.plan.seed} ${JSON.stringify(small.plan.ops)}${where}`);
    if (small.outcome.where) console.log(`    at ${small.outcome.where}`);
  }
  if (args.report) writeFileSync(args.report, JSON.stringify({ seed: seedBase, results, findings: [...unique.keys()] }, null, 1));
  return unique.size ? 1 : 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`fuzz: ${error.stack ?? error}`);
  process.exit(2);
});
