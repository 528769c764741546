// The child process of the fuzz runner: builds each case from its plan, decodes it with the
// built library (dist/), classifies the outcome and reports findings over IPC. Before each case
// it writes the case index to the status file, so the runner can name the case of a hang or a
// crash. Every few cases, and after every trap, it decodes a seed again and compares the pixels
// with the first decode (a wrong later decode). A `dicomweb` case goes through the WADO-RS
// client instead: imageFromMetadata on its metadata (bulk data from a fake fetch), then
// decodeFramesResponse on its frames answer, to the last frame.

import { createHash } from 'node:crypto';
import { openSync, readFileSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { FIXTURES, buildCase, familySeeds, loadSeeds, planCase } from './cases.mjs';
import { BASE_URL, buildWebCase, bulkFetch, framesResponse, loadWebSeeds, readWebCase } from './dicomweb.mjs';

const { openDicom, thumbnail, DecodeError, ERROR_MESSAGES, imageFromMetadata, decodeFramesResponse } = await import(new URL('../dist/index.js', import.meta.url).href);

/** The limit the harness decodes with: 8 MiB (a 2048² 16-bit frame), 16× the largest seed frame. */
export const FUZZ_MAX_FRAME_BYTES = 8 * 2 ** 20;
const SLOW_MS = Number(process.env.FUZZ_SLOW_MS ?? 1000);
const MAX_FRAMES = 3;

const statusFd = openSync(process.env.FUZZ_STATUS, 'r+');
const seeds = loadSeeds();
const byName = new Map(seeds.map((s) => [s.name, s]));
const good = new Set(seeds.filter((s) => s.good).map((s) => s.name));
const webByName = new Map(loadWebSeeds().map((s) => [s.name, s]));

function traps(error) {
  for (let e = error, depth = 0; e && depth < 8; e = e.cause, depth++) {
    if (e instanceof WebAssembly.RuntimeError) return e;
  }
  return undefined;
}

/** Where an error was thrown (the message alone names no line), for the report; not part of signatures. */
const whereOf = (error) => (error instanceof Error ? error.stack?.split('\n').slice(1, 5).map((line) => line.trim().replace(/^at /, '')).join(' < ') : undefined);

/**
 * A JavaScript exception (TypeError, RangeError…) a decoder let escape: the pipeline's last
 * resort (src/decode.ts, asDecodeError) wraps it in a CORRUPT_DATA DecodeError whose message is
 * the exception's own, which must not pass for a refusal. A DecodeError made on purpose around
 * such a cause says more than its cause (an invalid URL as FETCH_FAILED, bad UTF-8 as
 * CORRUPT_DATA with what was being read) and is fine.
 */
function escaped(error) {
  const cause = error.cause;
  if (error.code !== 'CORRUPT_DATA' || !(cause instanceof Error) || cause instanceof DecodeError || cause instanceof WebAssembly.RuntimeError) return undefined;
  if (!(cause instanceof TypeError || cause instanceof RangeError || cause instanceof ReferenceError || cause instanceof SyntaxError)) return undefined;
  return error.message === `${ERROR_MESSAGES.CORRUPT_DATA}: ${cause.message}` ? cause : undefined;
}

function classify(error) {
  if (error instanceof DecodeError) {
    const trap = traps(error);
    if (trap) return { cls: 'trap', code: error.code, codec: error.codec, message: trap.message };
    const exception = escaped(error);
    if (exception) return { cls: 'exception', message: `${exception.name}: ${exception.message}`, where: whereOf(exception) };
    return { cls: 'error', code: error.code, detail: error.message };
  }
  return { cls: 'exception', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error), where: whereOf(error) };
}

async function decode(bytes, options) {
  const { thumbnail: size, ...decodeOptions } = options;
  if (size) {
    await thumbnail(bytes, { size, maxFrameBytes: FUZZ_MAX_FRAME_BYTES });
    return undefined;
  }
  const image = openDicom(bytes);
  const frames = Math.min(image.numberOfFrames, MAX_FRAMES);
  let hash;
  for (let i = 0; i < frames; i++) {
    const frame = await image.decodeFrame(i, { maxFrameBytes: FUZZ_MAX_FRAME_BYTES, ...decodeOptions });
    if (i === 0) hash = createHash('sha1').update(new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength)).digest('hex');
  }
  return hash;
}

/** A DICOMweb case, every frame decoded: the hash of the first frame's pixels. */
async function decodeWeb(input, json) {
  const image = await imageFromMetadata(json, { baseUrl: BASE_URL, fetch: bulkFetch(input) });
  let hash;
  for await (const frame of decodeFramesResponse(framesResponse(input), image, input.frameNumbers, { maxFrameBytes: FUZZ_MAX_FRAME_BYTES, ...input.options })) {
    hash ??= createHash('sha1').update(new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength)).digest('hex');
  }
  return hash;
}

/**
 * The inputs of a plan, or of a kept finding (`file`: a .dcm, or a DICOMweb case's .json). A
 * DICOMweb case's metadata is parsed here, as fetchImage's response.json() would: not the work
 * under test, and a fault of the harness must not pass for one of the library.
 */
function inputOf(plan) {
  if (plan.file?.endsWith('.json')) {
    const web = readWebCase(new URL(plan.file, FIXTURES));
    return { web, json: web.metadata };
  }
  if (plan.file) return { bytes: new Uint8Array(readFileSync(new URL(plan.file, FIXTURES))) };
  if (plan.family === 'dicomweb') {
    const web = buildWebCase(plan, webByName);
    return { web, json: JSON.parse(web.metadataText) };
  }
  return { bytes: buildCase(plan, byName) };
}

