#!/usr/bin/env node
// Work bounds of the JPEG 2000 decoder, by hand: tiny codestreams that claim vast work (a huge
// image in one tile, 65535 layers, 2×2 precincts and 4×4 code-blocks on a big image, 32 levels,
// 65535 tiles, hundreds of progression order changes, code-block lengths of 40 bits), each
// decoded and timed next to a valid frame of about the same size. A case must end in a
// DecodeError or decode, within a small multiple of what a real frame of its size costs.
//
//   node fuzz/bounds.mjs [--only NAME[,NAME…]] [--save]    (after npm run build)
//
// --save writes (without decoding) the cases marked `keep` (the ones that found a defect) as
// fixtures/fuzz/bad/jpeg-2000-bound-<name>.dcm with an entry in fixtures/fuzz/manifest.json, so
// `fuzz/run.mjs --replay` checks them with the other findings.

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { buildCase, loadSeeds, FIXTURES } from './cases.mjs';
import { codSegment, markerSegment, pocSegment, qcdSegment, writeCodestream } from './j2k.mjs';

const { values: args } = parseArgs({ options: { only: { type: 'string' }, save: { type: 'boolean', default: false } } });
const { decodeFrame, openDicom } = await import(new URL('../dist/index.js', import.meta.url).href);

const TS = '1.2.840.10008.1.2.4.90';
const GiB = 2 ** 30;

/** Packet header bits (B.10.1): bit stuffing after 0xFF. */
class BitWriter {
  constructor() {
    this.bytes = [];
    this.byte = 0;
    this.count = 0;
    this.room = 8;
  }
  bit(b) {
    this.byte = (this.byte << 1) | b;
    this.count++;
    if (this.count === this.room) this.flush();
  }
  bits(value, n) {
    for (let i = n - 1; i >= 0; i--) this.bit(Math.floor(value / 2 ** i) % 2);
  }
  flush() {
    this.bytes.push(this.byte);
    this.room = this.byte === 0xff ? 7 : 8;
    this.byte = 0;
    this.count = 0;
  }
  end() {
    if (this.count > 0) {
      this.byte <<= this.room - this.count;
      this.flush();
    }
    if (this.bytes[this.bytes.length - 1] === 0xff) this.bytes.push(0);
    return this.bytes;
  }
}

const zeros = (n) => new Uint8Array(n);

/**
 * Each case: the codestream, the frame it claims, and `reference` (a valid frame of about the
 * same size and work to compare with: a name in REFERENCES).
 */
