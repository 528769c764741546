// Fuzz cases: seeds (the bundled fixtures, split into codec families), seeded mutation plans and
// the bytes a plan builds. A case is `{ family, index, seed, ops }`; `ops` are fully resolved
// (positions, values), so the same plan always builds the same file, in the runner and in the
// child that decodes it, and minimisation can drop ops one by one.

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { deflateSync, inflateSync } from 'fflate';
import { caseRandom, int, mulberry32, pick, weighted } from './random.mjs';
import { loadWebSeeds, planWebCase } from './dicomweb.mjs';
import { MARKERS, j2kStructure, j2kSummary, markerName, packHeaders } from './j2k.mjs';

export { caseRandom, mulberry32 };

export const FIXTURES = new URL('../fixtures/', import.meta.url);

// The transfer syntax table of the library (src/uids.ts, built): each syntax's decoder family.
const { TRANSFER_SYNTAXES } = await import(new URL('../dist/uids.js', import.meta.url).href);
const DEFLATED = '1.2.840.10008.1.2.1.99';
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const IMPLICIT = '1.2.840.10008.1.2';
const ALL_ENCAPSULATED = TRANSFER_SYNTAXES.filter((ts) => ts.encapsulated && ts.decoder).map((ts) => ts.uid);

/** A syntax's fuzz family: its decoder family, JPEG split into DCT and lossless. */
export function familyOf(transferSyntaxUID) {
  const ts = TRANSFER_SYNTAXES.find((t) => t.uid === transferSyntaxUID);
  if (!ts?.decoder) return undefined;
  return ts.decoder === 'jpeg' && ts.lossless ? 'jpeg-lossless' : ts.decoder;
}

/**
 * Codec families, each fuzzed on its own; `dataset` is the Part 10 reader (any seed, any input),
 * `dicomweb` the WADO-RS client (metadata, frames answers; its seeds and plans: dicomweb.mjs).
 */
export const FAMILIES = [...new Set(TRANSFER_SYNTAXES.map((ts) => familyOf(ts.uid)).filter(Boolean)), 'dataset', 'dicomweb'];

// ------------------------------------------------------------------ reading a seed

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UT', 'UN', 'UC', 'UR', 'SV', 'UV']);
const UNDEFINED = 0xffffffff;

class Reader {
  constructor(bytes, littleEndian, explicit) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = littleEndian;
    this.explicit = explicit;
  }
  u16(p) { return this.view.getUint16(p, this.le); }
  u32(p) { return this.view.getUint32(p, this.le); }
  /** The element header at `p`: tag, VR, value offset and length. */
  header(p) {
    const group = this.u16(p), element = this.u16(p + 2);
    const tag = ((group << 16) | element) >>> 0;
    if (group === 0xfffe) return { tag, vr: null, start: p, value: p + 8, length: this.u32(p + 4) };
    if (this.explicit) {
      const vr = String.fromCharCode(this.bytes[p + 4], this.bytes[p + 5]);
      if (LONG_VRS.has(vr)) return { tag, vr, start: p, value: p + 12, length: this.u32(p + 8), lengthAt: p + 8, lengthSize: 4 };
      return { tag, vr, start: p, value: p + 8, length: this.u16(p + 6), lengthAt: p + 6, lengthSize: 2 };
    }
    return { tag, vr: null, start: p, value: p + 8, length: this.u32(p + 4), lengthAt: p + 4, lengthSize: 4 };
  }
  /** End of an undefined-length sequence whose items start at `p`. */
  skipSequence(p) {
    for (;;) {
      const h = this.header(p);
      if (h.tag === 0xfffee0dd) return h.value;
      if (h.tag !== 0xfffee000) throw new Error(`expected an item at ${p}`);
      p = h.length === UNDEFINED ? this.skipItem(h.value) : h.value + h.length;
    }
  }
  skipItem(p) {
    for (;;) {
      const h = this.header(p);
      if (h.tag === 0xfffee00d) return h.value;
      p = h.length === UNDEFINED ? this.skipSequence(h.value) : h.value + h.length;
    }
  }
}

/**
 * A fixture split into what mutations edit: the File Meta Information, the dataset (inflated if
 * it was deflated) up to Pixel Data, the pixel data (fragments or the native value) and what
 * follows it.
 */