function decodeInput(input, options) {
  return input.web ? decodeWeb(input.web, input.json) : decode(input.bytes, options);
}

// Sentinels: the first decode of each good seed, computed in this process before any case.
const sentinels = new Map();
async function sentinel(name) {
  if (!good.has(name) && !webByName.has(name)) return undefined;
  const input = inputOf({ family: webByName.has(name) ? 'dicomweb' : undefined, seed: name, ops: [] });
  try {
    return await decodeInput(input, {});
  } catch (error) {
    return `error ${error?.code ?? error}`;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const status = Buffer.alloc(16);
function markStatus(index) {
  status.fill(0x20);
  status.write(String(index));
  writeSync(statusFd, status, 0, 16, 0);
}

async function attempt(input, options) {
  const start = performance.now();
  let outcome;
  try {
    await decodeInput(input, options);
    outcome = { cls: 'ok' };
  } catch (error) {
    outcome = classify(error);
  }
  outcome.ms = performance.now() - start;
  return outcome;
}

// How a case ends, for the chunking check: decoded, or failed with a DecodeError. Which code a
// damaged body fails with may depend on what arrives first (a frame decodes as soon as its part
// has arrived, and may fail before the parser meets damage further on), so any two codes agree.
const ending = (o) => (o.cls === 'error' ? 'DecodeError' : o.cls);

// Unhandled rejections of the DICOMweb case running (frames decoding ahead whose failure nobody
// awaits yet). Node ends a process on one: a crash, reported here as the case's own instead of
// a restart per case. Anywhere else the handler throws, so the child dies as it would without.
let rejections;
process.on('unhandledRejection', (reason) => {
  if (!rejections) throw reason;
  rejections.push(reason);
});

async function runOne(plan) {
  const input = inputOf(plan);
  // What rejects while a body is still being read depends on the codec being loaded already: a
  // replay decodes the case's seed first, as a run has (its sentinels) before any case.
  if (input.web && !sentinels.has(input.web.case)) sentinels.set(input.web.case, await sentinel(input.web.case));
  if (input.web) rejections = [];
  let outcome = await attempt(input, plan.options ?? {});
  // A frames body must end the same however it arrives in chunks (the streaming parser's
  // invariant): a chunked case is decoded whole too, and a difference is a finding.
  if (input.web?.chunks && (outcome.cls === 'ok' || outcome.cls === 'error')) {
    const whole = await attempt({ ...input, web: { ...input.web, chunks: null } }, {});
    if (ending(whole) !== ending(outcome)) {
      const said = (o) => `${o.cls === 'error' ? o.code : o.cls}${o.detail ? ` (${o.detail.slice(-60)})` : ''}`;
      outcome = { cls: 'chunking', message: `${said(outcome)} in chunks, ${said(whole)} whole`, ms: outcome.ms };
    }
  }
  if (input.web) {
    await tick(); // Node reports a rejection unhandled once the microtasks have run
    const [reason] = rejections;
    const unhandled = rejections.length > 0;
    rejections = undefined;
    if (unhandled) {
      // One signature for all: what was rejected says little of where its handler was missing.
      const { code, message } = classify(reason);
      outcome = { cls: 'crash', message: 'unhandled rejection', detail: code ?? message, where: whereOf(reason), ms: outcome.ms };
    }
  }
  if (outcome.ms > SLOW_MS && !['trap', 'exception', 'crash'].includes(outcome.cls)) outcome = { ...outcome, cls: 'slow', was: outcome.cls };
  return outcome;
}

async function laterWrong(name) {
  if (!sentinels.has(name)) sentinels.set(name, await sentinel(name));
  const expected = sentinels.get(name);
  if (expected === undefined) return false;
  return (await sentinel(name)) !== expected;
}

async function run({ family, seedBase, start, count, until }) {
  const pool = familySeeds(seeds, family);
  const donors = pool.filter((s) => s.pixel?.fragments);
  for (const seed of pool) if (seed.good && !sentinels.has(seed.name)) sentinels.set(seed.name, await sentinel(seed.name));
  const counts = {};
  let lastReport = performance.now();
  let done = 0;
  let maxMs = 0;
  for (let index = start; index < start + count && Date.now() < until; index++) {
    markStatus(index);
    const plan = planCase(seedBase, family, index, pool, donors.length ? donors : pool);
    const outcome = await runOne(plan);
    const key = outcome.cls === 'error' ? outcome.code : outcome.cls;
    counts[key] = (counts[key] ?? 0) + 1;
    maxMs = Math.max(maxMs, outcome.ms);
    if (outcome.cls !== 'ok' && outcome.cls !== 'error') process.send({ type: 'finding', plan, outcome });
    if ((outcome.cls === 'trap' || index % 16 === 0) && (await laterWrong(plan.seed))) {
      process.send({ type: 'finding', plan, outcome: { cls: 'later-wrong', after: outcome, ms: 0 } });
      sentinels.delete(plan.seed);
    }
    done++;
    const now = performance.now();
    if (now - lastReport > 250) {
      lastReport = now;
      process.send({ type: 'progress', done, counts, maxMs, memory: process.memoryUsage() });
      await tick();
    }
  }
  process.send({ type: 'done', done, counts, maxMs, memory: process.memoryUsage() });
  await tick();
}

async function replay({ plans }) {
  const results = [];
  for (const plan of plans) {
    markStatus(plan.index ?? 0);
    results.push(await runOne(plan));
  }
  process.send({ type: 'replayed', results });
  await tick();
}

process.on('message', async (message) => {
  if (message.type === 'run') await run(message);
  else if (message.type === 'replay') await replay(message);
  else if (message.type === 'exit') process.exit(0);
});
process.send({ type: 'ready' });