function cases() {
  const out = [];
  const add = (name, stream, info, extra = {}) => out.push({ name, stream, info: { rows: 64, columns: 64, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', ...info }, ...extra });
  const big = (n, bits = 8) => ({ rows: n, columns: n, bitsAllocated: bits > 8 ? 16 : 8, bitsStored: bits });
  // `keep`: what the case found before the decoder was fixed (the note of its bad/ fixture).

  // (a) a huge image in one tile, a few bytes of empty packets.
  add('8192sq-1tile', writeCodestream({ width: 8192, height: 8192 }), big(8192), { reference: '8192' });
  add('8192sq-1tile-32levels', writeCodestream({ width: 8192, height: 8192, levels: 32, dataBytes: 64 }), big(8192), { reference: '8192' });
  add('65535sq-1tile', writeCodestream({ width: 65535, height: 65535 }), big(65535), { reference: '8192' });
  add('65535sq-1tile-8GiB-limit', writeCodestream({ width: 65535, height: 65535 }), big(65535), { options: { maxFrameBytes: 8 * GiB }, reference: '8192' });
  add('65535x1-1tile-32levels', writeCodestream({ width: 65535, height: 1, levels: 32, dataBytes: 64 }), { rows: 1, columns: 65535 }, { reference: '512' });
  // (b) 65535 layers; 2×2 precincts and 4×4 code-blocks on a big image; with the coding style in
  // the main header (where the packets it implies are counted against the data) and in the
  // tile-part header (where they are not).
  for (const order of [0, 1, 2, 3, 4]) {
    const name = ['LRCP', 'RLCP', 'RPCL', 'PCRL', 'CPRL'][order];
    add(`2048sq-65535layers-${name}-main`, writeCodestream({ width: 2048, height: 2048, layers: 65535, order }), big(2048), { reference: '2048' });
    const cod = codSegment({ layers: 65535, order, levels: 5 });
    add(`2048sq-65535layers-${name}-tile`, writeCodestream({ width: 2048, height: 2048, tileHeader: [cod] }), big(2048), { reference: '2048' });
    const tiny = { levels: 5, order, precincts: (r) => (r === 0 ? 0x00 : 0x11), blockWidth: 2, blockHeight: 2 };
    add(`2048sq-prec2-cblk4-${name}-main`, writeCodestream({ width: 2048, height: 2048, ...tiny }), big(2048), { reference: '2048' });
    add(`2048sq-prec2-cblk4-${name}-tile`, writeCodestream({ width: 2048, height: 2048, tileHeader: [codSegment(tiny)] }), big(2048), { reference: '2048' });
    // The data runs to 64 KiB of empty packets (one byte each): the iteration goes on as long as
    // there is data, then stops.
    add(`2048sq-prec2-cblk4-${name}-tile-64KiB`, writeCodestream({ width: 2048, height: 2048, tileHeader: [codSegment(tiny)], dataBytes: 65536 }), big(2048), { reference: '2048' });
    add(`8192sq-prec2-cblk4-${name}-tile`, writeCodestream({ width: 8192, height: 8192, tileHeader: [codSegment(tiny)] }), big(8192), { reference: '8192' });
    // Precincts of 2×2 at the top resolution only: the position-driven orders step over the
    // reference grid at the finest precinct spacing of any resolution.
    const topOnly = { levels: 5, order, precincts: (r) => (r === 5 ? 0x11 : 0xff) };
    add(`2048sq-prec2-top-only-${name}-tile`, writeCodestream({ width: 2048, height: 2048, tileHeader: [codSegment(topOnly)], dataBytes: 64 }), big(2048), {
      reference: '2048', keep: order === 2 && 'slow (631 ms for 180 bytes, 12× the other orders): RPCL swept every resolution at the finest precinct spacing of any',
    });
  }
  // 3 components, one with 2×2 precincts (COC): CPRL sweeps each component at the finest spacing.
  {
    // COC for component 2: Scoc 1 (precincts), 5 levels, 64×64 code-blocks, 5/3, 2×2 precincts.
    const coc = markerSegment(0xff53, new Uint8Array([2, 1, 5, 4, 4, 0, 1, 0x00, 0x11, 0x11, 0x11, 0x11, 0x11]));
    for (const order of [2, 3, 4]) {
      const name = ['LRCP', 'RLCP', 'RPCL', 'PCRL', 'CPRL'][order];
      add(`2048sq-3comp-coc-prec2-${name}`, writeCodestream({ width: 2048, height: 2048, components: 3, order, tileHeader: [codSegment({ order, levels: 5 }), coc], dataBytes: 64 }), { ...big(2048), samplesPerPixel: 3, photometricInterpretation: 'RGB' }, { reference: '2048' });
      // The same within the fuzz harness's 8 MiB frame limit, for its replay.
      add(`1664sq-3comp-coc-prec2-${name}`, writeCodestream({ width: 1664, height: 1664, components: 3, order, tileHeader: [codSegment({ order, levels: 5 }), coc], dataBytes: 64 }), { ...big(1664), samplesPerPixel: 3, photometricInterpretation: 'RGB' }, {
        reference: '2048', keep: order === 4 && 'slow (1755 ms at 2048², 16 times RPCL or PCRL): CPRL swept every component at the finest precinct spacing of any',
      });
    }
  }
  // 4×4 code-blocks in precincts of the whole tile: a packet whose header says "not empty" and
  // "no code-block included" (one byte, 0x80) makes a reader visit every code-block of the
  // precinct (65536 per band at the top resolution of a 2048² tile), once per layer.
  for (const order of [0, 2]) {
    const name = ['LRCP', 'RLCP', 'RPCL', 'PCRL', 'CPRL'][order];
    const cod = codSegment({ levels: 5, order, layers: 65535, blockWidth: 2, blockHeight: 2 });
    add(`2048sq-cblk4-65535layers-${name}-0x80x64KiB`, writeCodestream({ width: 2048, height: 2048, tileHeader: [cod], packets: new Uint8Array(65536).fill(0x80) }), big(2048), { reference: '2048' });
    if (order === 0) {
      add(`1024sq-cblk4-65535layers-${name}-0x80x16KiB`, writeCodestream({ width: 1024, height: 1024, tileHeader: [cod], packets: new Uint8Array(16384).fill(0x80) }), big(1024), {
        reference: '2048', keep: 'hang (no end in 120 s): every packet header visited all 16384 code-blocks of each top-resolution band',
      });
    }
  }
  // (c) 33 levels: refused by the header.
  add('64sq-33levels', writeCodestream({ width: 64, height: 64, levels: 33 }), {}, { reference: '512' });
  // (d) 65535 tiles with tiny data: 255×257 tiles of 1×1, 16×16 of 4096 tiles... and each tile
  // with its own COD of 32 levels and 3 components.
  add('65535tiles-1x1', writeCodestream({ width: 255, height: 257, tileWidth: 1, tileHeight: 1, levels: 0, dataBytes: 1 }), { rows: 257, columns: 255 }, { reference: '512' });
  add('65535tiles-1x1-cod32-3comp', writeCodestream({ width: 255, height: 257, components: 3, tileWidth: 1, tileHeight: 1, levels: 32, tileHeader: [codSegment({ levels: 32 })], dataBytes: 0 }), { rows: 257, columns: 255, samplesPerPixel: 3, photometricInterpretation: 'RGB' }, { reference: '512' });
  add('16384tiles-1x1-cod32-3comp', writeCodestream({ width: 128, height: 128, components: 3, tileWidth: 1, tileHeight: 1, levels: 32, tileHeader: [codSegment({ levels: 32 })], dataBytes: 0 }), { rows: 128, columns: 128, samplesPerPixel: 3, photometricInterpretation: 'RGB' }, {
    reference: '512', keep: 'slow (1.6 s for 460 KB; 65535 such tiles: 6.3 s for 1.8 MB): per tile, 99 resolutions and 300 subbands made by object spreads, one typed array per resolution, tier-1 and 32 inverse transforms of empty tiles',
  });
  add('65535tiles-32x32-of-8160sq', writeCodestream({ width: 8160, height: 8224, tileWidth: 32, tileHeight: 32, levels: 5, dataBytes: 0 }), { rows: 8224, columns: 8160 }, { reference: '8192' });
  add('65535tiles-1x1-layers', writeCodestream({ width: 255, height: 257, tileWidth: 1, tileHeight: 1, levels: 0, tileHeader: [codSegment({ levels: 0, layers: 65535 })], dataBytes: 1 }), { rows: 257, columns: 255 }, { reference: '512' });
  // 65535 tile-parts of one tile (TPsot wraps; nothing limits the count but the data).
  add('65535-tile-parts', writeCodestream({ width: 512, height: 512, tileParts: Array.from({ length: 65535 }, (_, i) => ({ tile: 0, part: i & 255, header: [], data: zeros(0) })) }), big(512), { reference: '512' });
  // (e) progression order changes: many entries, each over every layer, resolution and component.
  for (const order of [0, 2, 3, 4]) {
    const name = ['LRCP', 'RLCP', 'RPCL', 'PCRL', 'CPRL'][order];
    const tiny = { levels: 5, order, layers: 4, precincts: (r) => (r === 0 ? 0x00 : 0x11) };
    for (const count of [32, 9000]) {
      const poc = pocSegment(Array.from({ length: count }, () => [0, 0, 4, 33, 1, order]));
      add(`2048sq-prec2-poc${count}-${name}`, writeCodestream({ width: 2048, height: 2048, tileHeader: [codSegment(tiny), poc], dataBytes: 4096 }), big(2048), { reference: '2048' });
    }
    // POC entries each adding one layer: every one revisits all packets before it.
    const growing = pocSegment(Array.from({ length: 9000 }, (_, i) => [0, 0, Math.min(65535, i + 1), 33, 1, order]));
    add(`256sq-poc9000-growing-${name}`, writeCodestream({ width: 256, height: 256, tileHeader: [codSegment({ levels: 5, order, layers: 65535 }), growing], dataBytes: 9000 * 6 }), big(256), {
      reference: '512', keep: order === 0 && 'slow (6279 ms for 117 KB): 9000 progression order changes, each revisiting every packet before it',
    });
  }
  // (f) code-block lengths: Lblock raised past 32 bits (B.10.7.1) with lengths whose 32nd bit is
  // set, which a signed 32-bit read takes as negative.
  {
    const header = new BitWriter();
    header.bit(1); // non-empty packet
    header.bit(1); // inclusion tag tree: included in layer 0
    header.bit(1); // zero bit planes: 0
    header.bit(0); // one pass
    for (let i = 0; i < 29; i++) header.bit(1); // Lblock 3 + 29 = 32
    header.bit(0);
    header.bits(2 ** 32 - 16, 32); // a length of 2^32 - 16: -16 as a signed int
    const packet = new Uint8Array([...header.end(), ...zeros(64)]);
    add('cblk-length-32bits', writeCodestream({ width: 4, height: 4, levels: 0, packets: packet }), { rows: 4, columns: 4 }, {
      reference: '512', keep: 'OUT_OF_MEMORY (cannot allocate -16 bytes): a 32-bit code-block length read as a negative int moved the data pointer back',
    });
    const h2 = new BitWriter();
    h2.bit(1);
    h2.bit(1);
    h2.bit(1);
    h2.bit(0);
    for (let i = 0; i < 40; i++) h2.bit(1); // Lblock 43
    h2.bit(0);
    h2.bits(5, 43);
    add('cblk-length-43bits', writeCodestream({ width: 4, height: 4, levels: 0, packets: new Uint8Array([...h2.end(), ...zeros(64)]) }), { rows: 4, columns: 4 }, { reference: '512' });
  }
  return out;
}

/** Valid frames to compare with: the benchmark fixture, and opj_compress streams of noise when there. */
async function references() {
  const refs = {};
  const timeIt = async (bytes, runs = 3) => {
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await openDicom(bytes).decodeFrame(0);
      best = Math.min(best, performance.now() - t);
    }
    return best;
  };
  const bench = new Uint8Array(readFileSync(new URL('j2k/dicom/bench_u8_512.opj.dcm', FIXTURES)));
  refs['512'] = { ms: await timeIt(bench), what: 'bench_u8_512.opj (512², 8 bits, 64 KB)' };
  // Per sample, scaled: a 2048² and an 8192² frame of the same content cost about 16× and 256×.
  refs['2048'] = { ms: refs['512'].ms * 16, what: '16 × the 512² frame (2048²)' };
  refs['8192'] = { ms: refs['512'].ms * 256, what: '256 × the 512² frame (8192²)' };
  return refs;
}

async function main() {
  const only = args.only?.split(',');
  if (args.save) return save(cases().filter((c) => c.keep && (!only || only.some((o) => c.name.includes(o)))));
  const refs = await references();
  for (const [k, r] of Object.entries(refs)) console.log(`reference ${k}: ${r.ms.toFixed(1)} ms  (${r.what})`);
  const rows = [];
  for (const c of cases()) {
    if (only && !only.some((o) => c.name.includes(o))) continue;
    const t = performance.now();
    let outcome;
    try {
      const frame = await decodeFrame(c.stream, TS, c.info, c.options ?? {});
      outcome = `ok ${frame.columns}×${frame.rows}`;
    } catch (error) {
      outcome = error?.code ? `${error.code}: ${error.message.slice(0, 110)}` : `EXCEPTION ${error}`;
      if (error?.cause) outcome += ` [cause ${error.cause?.name}: ${String(error.cause?.message).slice(0, 60)}]`;
    }
    const ms = performance.now() - t;
    const ref = refs[c.reference];
    const ratio = ms / ref.ms;
    rows.push({ ...c, ms, outcome });
    console.log(`${ratio > 4 ? 'SLOW' : '    '} ${c.name.padEnd(40)} ${String(c.stream.length).padStart(8)} B  ${ms.toFixed(1).padStart(9)} ms  ${ratio.toFixed(2).padStart(6)}× ref ${c.reference}  ${outcome}`);
  }
}

/** Crafted findings as bad/ fixtures: a seed's dataset with the codestream and attributes replaced. */
function save(rows) {
  const seeds = loadSeeds();
  const base = seeds.find((s) => s.name === 'j2k/dicom/mono_s8.opj.dcm');
  const manifestUrl = new URL('fuzz/manifest.json', FIXTURES);
  const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8'));
  for (const row of rows) {
    const name = `crafted:${row.name}`;
    const seed = { ...base, name, pixel: { ...base.pixel, fragments: [row.stream] } };
    const tags = { rows: 0x00280010, columns: 0x00280011, samplesPerPixel: 0x00280002, bitsAllocated: 0x00280100, bitsStored: 0x00280101, highBit: 0x00280102, pixelRepresentation: 0x00280103 };
    const info = { ...row.info, highBit: row.info.bitsStored - 1 };
    const ops = Object.entries(tags).map(([k, tag]) => ({ op: 'attr', tag, us: info[k] }));
    ops.push({ op: 'attr', tag: 0x00280004, text: info.photometricInterpretation });
    const bytes = buildCase({ seed: name, ops }, new Map([[name, seed]]));
    const file = `bad/jpeg-2000-bound-${row.name}.dcm`;
    writeFileSync(new URL(`fuzz/${file}`, FIXTURES), bytes);
    if (!manifest.bad.some((e) => e.file === file)) {
      manifest.bad.push({ file, expectCode: null, derivedFrom: 'fuzz/bounds.mjs', notes: `crafted by fuzz/bounds.mjs (${row.name}): ${row.keep}` });
    }
    console.log(`saved fixtures/fuzz/${file}`);
  }
  writeFileSync(manifestUrl, `${JSON.stringify(manifest, null, 1)}\n`);
}

await main();