export function parseSeed(name, bytes) {
  if (bytes.length < 144 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') throw new Error(`${name}: not Part 10`);
  const metaReader = new Reader(bytes, true, true);
  let p = 132;
  let transferSyntaxUID;
  for (;;) {
    const h = metaReader.header(p);
    if (h.tag >>> 16 !== 0x0002) break;
    if (h.tag === 0x00020010) transferSyntaxUID = new TextDecoder().decode(bytes.subarray(h.value, h.value + h.length)).replace(/[\0 ]+$/, '');
    p = h.value + h.length;
  }
  const meta = bytes.slice(0, p);
  let dataset = bytes.subarray(p);
  if (transferSyntaxUID === DEFLATED) dataset = inflateSync(dataset);
  const reader = new Reader(dataset, transferSyntaxUID !== BIG_ENDIAN, transferSyntaxUID !== IMPLICIT);
  const elements = new Map();
  let pixel;
  p = 0;
  while (p + 8 <= dataset.length) {
    const h = reader.header(p);
    if (h.tag === 0x7fe00010) {
      pixel = { start: p, header: dataset.slice(p, h.value) };
      if (h.length === UNDEFINED) {
        const items = [];
        let q = h.value;
        for (;;) {
          const item = reader.header(q);
          if (item.tag === 0xfffee0dd) { q = item.value; break; }
          items.push(dataset.slice(item.value, item.value + item.length));
          q = item.value + item.length;
        }
        pixel.bot = items[0];
        pixel.fragments = items.slice(1);
        pixel.end = q;
      } else {
        pixel.native = dataset.slice(h.value, h.value + h.length);
        pixel.end = h.value + h.length;
      }
      break;
    }
    elements.set(h.tag, h);
    p = h.length === UNDEFINED ? reader.skipSequence(h.value) : h.value + h.length;
  }
  if (!pixel) throw new Error(`${name}: no pixel data`);
  return {
    name,
    transferSyntaxUID,
    family: familyOf(transferSyntaxUID),
    meta,
    prefix: dataset.slice(0, pixel.start),
    pixel,
    suffix: dataset.slice(pixel.end),
    elements,
    littleEndian: reader.le,
    explicit: reader.explicit,
    values: (tag) => {
      const h = elements.get(tag);
      if (!h) return undefined;
      if (h.vr === 'US' || (!reader.explicit && h.length === 2)) return reader.u16(h.value);
      return new TextDecoder().decode(dataset.subarray(h.value, h.value + h.length)).trim();
    },
  };
}

/**
 * Seeds of the jpeg-2000 family from the conformance matrix (fixtures/j2k/, whose manifest lists
 * `cases`, not `fixtures`): reversible streams over every progression order, POC, precincts,
 * layers, tiles and tile-parts, SOP / EPH, PLT / TLM, code-block sizes and styles, 0 to 32 levels,
 * tiny and odd sizes, offsets, JP2, 8 to 16 bits signed and unsigned, 1 and 3 components.
 */
const J2K_SEEDS = [
  'ct_s16.opj-lrcp', 'rgb8.opj-rlcp', 'ct_s16.opj-rpcl', 'rgb8.opj-pcrl', 'ct_s16.opj-cprl', 'rgb8.opj-cprl',
  'tiny_1x1.opj', 'tiny_37x1.opj', 'tiny_3x7.grk', 'tiny_1x37.grk', 'mono_u8.grk-n33', 'ct_s12.opj-n1',
  'ct_s16.opj-prec16-cblk32', 'rgb8.opj-prec-tiles-pcrl', 'dx_u12.opj-prec-rect', 'ct_s16.opj-tiles48x40',
  'mono_u8.opj-tiles16', 'ct_s16.opj-tp-r', 'rgb8.opj-tp-c', 'dx_u12.opj-tp-l', 'ct_s16.opj-plt-tlm',
  'ct_s12.opj-cblk4x4', 'ct_s12.opj-cblk1024x4', 'ct_s12.opj-cblk4x1024', 'ct_s16.opj-M1', 'ct_s16.opj-M4',
  'ct_s16.opj-M63', 'rgb8.opj-M63-layers', 'ct_s16.grk-M38', 'ct_s16.opj-M8', 'ct_s16.opj-sop-eph',
  'rgb8.opj-sop-eph-tp', 'ct_s12.opj-eph-layers', 'dx_u12.grk-rpcl-prec-sop-eph', 'ct_s16.opj-poc', 'rgb8.opj-poc',
  'ct_s16.grk-poc', 'mono_s8.opj', 'rgb16.opj-rct', 'rgb12.opj-nomct', 'mono_u8.opj-offset', 'rgb8.opj-offset-tiles',
  'mono_u8.opj-jp2', 'dx_u12.gdcm-tiles', 'ct_s12.opj-M1-53-lossy', 'ct_s16.opj-layers-psnr',
];

/**
 * The conformance seeds, and for those with SOP and EPH on every packet the same stream with its
 * packet headers packed into PPT marker segments (`<name>#ppt`: no encoder here writes PPT; the
 * conversion was checked against opj_decompress, which decodes both to the same samples).
 */
function conformanceSeeds() {
  const url = new URL('j2k/manifest.json', FIXTURES);
  if (!existsSync(url)) return [];
  const wanted = new Set(J2K_SEEDS.map((name) => `dicom/${name}.dcm`));
  const seeds = [];
  for (const entry of JSON.parse(readFileSync(url, 'utf8')).cases ?? []) {
    if (!wanted.has(entry.file)) continue;
    const name = `j2k/${entry.file}`;
    const seed = { ...parseSeed(name, new Uint8Array(readFileSync(new URL(name, FIXTURES)))), good: true, conformance: true };
    seeds.push(seed);
    if (entry.features.includes('sop') && entry.features.includes('eph') && seed.pixel.fragments?.length === 1) {
      const packed = packHeaders(seed.pixel.fragments[0]);
      if (packed) seeds.push({ ...seed, name: `${name}#ppt`, pixel: { ...seed.pixel, fragments: [packed] } });
    }
  }
  return seeds;
}

/** Every fixture of every family (fuzz findings excluded), as seeds. */
export function loadSeeds() {
  const seeds = [];
  const add = (file, good) => {
    try {
      seeds.push({ ...parseSeed(file, new Uint8Array(readFileSync(new URL(file, FIXTURES)))), good });
    } catch {
      // bad fixtures that are not Part 10 with pixel data are not seeds
    }
  };
  const manifests = ['manifest.json'];
  for (const entry of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== 'fuzz' && existsSync(new URL(`${entry.name}/manifest.json`, FIXTURES))) {
      manifests.push(`${entry.name}/manifest.json`);
    }
  }
  for (const manifest of manifests) {
    const base = manifest.includes('/') ? manifest.slice(0, manifest.indexOf('/') + 1) : '';
    const parsed = JSON.parse(readFileSync(new URL(manifest, FIXTURES), 'utf8'));
    for (const entry of parsed.fixtures) add(base + entry.file, true);
    for (const entry of parsed.bad ?? []) add(base + entry.file, false);
  }
  seeds.push(...conformanceSeeds());
  return seeds;
}

/** The seeds a family mutates (a seed's `good`: a valid fixture, whose decode is a sentinel). */
export function familySeeds(seeds, family) {
  if (family === 'dicomweb') return loadWebSeeds();
  // The Part 10 reader gains nothing from 50 more files of one layout: the conformance seeds are the codec's.
  return family === 'dataset' ? seeds.filter((seed) => !seed.conformance) : seeds.filter((seed) => seed.family === family);
}

// ------------------------------------------------------------------ planning a case

const PIXEL_TAGS = {
  samplesPerPixel: 0x00280002,
  photometric: 0x00280004,
  planar: 0x00280006,
  frames: 0x00280008,
  rows: 0x00280010,
  columns: 0x00280011,
  bitsAllocated: 0x00280100,
  bitsStored: 0x00280101,
  highBit: 0x00280102,
  pixelRepresentation: 0x00280103,
  rescaleIntercept: 0x00281052,
  rescaleSlope: 0x00281053,
  windowCenter: 0x00281050,
  windowWidth: 0x00281051,
};
const US_LIES = [0, 1, 2, 3, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 64, 255, 256, 4096, 8193, 32768, 46341, 65535];
const IS_LIES = ['0', '1', '2', '3', '-1', '4', '1000', '65536', '2147483647', '2147483648', '4294967296', 'abc', '1e9', ''];
const DS_LIES = ['0', '-1', '1', '1e308', '-1e308', 'NaN', 'abc', '1e-308', '65535', '-32768', ''];
const PHOTOMETRIC = ['MONOCHROME1', 'MONOCHROME2', 'RGB', 'PALETTE COLOR', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT',
  'YBR_PARTIAL_420', 'ARGB', 'CMYK', 'HSV', 'XYZ', ''];
const WORD_LIES = [0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];
const DWORD_LIES = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 8192, 65535, 65536, 46341];

function attributeOp(rand) {
  const tag = pick(rand, Object.values(PIXEL_TAGS));
  switch (tag) {
    case PIXEL_TAGS.photometric: return { op: 'attr', tag, text: pick(rand, PHOTOMETRIC) };
    case PIXEL_TAGS.frames: return { op: 'attr', tag, text: pick(rand, IS_LIES) };
    case PIXEL_TAGS.rescaleIntercept: case PIXEL_TAGS.rescaleSlope: case PIXEL_TAGS.windowCenter: case PIXEL_TAGS.windowWidth:
      return { op: 'attr', tag, text: pick(rand, DS_LIES) };
    default:
      return { op: 'attr', tag, us: rand() < 0.8 ? pick(rand, US_LIES) : int(rand, 65536) };
  }
}

/** Byte offsets just after JPEG / JPEG 2000 markers in the first 2 KB of a codestream. */
function markerOffsets(bytes) {
  const found = [];
  const end = Math.min(bytes.length - 1, 2048);
  for (let i = 0; i < end; i++) if (bytes[i] === 0xff && bytes[i + 1] > 0x01 && bytes[i + 1] !== 0xff) found.push(i + 2);
  return found;
}

/**
 * The top-level boxes of a JPEG XL container (ISO/IEC 18181-2): where each starts, its type and
 * where its payload lies; none for a bare codestream.
 */
function jxlBoxes(bytes) {
  const out = [];
  if (!(bytes.length >= 12 && bytes[3] === 12 && String.fromCharCode(...bytes.subarray(4, 8)) === 'JXL ')) return out;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = dv.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const end = size === 0 ? bytes.length : Math.min(bytes.length, at + size);
    if (size !== 0 && size < 8) break;
    out.push({ at, type, payload: at + 8, end });
    at = end;
  }
  return out;
}

function fragmentOp(rand, seed, donors) {
  const fragments = seed.pixel.fragments;
  const frag = int(rand, Math.max(1, fragments.length));
  const bytes = fragments[frag] ?? new Uint8Array(0);
  const n = Math.max(1, bytes.length);
  // Headers are where lies are; bias positions towards the start of a codestream.
  const position = () => (rand() < 0.5 ? int(rand, Math.min(n, 512)) : int(rand, n));
  const kind = weighted(rand, [
    ['truncate', 10], ['flip', 20], ['set', 10], ['word', 18], ['delete', 6], ['duplicate', 5], ['insert', 5],
    ['splice', 6], ['split', 4], ['drop', 3], ['repeat', 3], ['empty', 2], ['bot', 4], ['ts', 4], ['dims', 6],
    ...(seed.family === 'jpeg-2000' ? [['j2k', 60]] : []),
  ]);
  switch (kind) {
    case 'j2k': return j2kOp(rand, seed, frag, bytes) ?? { op: 'frag-flip', frag, bits: [position() * 8 + int(rand, 8)] };
    case 'truncate': return { op: 'frag-truncate', frag, at: rand() < 0.3 ? int(rand, 64) : int(rand, n) };
    case 'flip': {
      // JPEG XL JPEG recompression: half the flips land in the jbrd box (the JPEG's reconstruction data).
      const jbrd = seed.family === 'jpeg-xl' ? jxlBoxes(bytes).find((box) => box.type === 'jbrd' && box.end > box.payload) : undefined;
      const at = jbrd && rand() < 0.5 ? () => jbrd.payload + int(rand, jbrd.end - jbrd.payload) : position;
      return { op: 'frag-flip', frag, bits: Array.from({ length: 1 + int(rand, 8) }, () => at() * 8 + int(rand, 8)) };
    }
    case 'set': return { op: 'frag-set', frag, at: position(), bytes: Array.from({ length: 1 + int(rand, 4) }, () => pick(rand, [0, 0xff, int(rand, 256)])) };
    case 'word': {
      const marks = seed.family === 'rle' ? [] : markerOffsets(bytes);
      // RLE: the 64-byte header is sixteen little-endian uint32 (segment count and offsets).
      if (seed.family === 'rle') return { op: 'frag-word', frag, at: 4 * int(rand, 16), size: 4, le: true, value: rand() < 0.5 ? pick(rand, DWORD_LIES) : int(rand, 64) };
      // JPEG XL containers: a box's size (big-endian uint32 at its start) lies, or its type changes.
      const boxes = seed.family === 'jpeg-xl' ? jxlBoxes(bytes) : [];
      if (boxes.length && rand() < 0.6) {
        const box = pick(rand, boxes);
        if (rand() < 0.25) return { op: 'frag-word', frag, at: box.at + 4, size: 4, le: false, value: pick(rand, [0x6a786c70, 0x6a786c63, 0x6a627264, 0x45786966, 0x62726f62, 0]) };
        const size = box.end - box.at;
        return { op: 'frag-word', frag, at: box.at, size: 4, le: false, value: rand() < 0.5 ? pick(rand, DWORD_LIES) : Math.max(0, size + int(rand, 33) - 16) };
      }
      const at = marks.length ? pick(rand, marks) + 2 * int(rand, 12) : position();
      const size = rand() < 0.7 ? 2 : 4;
      return { op: 'frag-word', frag, at, size, le: false, value: pick(rand, size === 2 ? WORD_LIES : DWORD_LIES) };
    }
    case 'delete': return { op: 'frag-delete', frag, at: position(), length: 1 + int(rand, rand() < 0.5 ? 16 : n) };
    case 'duplicate': return { op: 'frag-duplicate', frag, at: position(), length: 1 + int(rand, 256), to: int(rand, n) };
    case 'insert': return { op: 'frag-insert', frag, at: position(), bytes: Array.from({ length: 1 + int(rand, 32) }, () => int(rand, 256)) };
    case 'splice': {
      const donor = pick(rand, donors);
      const dfrag = int(rand, Math.max(1, donor.pixel.fragments?.length ?? 1));
      return { op: 'frag-splice', frag, at: int(rand, n), donor: donor.name, donorFrag: dfrag, from: int(rand, 4096) };
    }
    case 'split': return { op: 'frags-split', frag, at: int(rand, n) };
    case 'drop': return { op: 'frags-drop', frag };
    case 'repeat': return { op: 'frags-repeat', frag };
    case 'empty': return { op: 'frags-empty', frag };
    case 'bot': return { op: 'bot', values: Array.from({ length: int(rand, 4) }, () => (rand() < 0.5 ? pick(rand, DWORD_LIES) : int(rand, 1 << 20))) };
    case 'dims': {
      // A consistent lie: the attributes and the codestream header claim the same larger frame.
      const [rows, columns] = pick(rand, [[2048, 2048], [1024, 4096], [4096, 1], [1, 65535], [8192, 8192], [46341, 46341], [65535, 65535], [1448, 1448]]);
      return { op: 'dims', rows, columns, tile: rand() < 0.4 ? pick(rand, [1, 2, 7, 64]) : 0 };
    }
    default: return { op: 'ts', uid: pick(rand, ALL_ENCAPSULATED) };
  }
}

// ------------------------------------------------------------------ JPEG 2000 structure

const structures = new WeakMap();
/** A fragment's codestream structure (fuzz/j2k.mjs), computed once per seed fragment. */
function structureOf(bytes) {
  if (!structures.has(bytes)) structures.set(bytes, j2kStructure(bytes));
  return structures.get(bytes);
}

const u16At = (bytes, at) => (bytes[at] << 8) | bytes[at + 1];
const u32At = (bytes, at) => ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
const u16Bytes = (v) => [(v >> 8) & 0xff, v & 0xff];
const u32Bytes = (v) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** A marker segment, as bytes: marker, Lxxx, body. */
const segmentBytes = (marker, body) => [...u16Bytes(marker), ...u16Bytes(body.length + 2), ...body];

/**
 * A mutation aimed at the structure of a JPEG 2000 codestream (fuzz/j2k.mjs finds it): lying
 * marker segment lengths; SIZ, COD / COC, QCD / QCC, POC and SOT fields (levels, code-block and
 * precinct exponents, layers, progression, tile size, Psot, components; SIZ sizes and Csiz with
 * the attributes agreeing); coding parameters in a tile-part header (levels other than the main
 * header's, another style); POC segments, also more than any decoder keeps; tile-parts dropped,
 * repeated or moved; trailing packets cut at a packet boundary with Psot fixed; packet header bits;
 * code-block data. Returns one op or a list (an op and what keeps it consistent: Psot, an
 * attribute), or undefined when the fragment is no codestream.
 */
function j2kOp(rand, seed, frag, bytes) {
  const s = structureOf(bytes);
  const info = j2kSummary(bytes, s);
  if (!info || s.tileParts.length === 0) return undefined;
  const parts = s.tileParts;
  const part = pick(rand, parts);
  const word = (at, size, value, field) => ({ op: 'frag-word', frag, at, size, le: false, value, field });
  // Psot 0 (the last tile-part, to EOC) needs no fix.
  const psotFix = (p, delta) => (p.psot === 0 ? undefined : word(p.at + 6, 4, p.psot + delta, 'SOT.Psot (kept consistent)'));
  const attr = (tag, us) => ({ op: 'attr', tag, us });
  const headerSegments = [...s.main, ...parts.flatMap((p) => p.segments)];
  const find = (marker) => headerSegments.filter((g) => g.marker === marker);
  const cods = find(MARKERS.COD);
  const siz = s.main.find((g) => g.marker === MARKERS.SIZ);
  const mainCod = s.main.find((g) => g.marker === MARKERS.COD);
  const kind = weighted(rand, [
    ['length', 6], ['siz', 8], ['siz-size', 3], ['csiz', 3], ['cod', 14], ['coc', 3], ['qcd', 6], ['poc', 4], ['poc-add', 5],
    ['tile-cod', 8], ['tile-segment', 3], ['sot', 8], ['tile-parts', 5], ['cut-packets', 4], ['header-bits', 12], ['block-data', 8],
  ]);
  switch (kind) {
    case 'length': {
      const g = pick(rand, headerSegments);
      const value = pick(rand, [0, 1, 2, 3, g.length - 1, g.length + 1, g.length - 2, g.length + 2, g.length + 1 + int(rand, 64), 0x8000, 0xffff]);
      return word(g.at + 2, 2, value, `L${markerName(g.marker)}`);
    }
    case 'siz': {
      const b = siz.body;
      const field = pick(rand, ['Rsiz', 'XOsiz', 'YOsiz', 'XTsiz', 'YTsiz', 'XTOsiz', 'YTOsiz', 'Ssiz', 'XRsiz', 'YRsiz']);
      const c = int(rand, info.components);
      switch (field) {
        case 'Rsiz': return word(b, 2, pick(rand, [0, 1, 2, 3, 0x4000, 0x8000, 0xffff]), field);
        case 'XOsiz': case 'YOsiz': return word(b + (field === 'XOsiz' ? 10 : 14), 4, pick(rand, [1, 2, 7, 64, 0x7fffffff, 0xffffffff]), field);
        case 'XTsiz': case 'YTsiz': return word(b + (field === 'XTsiz' ? 18 : 22), 4, pick(rand, [0, 1, 2, 3, 4, 7, 16, 33, 64, 255, 0x10000, 0x7fffffff, 0xffffffff]), field);
        case 'XTOsiz': case 'YTOsiz': return word(b + (field === 'XTOsiz' ? 26 : 30), 4, pick(rand, [1, 2, 16, 0xffffffff]), field);
        case 'Ssiz': return word(b + 36 + 3 * c, 1, pick(rand, [0x00, 0x06, 0x07, 0x08, 0x0b, 0x0f, 0x10, 0x1f, 0x25, 0x26, 0x7f, 0x80, 0x87, 0x8f, 0xff]), `Ssiz[${c}]`);
        default: return word(b + (field === 'XRsiz' ? 37 : 38) + 3 * c, 1, pick(rand, [0, 2, 3, 255]), `${field}[${c}]`);
      }
    }
    case 'siz-size': {
      // Xsiz / Ysiz other than the data was coded for, with the attributes agreeing.
      const across = rand() < 0.5;
      const old = across ? info.width : info.height;
      const size = Math.max(1, Math.min(65535, pick(rand, [1, 2, old - 1, old + 1, old >> 1, old * 2, old + 64])));
      const offset = u32At(bytes, siz.body + (across ? 10 : 14));
      return [word(siz.body + (across ? 2 : 6), 4, offset + size, across ? 'Xsiz' : 'Ysiz'), attr(across ? PIXEL_TAGS.columns : PIXEL_TAGS.rows, size)];
    }
    case 'csiz': {
      // Csiz other than the data's, with Samples per Pixel agreeing (the SIZ length lies or not).
      const count = pick(rand, [1, 2, 3, 4, 0]);
      const ops = [word(siz.body + 34, 2, count, 'Csiz'), attr(PIXEL_TAGS.samplesPerPixel, count)];
      if (rand() < 0.5) ops.push(word(siz.at + 2, 2, 38 + 3 * count, 'Lsiz (kept consistent)'));
      return ops;
    }
    case 'cod': {
      if (cods.length === 0) return undefined;
      const g = pick(rand, cods);
      return codField(rand, bytes, g.body, g.length, word, 'COD');
    }
    case 'coc': {
      const cocs = find(MARKERS.COC);
      if (cocs.length === 0) {
        // A COC for a component, in the main header: a copy of COD's SPcod with a field changed.
        if (!mainCod) return undefined;
        const spcod = [...bytes.subarray(mainCod.body + 5, mainCod.at + 2 + mainCod.length)];
        mutateStyle(rand, spcod);
        const body = [int(rand, Math.max(1, info.components + (rand() < 0.2 ? 2 : 0))), bytes[mainCod.body] & 1, ...spcod];
        return { op: 'frag-insert', frag, at: parts[0].at, bytes: segmentBytes(MARKERS.COC, body), field: 'COC added' };
      }
      const g = pick(rand, cocs);
      return codField(rand, bytes, g.body + 1, g.length - 1, word, 'COC', true);
    }
    case 'qcd': {
      const qs = [...find(MARKERS.QCD), ...find(MARKERS.QCC)];
      const g = pick(rand, qs);
      const body = g.body + (g.marker === MARKERS.QCC ? 1 : 0);
      const end = g.at + 2 + g.length;
      if (rand() < 0.4) return word(body, 1, pick(rand, [0x00, 0x01, 0x02, 0x03, 0x1f, 0x20, 0x40, 0x41, 0x42, 0xe0, 0xff]), `S${markerName(g.marker).toLowerCase()}`);
      const at = body + 1 + int(rand, Math.max(1, end - body - 1));
      return word(Math.min(at, end - 1), 1, pick(rand, [0x00, 0x08, 0x48, 0x78, 0xf8, 0xff, int(rand, 256)]), `SP${markerName(g.marker).toLowerCase()}`);
    }
    case 'poc': {
      const pocs = find(MARKERS.POC);
      if (pocs.length === 0) return pocAdd(rand, parts, info, frag);
      const g = pick(rand, pocs);
      const entries = Math.max(1, Math.floor((g.length - 2) / 7));
      const e = g.body + 7 * int(rand, entries);
      const field = pick(rand, ['RSpoc', 'CSpoc', 'LYEpoc', 'REpoc', 'CEpoc', 'Ppoc']);
      const offset = { RSpoc: 0, CSpoc: 1, LYEpoc: 2, REpoc: 4, CEpoc: 5, Ppoc: 6 }[field];
      if (field === 'LYEpoc') return word(e + 2, 2, pick(rand, [0, 1, info.layers + 1, 255, 65535]), field);
      return word(e + offset, 1, pick(rand, [0, 1, 2, 3, 4, 5, info.levels, info.levels + 1, 33, 255]), field);
    }
    case 'poc-add': return pocAdd(rand, parts, info, frag);
    case 'tile-cod': {
      // The first tile-part of a tile gets its own COD (or QCD): fewer or more levels than the
      // main header's (a reduced resolution beyond a tile's levels), another code-block style,
      // order, layers or precincts. Psot grows to match.
      if (!mainCod) return undefined;
      const firsts = parts.filter((p, i) => parts.findIndex((q) => q.index === p.index) === i);
      const p = pick(rand, firsts);
      const body = [...bytes.subarray(mainCod.body, mainCod.at + 2 + mainCod.length)];
      const levelsNow = body[5];
      const field = pick(rand, ['levels', 'levels', 'levels', 'style', 'order', 'layers', 'precincts', 'blocks']);
      if (field === 'levels') {
        const levels = pick(rand, [0, 1, Math.max(0, levelsNow - 1), levelsNow + 1, 32]);
        body[5] = levels;
        // QCD must cover the new subbands: a QCD with enough exponents goes along.
        const precincts = (body[0] & 1) !== 0;
        body.length = 10;
        if (precincts) for (let r = 0; r <= levels; r++) body.push(r === 0 ? 0x77 : 0x88);
        const qcd = [0x40, ...Array.from({ length: 3 * levels + 1 }, () => (info.components > 0 ? 0x50 : 0))];
        const inserted = [...segmentBytes(MARKERS.COD, body), ...(rand() < 0.8 ? segmentBytes(MARKERS.QCD, qcd) : [])];
        return [{ op: 'frag-insert', frag, at: p.at + 12, bytes: inserted, field: `tile COD levels ${levels}` }, psotFix(p, inserted.length)];
      }
      if (field === 'style') body[8] = pick(rand, [1, 2, 4, 8, 16, 32, 63, 0x40, 0xff]);
      else if (field === 'order') body[1] = pick(rand, [0, 1, 2, 3, 4, 5]);
      else if (field === 'layers') [body[2], body[3]] = u16Bytes(pick(rand, [0, 2, 255, 65535]));
      else if (field === 'blocks') [body[6], body[7]] = [int(rand, 9), int(rand, 9)];
      else {
        body[0] |= 1;
        body.length = 10;
        for (let r = 0; r <= levelsNow; r++) body.push(pick(rand, [0x00, 0x11, 0x22, 0x55, 0xff, int(rand, 256)]));
      }
      const inserted = segmentBytes(MARKERS.COD, body);
      return [{ op: 'frag-insert', frag, at: p.at + 12, bytes: inserted, field: `tile COD ${field}` }, psotFix(p, inserted.length)];
    }
    case 'tile-segment': {
      // Another marker segment in a tile-part header: PPT junk, COC / QCC / RGN for a component,
      // a PLT, a COM; Psot fixed or not.
      const which = pick(rand, ['PPT', 'PPT', 'COC', 'QCC', 'RGN', 'PLT', 'COM', 'POC']);
      const junk = Array.from({ length: int(rand, 24) }, () => pick(rand, [0, 0xff, 0x80, int(rand, 256)]));
      const body = {
        PPT: [0, ...junk],
        COC: [int(rand, info.components), 0, int(rand, 34), int(rand, 9), int(rand, 9), int(rand, 256), int(rand, 2)],
        QCC: [int(rand, info.components), pick(rand, [0x40, 0x42, 0x41]), ...junk],
        RGN: [int(rand, info.components), 0, int(rand, 40)],
        PLT: [0, ...junk],
        COM: [0, 1, ...junk],
        POC: [0, 0, 0, 1, 33, 3, int(rand, 5)],
      }[which];
      const inserted = segmentBytes(MARKERS[which], body);
      const at = part.sod;
      const ops = [{ op: 'frag-insert', frag, at, bytes: inserted, field: `tile-part ${which}` }];
      if (rand() < 0.85) ops.push(psotFix(part, inserted.length));
      return ops;
    }
    case 'sot': {
      const field = pick(rand, ['Isot', 'Psot', 'Psot', 'TPsot', 'TNsot']);
      const tiles = new Set(parts.map((p) => p.index)).size;
      if (field === 'Isot') return word(part.at + 4, 2, pick(rand, [0, part.index + 1, tiles, tiles - 1, 65534, 65535]), field);
      if (field === 'Psot') return word(part.at + 6, 4, pick(rand, [0, 1, 13, 14, part.psot - 1, part.psot + 1, part.psot - 2, part.psot * 2, 0x7fffffff, 0xffffffff, part.sod + 2 - part.at]), field);
      return word(part.at + (field === 'TPsot' ? 10 : 11), 1, pick(rand, [0, 1, 2, 255]), field);
    }
    case 'tile-parts': {
      const length = part.end - part.at;
      const how = pick(rand, ['drop', 'repeat', 'move']);
      if (how === 'drop') return { op: 'frag-delete', frag, at: part.at, length, field: 'tile-part dropped' };
      const to = pick(rand, parts).at;
      const copy = { op: 'frag-duplicate', frag, at: part.at, length, to, field: `tile-part ${how === 'repeat' ? 'repeated' : 'moved'}` };
      if (how === 'repeat') return copy;
      return [copy, { op: 'frag-delete', frag, at: to <= part.at ? part.at + length : part.at, length, field: 'tile-part moved' }];
    }
    case 'cut-packets': {
      // Data ending at a packet boundary (a stream cut by rate): the trailing packets of a
      // tile-part dropped, Psot fixed. Without SOP markers, at a random point of the data.
      const from = part.sop.length > 1 && rand() < 0.8 ? pick(rand, part.sop.slice(1)) : part.sod + 2 + int(rand, Math.max(1, part.end - part.sod - 2));
      const length = part.end - from;
      return [{ op: 'frag-delete', frag, at: from, length, field: 'trailing packets cut' }, psotFix(part, -length)];
    }
    case 'header-bits': {
      // Packet headers: the first after SOD, one after a SOP marker, one before an EPH marker, or
      // in a PPT segment.
      const ppts = part.segments.filter((g) => g.marker === MARKERS.PPT && g.length > 3);
      let at;
      if (ppts.length && rand() < 0.7) {
        const g = pick(rand, ppts);
        at = g.body + 1 + int(rand, g.length - 3);
      } else if (part.sop.length && rand() < 0.6) at = pick(rand, part.sop) + 6 + int(rand, 4);
      else if (part.eph.length && rand() < 0.5) at = Math.max(part.sod + 2, pick(rand, part.eph) - 1 - int(rand, 4));
      else at = part.sod + 2 + int(rand, 6);
      if (at >= part.end) at = part.sod + 2;
      if (rand() < 0.6) return { op: 'frag-flip', frag, bits: Array.from({ length: 1 + int(rand, 3) }, () => (at + int(rand, 2)) * 8 + int(rand, 8)), field: 'packet header' };
      return { op: 'frag-set', frag, at, bytes: [pick(rand, [0x00, 0xff, 0x80, 0x7f, 0xc0, 0xfe, int(rand, 256)])], field: 'packet header' };
    }
    default: {
      // Code-block data: after an EPH marker, or anywhere in the tile-part's data past its start;
      // runs of 0xFF (marker-like), zeros or noise, or a fake marker.
      const from = part.eph.length && rand() < 0.6 ? pick(rand, part.eph) + 2 : part.sod + 2 + int(rand, Math.max(1, part.end - part.sod - 2));
      const at = Math.min(from + int(rand, 16), Math.max(part.sod + 2, part.end - 1));
      const run = 1 + int(rand, rand() < 0.7 ? 4 : 64);
      const fill = pick(rand, ['ff', '00', 'noise', 'marker']);
      const value = () => (fill === 'ff' ? 0xff : fill === '00' ? 0 : int(rand, 256));
      if (fill === 'marker') return { op: 'frag-set', frag, at, bytes: [0xff, pick(rand, [0x90, 0x91, 0x92, 0x93, 0xd9, 0x8f, 0x7f])], field: 'code-block data' };
      return { op: 'frag-set', frag, at, bytes: Array.from({ length: run }, value), field: 'code-block data' };
    }
  }
}

/** A field of COD's SGcod / SPcod (or COC's SPcoc: no SGcod) at `body` (Scod first). */
function codField(rand, bytes, body, length, word, name, coc = false) {
  const field = pick(rand, coc ? ['Scoc', 'levels', 'xcb', 'ycb', 'style', 'wavelet', 'precincts'] : ['Scod', 'order', 'layers', 'mct', 'levels', 'levels', 'xcb', 'ycb', 'style', 'wavelet', 'precincts']);
  const sp = body + (coc ? 1 : 5);
  switch (field) {
    case 'Scod': case 'Scoc': return word(body, 1, pick(rand, [0, 1, 2, 3, 4, 5, 6, 7, 0xf8, 0xff]), `${name}.${field}`);
    case 'order': return word(body + 1, 1, pick(rand, [0, 1, 2, 3, 4, 5, 0xff]), `${name}.order`);
    case 'layers': return word(body + 2, 2, pick(rand, [0, 1, 2, 3, 255, 256, 4096, 65535]), `${name}.layers`);
    case 'mct': return word(body + 4, 1, pick(rand, [0, 1, 2, 0xff]), `${name}.mct`);
    case 'levels': return word(sp, 1, pick(rand, [0, 1, 2, 3, 4, 5, 6, 7, 10, 15, 31, 32, 33, 255]), `${name}.levels`);
    case 'xcb': case 'ycb': return word(sp + (field === 'xcb' ? 1 : 2), 1, pick(rand, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xff]), `${name}.${field}`);
    case 'style': return word(sp + 3, 1, pick(rand, [0, 1, 2, 4, 8, 16, 32, 5, 63, 64, 0x80, 0xff, int(rand, 256)]), `${name}.style`);
    case 'wavelet': return word(sp + 4, 1, pick(rand, [0, 1, 2, 0xff]), `${name}.wavelet`);
    default: {
      const end = body - 4 + 2 + length; // the segment's end (body - 4 is the marker for COD)
      const first = sp + 5;
      const at = end > first ? first + int(rand, end - first) : first;
      return word(Math.min(at, end - 1), 1, pick(rand, [0x00, 0x01, 0x10, 0x11, 0x22, 0x0f, 0xf0, 0xff, 0x88, int(rand, 256)]), `${name}.precincts`);
    }
  }
}

/** SPcod / SPcoc bytes (levels first) with one field changed. */
function mutateStyle(rand, sp) {
  const i = int(rand, Math.min(5, sp.length));
  sp[i] = [pick(rand, [0, 1, 5, 32, 33]), int(rand, 10), int(rand, 10), int(rand, 256), int(rand, 3)][i];
}

/**
 * A POC segment added to the main header (before the first SOT) or to a tile's first tile-part
 * header: one to a few entries, or hundreds (more than OpenJPEG's 32), over any range.
 */
function pocAdd(rand, parts, info, frag) {
  const many = rand() < 0.25;
  const count = many ? pick(rand, [31, 32, 33, 64, 500, 9000]) : 1 + int(rand, 6);
  const entry = () => [
    rand() < 0.7 ? 0 : int(rand, info.levels + 2),
    rand() < 0.7 ? 0 : int(rand, info.components + 1),
    ...u16Bytes(pick(rand, [1, info.layers, info.layers + 1, 65535, int(rand, info.layers + 1)])),
    pick(rand, [info.levels + 1, 33, 1, int(rand, info.levels + 2), 255]),
    pick(rand, [info.components, 0, 255, 1 + int(rand, info.components)]),
    pick(rand, [0, 1, 2, 3, 4, int(rand, 5), 5]),
  ];
  const one = entry();
  const body = Array.from({ length: count }, () => (many && rand() < 0.9 ? one : entry())).flat();
  // Lpoc is 16 bits: at most 9361 entries of 7 bytes.
  const limited = body.slice(0, 7 * Math.floor(65533 / 7));
  const bytes = segmentBytes(MARKERS.POC, limited);
  if (rand() < 0.6) return { op: 'frag-insert', frag, at: parts[0].at, bytes, field: `main POC ×${limited.length / 7}` };
  const p = pick(rand, parts);
  const insert = { op: 'frag-insert', frag, at: p.at + 12, bytes, field: `tile POC ×${limited.length / 7}` };
  return p.psot === 0 ? insert : [insert, { op: 'frag-word', frag, at: p.at + 6, size: 4, le: false, value: p.psot + bytes.length, field: 'SOT.Psot (kept consistent)' }];
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf, 0xf7]);

/** The frame size in a codestream's header: J2K SIZ (and its tile size), JPEG / JPEG-LS SOF. */
function patchDimensions(f, rows, columns, tile) {
  const out = f.slice();
  const dv = new DataView(out.buffer);
  for (let i = 0; i + 12 < Math.min(out.length, 4096); i++) {
    if (out[i] !== 0xff) continue;
    if (out[i + 1] === 0x51 && i + 30 <= out.length) {
      dv.setUint32(i + 6, columns);
      dv.setUint32(i + 10, rows);
      dv.setUint32(i + 22, tile || columns);
      dv.setUint32(i + 26, tile || rows);
      return out;
    }
    if (SOF_MARKERS.has(out[i + 1])) {
      dv.setUint16(i + 5, rows);
      dv.setUint16(i + 7, columns);
      return out;
    }
  }
  return out;
}

function fileOp(rand, length) {
  const kind = weighted(rand, [['truncate', 4], ['flip', 4], ['set', 2]]);
  if (kind === 'truncate') return { op: 'file-truncate', at: rand() < 0.5 ? length - 1 - int(rand, Math.min(length, 600)) : int(rand, length) };
  if (kind === 'flip') return { op: 'file-flip', bits: Array.from({ length: 1 + int(rand, 6) }, () => int(rand, length * 8)) };
  return { op: 'file-set', at: int(rand, length), byte: pick(rand, [0, 0xff, int(rand, 256)]) };
}

/** A case's plan: one to four mutations of one seed of the family. */
export function planCase(seedBase, family, index, pool, donors) {
  const rand = caseRandom(seedBase, family, index);
  if (family === 'dicomweb') return planWebCase(rand, index, pool);
  const seed = pick(rand, pool);
  const length = seed.meta.length + seed.prefix.length + 64 + (seed.pixel.native?.length ?? 0) +
    (seed.pixel.fragments?.reduce((n, f) => n + f.length + 8, 0) ?? 0);
  const ops = [];
  const count = 1 + int(rand, rand() < 0.7 ? 2 : 4);
  for (let i = 0; i < count; i++) {
    if (family === 'dataset') {
      const kind = weighted(rand, [['attr', 6], ['file', 6], ['value-truncate', 2], ['random', 1]]);
      if (kind === 'attr') ops.push(attributeOp(rand));
      else if (kind === 'file') ops.push(fileOp(rand, length));
      else if (kind === 'value-truncate') ops.push({ op: 'value-truncate', index: int(rand, 64), keep: int(rand, 8) });
      else ops.push({ op: 'random', length: int(rand, 1024), seed: int(rand, 2 ** 31) });
    } else if (seed.pixel.native) {
      const kind = weighted(rand, [['attr', 5], ['native', 3], ['file', 2]]);
      if (kind === 'attr') ops.push(attributeOp(rand));
      else if (kind === 'file') ops.push(fileOp(rand, length));
      else ops.push(rand() < 0.6 ? { op: 'native-truncate', at: int(rand, seed.pixel.native.length) } : { op: 'native-extend', length: 1 + int(rand, 4096) });
    } else {
      const kind = weighted(rand, [['frag', 14], ['attr', 4], ['file', 1]]);
      if (kind === 'attr') ops.push(attributeOp(rand));
      else if (kind === 'file') ops.push(fileOp(rand, length));
      else ops.push(...[fragmentOp(rand, seed, donors)].flat().filter(Boolean));
    }
  }
  const options = {};
  const r = rand();
  if (r < 0.15) options.modalityLut = false;
  else if (r < 0.25) options.thumbnail = 24 + int(rand, 64);
  if ((family === 'jpeg-2000' || family === 'htj2k') && rand() < 0.25) options.resolutionLevel = int(rand, 4);
  return { family, index, seed: seed.name, ops, options };
}

// ------------------------------------------------------------------ building a case

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function encodeText(text, vr) {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length % 2 === 0) return bytes;
  return concat([bytes, new Uint8Array([vr === 'UI' ? 0 : 0x20])]);
}

/** Header of element `tag` with `vr` and `length` in the seed's encoding. */
function elementHeader(seed, tag, vr, length) {
  const long = !seed.explicit || LONG_VRS.has(vr);
  const out = new Uint8Array(seed.explicit && long ? 12 : 8);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, tag >>> 16, seed.littleEndian);
  dv.setUint16(2, tag & 0xffff, seed.littleEndian);
  if (seed.explicit) {
    out[4] = vr.charCodeAt(0);
    out[5] = vr.charCodeAt(1);
    if (long) dv.setUint32(8, length, seed.littleEndian);
    else dv.setUint16(6, length, seed.littleEndian);
  } else {
    dv.setUint32(4, length, seed.littleEndian);
  }
  return out;
}

const VR_OF = {
  [PIXEL_TAGS.photometric]: 'CS', [PIXEL_TAGS.frames]: 'IS', [PIXEL_TAGS.rescaleIntercept]: 'DS',
  [PIXEL_TAGS.rescaleSlope]: 'DS', [PIXEL_TAGS.windowCenter]: 'DS', [PIXEL_TAGS.windowWidth]: 'DS',
};

function item(tag, payload) {
  const head = new Uint8Array(8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, 0xfffe, true);
  dv.setUint16(2, tag, true);
  dv.setUint32(4, payload.length, true);
  return [head, payload];
}

/** The file a plan describes. `seeds` maps names to parsed seeds (for splices). */
export function buildCase(plan, seeds) {
  const seed = seeds.get(plan.seed);
  let transferSyntaxUID = seed.transferSyntaxUID;
  // Attribute edits: replace (or add before Pixel Data) whole elements of the dataset prefix.
  const edits = new Map();
  let fragments = seed.pixel.fragments?.slice();
  let bot = seed.pixel.bot;
  let native = seed.pixel.native;
  const valueTruncations = [];
  const fileOps = [];
  const clampAt = (at, length) => (length === 0 ? 0 : at % (length + 1));
  const withFragment = (frag, edit) => {
    if (!fragments || fragments.length === 0) return;
    const i = frag % fragments.length;
    fragments[i] = edit(fragments[i]);
  };
  for (const op of plan.ops) {
    switch (op.op) {
      case 'attr': {
        const vr = VR_OF[op.tag] ?? 'US';
        let value;
        if (op.us !== undefined) {
          value = new Uint8Array(2);
          new DataView(value.buffer).setUint16(0, op.us, seed.littleEndian);
        } else {
          value = encodeText(op.text, vr);
        }
        edits.set(op.tag, { vr, value });
        break;
      }
      case 'value-truncate': valueTruncations.push(op); break;
      case 'dims': {
        for (const [tag, v] of [[PIXEL_TAGS.rows, op.rows], [PIXEL_TAGS.columns, op.columns]]) {
          const value = new Uint8Array(2);
          new DataView(value.buffer).setUint16(0, v, seed.littleEndian);
          edits.set(tag, { vr: 'US', value });
        }
        if (fragments?.length) fragments[0] = patchDimensions(fragments[0], op.rows, op.columns, op.tile);
        break;
      }
      case 'ts': if (fragments) transferSyntaxUID = op.uid; break;
      case 'frag-truncate': withFragment(op.frag, (f) => f.slice(0, clampAt(op.at, f.length))); break;
      case 'frag-flip': withFragment(op.frag, (f) => {
        const out = f.slice();
        if (out.length) for (const bit of op.bits) out[(bit >>> 3) % out.length] ^= 1 << (bit & 7);
        return out;
      }); break;
      case 'frag-set': withFragment(op.frag, (f) => {
        const out = f.slice();
        op.bytes.forEach((b, k) => { if (out.length) out[(op.at + k) % out.length] = b; });
        return out;
      }); break;
      case 'frag-word': withFragment(op.frag, (f) => {
        if (op.at + op.size > f.length) return f;
        const out = f.slice();
        const dv = new DataView(out.buffer);
        if (op.size === 1) out[op.at] = op.value & 0xff;
        else if (op.size === 2) dv.setUint16(op.at, op.value & 0xffff, op.le);
        else dv.setUint32(op.at, op.value >>> 0, op.le);
        return out;
      }); break;
      case 'frag-delete': withFragment(op.frag, (f) => {
        const at = clampAt(op.at, f.length);
        return concat([f.subarray(0, at), f.subarray(at + op.length)]);
      }); break;
      case 'frag-duplicate': withFragment(op.frag, (f) => {
        const at = clampAt(op.at, f.length);
        const to = clampAt(op.to, f.length);
        return concat([f.subarray(0, to), f.subarray(at, at + op.length), f.subarray(to)]);
      }); break;
      case 'frag-insert': withFragment(op.frag, (f) => {
        const at = clampAt(op.at, f.length);
        return concat([f.subarray(0, at), new Uint8Array(op.bytes), f.subarray(at)]);
      }); break;
      case 'frag-splice': withFragment(op.frag, (f) => {
        const donor = seeds.get(op.donor);
        const dfs = donor?.pixel.fragments;
        if (!dfs || dfs.length === 0) return f;
        const d = dfs[op.donorFrag % dfs.length];
        return concat([f.subarray(0, clampAt(op.at, f.length)), d.subarray(clampAt(op.from, d.length))]);
      }); break;
      case 'frags-split': if (fragments?.length) {
        const i = op.frag % fragments.length;
        const f = fragments[i];
        const at = clampAt(op.at, f.length);
        fragments.splice(i, 1, f.slice(0, at), f.slice(at));
      } break;
      case 'frags-drop': if (fragments?.length) fragments.splice(op.frag % fragments.length, 1); break;
      case 'frags-repeat': if (fragments?.length) { const i = op.frag % fragments.length; fragments.splice(i, 0, fragments[i]); } break;
      case 'frags-empty': if (fragments) fragments.splice(fragments.length ? op.frag % (fragments.length + 1) : 0, 0, new Uint8Array(0)); break;
      case 'bot': {
        bot = new Uint8Array(4 * op.values.length);
        op.values.forEach((v, k) => new DataView(bot.buffer).setUint32(4 * k, v >>> 0, true));
        break;
      }
      case 'native-truncate': if (native) native = native.slice(0, clampAt(op.at, native.length)); break;
      case 'native-extend': if (native) native = concat([native, new Uint8Array(op.length).fill(0xa5)]); break;
      case 'file-truncate': case 'file-flip': case 'file-set': case 'random': fileOps.push(op); break;
      default: throw new Error(`unknown op ${op.op}`);
    }
  }
  // The dataset prefix with edited elements (applied from the last so offsets stay valid).
  let prefix = seed.prefix;
  const present = [...seed.elements.values()].filter((h) => edits.has(h.tag)).sort((a, b) => b.start - a.start);
  for (const h of present) {
    const { vr, value } = edits.get(h.tag);
    const element = concat([elementHeader(seed, h.tag, seed.explicit ? h.vr : vr, value.length), value]);
    prefix = concat([prefix.subarray(0, h.start), element, prefix.subarray(h.value + h.length)]);
  }
  const added = [...edits.entries()].filter(([tag]) => !seed.elements.has(tag))
    .flatMap(([tag, { vr, value }]) => [elementHeader(seed, tag, vr, value.length), value]);
  if (valueTruncations.length) {
    // Shorten the value of the k-th element of the prefix (LUT data, descriptors, strings).
    const list = [...seed.elements.values()].filter((h) => h.length !== UNDEFINED && h.length > 0 && !edits.has(h.tag));
    const targets = [...new Set(valueTruncations.map((op) => list[op.index % list.length]))].sort((a, b) => b.start - a.start);
    for (const h of targets) {
      const op = valueTruncations.find((o) => list[o.index % list.length] === h);
      const keep = Math.min(h.length, op.keep);
      const element = concat([elementHeader(seed, h.tag, h.vr ?? 'OB', keep), prefix.subarray(h.value, h.value + keep)]);
      prefix = concat([prefix.subarray(0, h.start), element, prefix.subarray(h.value + h.length)]);
    }
  }
  let pixel;
  if (fragments) {
    pixel = [seed.pixel.header, ...item(0xe000, bot ?? new Uint8Array(0)), ...fragments.flatMap((f) => item(0xe000, f)), ...item(0xe0dd, new Uint8Array(0))];
  } else {
    const vr = seed.explicit ? String.fromCharCode(seed.pixel.header[4], seed.pixel.header[5]) : 'OB';
    pixel = [elementHeader(seed, 0x7fe00010, vr, native.length), native];
  }
  let dataset = concat([prefix, ...added, ...pixel, seed.suffix]);
  if (seed.transferSyntaxUID === DEFLATED) dataset = deflateSync(dataset, { level: 1 });
  let meta = seed.meta;
  if (transferSyntaxUID !== seed.transferSyntaxUID) meta = replaceTransferSyntax(meta, transferSyntaxUID);
  let file = concat([meta, dataset]);
  for (const op of fileOps) {
    if (op.op === 'random') {
      const rand = mulberry32(op.seed);
      file = Uint8Array.from({ length: op.length }, () => Math.floor(rand() * 256));
      if (op.seed & 1 && file.length > 132) file.set([0x44, 0x49, 0x43, 0x4d], 128);
    } else if (op.op === 'file-truncate') {
      file = file.slice(0, clampAt(op.at, file.length));
    } else if (op.op === 'file-flip') {
      if (file.length) for (const bit of op.bits) file[(bit >>> 3) % file.length] ^= 1 << (bit & 7);
    } else if (file.length) {
      file[op.at % file.length] = op.byte;
    }
  }
  return file;
}

/** File Meta Information with another Transfer Syntax UID (and its group length fixed). */
function replaceTransferSyntax(meta, uid) {
  const reader = new Reader(meta, true, true);
  let p = 132;
  while (p + 8 <= meta.length) {
    const h = reader.header(p);
    if (h.tag === 0x00020010) {
      const value = encodeText(uid, 'UI');
      const element = concat([elementHeader({ explicit: true, littleEndian: true }, h.tag, 'UI', value.length), value]);
      const out = concat([meta.subarray(0, p), element, meta.subarray(h.value + h.length)]);
      const group = reader.header(132);
      if (group.tag === 0x00020000) {
        const dv = new DataView(out.buffer);
        dv.setUint32(group.value, dv.getUint32(group.value, true) + value.length - h.length, true);
      }
      return out;
    }
    p = h.value + h.length;
  }
  return meta;
}
