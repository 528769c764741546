// DICOMweb fuzz cases: the instances of fixtures/dicomweb/ (DICOM JSON metadata, bulk data,
// frame bytes) as seeds, and seeded plans that mutate what a WADO-RS client reads from the
// network: the metadata JSON, the multipart/related frames answer, its Content-Type, and the
// bulk data answers. A plan is `{ family: 'dicomweb', index, seed, frames, ops, options }`; as in
// cases.mjs its ops are fully resolved, so the same plan always builds the same inputs and
// minimisation can drop ops one by one. What a plan builds is also what a finding is kept as
// (`webCaseFiles`): a JSON record of everything but the frames body, and the body beside it.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { int, mulberry32, pick, weighted } from './random.mjs';

const DICOMWEB = new URL('../fixtures/dicomweb/', import.meta.url);
const { TRANSFER_SYNTAXES } = await import(new URL('../dist/uids.js', import.meta.url).href);

/** Where the metadata came from: relative BulkDataURIs resolve against it. */
export const BASE_URL = 'http://fuzz.invalid/metadata';
const BOUNDARY = 'frames-b0undary';

// The media type a server sends each stored syntax's frames in (PS3.18 Table 8.7.3-5).
const MEDIA = {
  '1.2.840.10008.1.2.1': 'application/octet-stream',
  '1.2.840.10008.1.2.5': 'image/dicom-rle',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.201': 'image/jphc',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
};

// ------------------------------------------------------------------ seeds

/** Every attribute of a dataset, sequences' items too: its path (tags and item indices) and form. */
function attributePaths(dataset, prefix = [], out = []) {
  for (const [tag, attribute] of Object.entries(dataset)) {
    out.push({ path: [...prefix, tag], vr: attribute.vr, values: attribute.Value?.length ?? 0, bulk: attribute.BulkDataURI !== undefined });
    if (attribute.vr === 'SQ') (attribute.Value ?? []).forEach((item, i) => attributePaths(item, [...prefix, tag, i], out));
  }
  return out;
}

let webSeeds;

/** The cases of fixtures/dicomweb/cases.json as seeds (each a valid instance: a sentinel). */
export function loadWebSeeds() {
  webSeeds ??= JSON.parse(readFileSync(new URL('cases.json', DICOMWEB), 'utf8')).cases.map((entry) => {
    const dir = new URL(`cases/${entry.case}/`, DICOMWEB);
    const bulkDir = new URL('bulk/', dir);
    const bulk = {};
    if (existsSync(bulkDir)) for (const name of readdirSync(bulkDir).sort()) bulk[name] = new Uint8Array(readFileSync(new URL(name, bulkDir)));
    const metadata = JSON.parse(readFileSync(new URL('metadata.json', dir), 'utf8'));
    const frames = Array.from({ length: entry.frames }, (_, i) => new Uint8Array(readFileSync(new URL(`frames/${i + 1}.bin`, dir))));
    return {
      name: `dicomweb/cases/${entry.case}`,
      family: 'dicomweb',
      good: true,
      transferSyntaxUID: entry.transferSyntaxUID,
      metadata,
      bulk,
      frames,
      paths: attributePaths(metadata[0]),
    };
  });
  return webSeeds;
}

// ------------------------------------------------------------------ planning a case

/** Attributes the pixel rules read (with the VR to create them with where a case has none). */
const PIXEL_ATTRIBUTES = [
  ['00280002', 'US'], ['00280004', 'CS'], ['00280006', 'US'], ['00280008', 'IS'], ['00280010', 'US'], ['00280011', 'US'],
  ['00280100', 'US'], ['00280101', 'US'], ['00280102', 'US'], ['00280103', 'US'], ['00281052', 'DS'], ['00281053', 'DS'],
  ['00281050', 'DS'], ['00281051', 'DS'], ['00281101', 'US'], ['00281102', 'US'], ['00281103', 'US'], ['00281201', 'OW'],
  ['00281202', 'OW'], ['00281203', 'OW'], ['00020010', 'UI'], ['00083002', 'UI'], ['00280120', 'US'], ['00281054', 'LO'],
];
const BULK_ATTRIBUTES = [['00281201', 'OW'], ['00281202', 'OW'], ['00281203', 'OW'], ['00281221', 'OW'], ['00283006', 'US']];
const ALL_SYNTAXES = TRANSFER_SYNTAXES.map((ts) => ts.uid);
const NUMBER_LIES = [0, 1, 2, 3, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 64, 255, 256, 4096, 8193, 32768, 46341, 65535, 65536,
  -1, -2, -32768, -32769, 2147483647, 2147483648, 4294967295, 4294967296, 2 ** 53, 1e20, 1e300, 0.5, 1.5, -0.5];
// Numbers as a server's JSON text may have them: out of double range (Infinity once parsed), -0.
const RAW_LIES = ['1e400', '-1e400', '-0', '1E5', '0.0000001', '123456789012345678901234567890'];
const TEXT_LIES = ['MONOCHROME1', 'MONOCHROME2', 'RGB', 'PALETTE COLOR', 'YBR_FULL_422', 'YBR_RCT', 'ARGB', '', ' ', '512', 'abc',
  ' 16 ', '0x10', '1e3', 'NaN', 'Infinity', '-', '1\\2', ...ALL_SYNTAXES.slice(0, 8)];
// Values no attribute of the JSON model has: what String() or Number() of them does is the point.
const OTHER_LIES = [null, true, false, {}, [], [1, 2], { toString: 0 }, { valueOf: 0, toString: 0 }, { Alphabetic: 1 }, { vr: 'US' }];
const WHOLE_LIES = [512, '512', 'MONOCHROME2', {}, null, true, [], [null], [[1]], [{}], ['a', 'b', 'c'], { 0: 1, length: 1 }];
const VR_LIES = ['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'SV', 'UV', 'IS', 'DS', 'CS', 'LO', 'UI', 'OB', 'OW', 'UN', 'SQ', 'AT', 'PN',
  'UT', 'XX', '', 'U', 'USS', 'us', 1, null];
const INLINE_LIES = ['', 'A', 'AA', 'AAA', 'AAAA', '====', 'AA==AA==', 'AA AA', ' QUJD', 'QUJD\n', 'QUJD\r\nQUJD', '#$%&', 'ü',
  'QUJ', 'QUJDRA', '-_-_', 123, null, true, {}, [], { toString: 0 }];
const URI_LIES = ['bulk/nowhere', 'http://[', 'http://fuzz.invalid:99999/x', '', 'bulk/', 'data:application/octet-stream;base64,AAAA',
  '//other.invalid/bulk/00281201-0', 'BULK/00281201-0', 'bulk/%zz', 'bulk/00281201-0?x=1#y', `bulk/${'a'.repeat(9000)}`, ' ',
  'file:///dev/zero', 123, null, {}, [], { toString: 0 }, true];
const NEST_DEPTHS = [2, 16, 17, 64, 1000, 8000];
const NEST_TAGS = ['00081115', '00283010', '00283000', '52009230', '52009229'];
const ROOTS = ['bare', 'empty', 'null', 'twice', 'string', 'nested', 'number', 'keyed'];
const BULK_ANSWERS = ['raw', 'no-parts', 'no-boundary', 'wrong-boundary', 'truncated', 'text'];

function jsonOp(rand, seed) {
  const existing = () => pick(rand, seed.paths);
  const pixel = () => {
    const [tag, vr] = pick(rand, PIXEL_ATTRIBUTES);
    return { path: [tag], vr, values: seed.paths.find((p) => p.path.length === 1 && p.path[0] === tag)?.values ?? 0 };
  };
  const kind = weighted(rand, [['value', 8], ['vr', 2], ['delete', 2], ['inline', 2], ['uri', Object.keys(seed.bulk).length ? 3 : 1], ['nest', 0.7], ['root', 0.4]]);
  switch (kind) {
    case 'value': {
      const { path, vr, values } = rand() < 0.55 ? pixel() : existing();
      if (rand() < 0.2) {
        const whole = rand() < 0.7 ? { value: pick(rand, WHOLE_LIES) } : { huge: pick(rand, [300, 32767, 33000]), value: pick(rand, NUMBER_LIES) };
        return { op: 'json-value', path, vr, index: null, ...whole };
      }
      const index = int(rand, values + 1);
      const lie = weighted(rand, [['number', 6], ['raw', 1], ['text', 2], ['other', 2], ['long', 0.3]]);
      if (lie === 'raw') return { op: 'json-value', path, vr, index, raw: pick(rand, RAW_LIES) };
      if (lie === 'long') return { op: 'json-value', path, vr, index, value: pick(rand, ['7', 'A', '1\\']), repeat: pick(rand, [40000, 70000]) };
      return { op: 'json-value', path, vr, index, value: pick(rand, lie === 'number' ? NUMBER_LIES : lie === 'text' ? TEXT_LIES : OTHER_LIES) };
    }
    case 'vr': return { op: 'json-vr', ...pathOf(rand() < 0.6 ? pixel() : existing()), vr: pick(rand, VR_LIES) };
    case 'delete': return { op: 'json-delete', ...pathOf(rand() < 0.6 ? pixel() : existing()), key: pick(rand, [null, null, 'Value', 'vr']) };
    case 'inline': {
      const [tag, vr] = rand() < 0.6 ? pick(rand, BULK_ATTRIBUTES) : pick(rand, PIXEL_ATTRIBUTES);
      const names = Object.keys(seed.bulk);
      const from = weighted(rand, [['bulk', names.length ? 3 : 0], ['random', 2], ['text', 3]]);
      if (from === 'bulk') return { op: 'json-inline', path: [tag], vr, bulk: pick(rand, names), length: rand() < 0.5 ? null : int(rand, 7000) };
      if (from === 'random') return { op: 'json-inline', path: [tag], vr, random: pick(rand, [0, 1, 2, 3, 5, 6, 255, 511, 512, 513, 6001]), seed: int(rand, 2 ** 31) };
      return { op: 'json-inline', path: [tag], vr, text: pick(rand, INLINE_LIES) };
    }
    case 'uri': {
      const bulkPaths = seed.paths.filter((p) => p.bulk && p.path.at(-1) !== '7FE00010');
      const target = bulkPaths.length && rand() < 0.6 ? pick(rand, bulkPaths) : (([tag, vr]) => ({ path: [tag], vr }))(pick(rand, BULK_ATTRIBUTES));
      const names = Object.keys(seed.bulk);
      const uri = names.length && rand() < 0.3 ? `bulk/${pick(rand, names)}` : pick(rand, URI_LIES);
      return { op: 'json-uri', path: target.path, vr: target.vr, uri };
    }
    case 'nest': return { op: 'json-nest', path: [pick(rand, NEST_TAGS)], depth: pick(rand, NEST_DEPTHS), inner: pick(rand, ['bulk', 'lut', 'number']) };
    default: return { op: 'json-root', kind: pick(rand, ROOTS) };
  }
}

const pathOf = ({ path }) => ({ path });

const HEADER_LIES = [
  { text: 'X-Fuzz: ', pad: 9000 }, { text: 'X-Fuzz: ', pad: 8100 }, { bytes: [0x58, 0x3a, 0x20, 0xff, 0xfe] }, { bytes: [0x58, 0x3a, 0x20, 0xc3] },
  { text: 'no colon here' }, { text: 'Content-Type: image/jls' }, { text: ': empty name' }, { text: 'Content-Type:' },
  { text: 'content-type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.2' }, { text: 'Content-Length: 5' },
  { text: 'Content-Length: 99999999' }, { text: 'Content-Transfer-Encoding: base64' }, { text: '\t folded' }, { text: '' },
  { bytes: [0x00, 0x00] },
];

/** Content-Type lies of a frame part: other syntaxes and media, quoting, parameters without values. */
function partTypeLie(rand, seed) {
  const media = MEDIA[seed.transferSyntaxUID];
  const ts = seed.transferSyntaxUID;
  switch (int(rand, 4)) {
    case 0: return `${pick(rand, Object.values(MEDIA))}; transfer-syntax=${pick(rand, ALL_SYNTAXES)}`;
    case 1: return `${media}; transfer-syntax=${pick(rand, [...ALL_SYNTAXES, '1.2.3', '', '*', '"1.2.840.10008.1.2.4.80"', ` ${ts} `, `"${ts}`, ts.repeat(50)])}`;
    case 2: return pick(rand, ['image/jls', 'image/jp2', 'image/jpx', 'image/jpeg', 'image/dicom-rle', 'application/octet-stream', 'image/x-unknown', '',
      'IMAGE/JLS', 'image/jphc', 'image/jxl', 'application/dicom', 'multipart/related; boundary=x']);
    default: return pick(rand, [`${media}; transfer-syntax=${ts}; transfer-syntax=1.2.840.10008.1.2.5`, `${media};transfer-syntax`,
      `${media}; transfer-syntax=`, `${media}; Transfer-Syntax=${ts}`, `${media}; transfer-syntax=${ts}; type="image/jp2"`, `;;;${media}`]);
  }
}

function partOp(rand, seed, frames) {
  const part = int(rand, frames.length + 1);
  const length = seed.frames[(frames[part % frames.length] - 1) % seed.frames.length].length;
  const kind = weighted(rand, [['type', 3], ['no-type', 1], ['header', 2], ['drop', 1], ['dup', 1], ['swap', 0.5], ['body', 3]]);
  switch (kind) {
    case 'type': return { op: 'part-type', part, value: partTypeLie(rand, seed) };
    case 'no-type': return { op: 'part-no-type', part };
    case 'header': return { op: 'part-header', part, at: int(rand, 3), ...pick(rand, HEADER_LIES) };
    case 'drop': return { op: 'part-drop', part };
    case 'dup': return { op: 'part-dup', part };
    case 'swap': return { op: 'part-swap', part, with: int(rand, frames.length + 1) };
    default: {
      const edit = weighted(rand, [['truncate', 3], ['flip', 3], ['empty', 1], ['donor', 1], ['boundary', 1], ['extend', 1]]);
      if (edit === 'truncate') return { op: 'part-body', part, edit, at: int(rand, length) };
      if (edit === 'flip') return { op: 'part-body', part, edit, bits: Array.from({ length: 1 + int(rand, 6) }, () => int(rand, Math.min(length, rand() < 0.5 ? 64 : length) * 8)) };
      if (edit === 'donor') return { op: 'part-body', part, edit, donor: pick(rand, loadWebSeeds()).name };
      if (edit === 'boundary') return { op: 'part-body', part, edit, at: int(rand, length) };
      if (edit === 'extend') return { op: 'part-body', part, edit, length: 1 + int(rand, 4096) };
      return { op: 'part-body', part, edit };
    }
  }
}

function bodyOp(rand, layout) {
  const length = layout.bytes.length;
  // Headers and delimiters are a small share of the body: half of the byte edits aim at them.
  const inHeaders = () => {
    const [start, end] = pick(rand, layout.headers);
    return start + int(rand, end - start);
  };
  const position = () => (rand() < 0.5 ? inHeaders() : int(rand, length));
  const kind = weighted(rand, [['boundary', 1], ['eol', 0.5], ['preamble', 1.5], ['final', 1.5], ['epilogue', 0.5], ['truncate', 2], ['flip', 3], ['set', 1], ['insert', 1], ['chunks', 2]]);
  switch (kind) {
    case 'boundary': return { op: 'body-boundary', value: pick(rand, [BOUNDARY.slice(0, 5), `${BOUNDARY}x`, 'other', BOUNDARY.toUpperCase(), ` ${BOUNDARY}`, `-${BOUNDARY}`]) };
    case 'eol': return { op: 'body-eol', value: pick(rand, ['\n', '\r', '\n\r']) };
    case 'preamble': return {
      op: 'body-preamble',
      ...pick(rand, [{ text: '\r\n' }, { text: 'this is a preamble\r\n' }, { text: `--${BOUNDARY.slice(0, 8)}\r\n` }, { text: `\r\n--${BOUNDARY}--\r\n` },
        { random: 1 + int(rand, 2000), seed: int(rand, 2 ** 31) }, { fill: 0x2d, length: pick(rand, [65535, 65536, 70000]) }, { fill: 0x0d, length: 5000 }]),
    };
    case 'final': return { op: 'body-final', value: pick(rand, ['none', 'open', 'bare', 'twice', 'dashes']) };
    case 'epilogue': return { op: 'body-epilogue', text: pick(rand, ['\r\n', 'epilogue', `\r\n--${BOUNDARY}\r\n\r\n`, '\0'.repeat(100)]) };
    case 'truncate': return { op: 'body-truncate', at: rand() < 0.5 ? Math.max(0, length - 1 - int(rand, Math.min(length, 300))) : position() };
    case 'flip': return { op: 'body-flip', bits: Array.from({ length: 1 + int(rand, 6) }, () => position() * 8 + int(rand, 8)) };
    case 'set': return { op: 'body-set', at: position(), byte: pick(rand, [0, 0x0d, 0x0a, 0x2d, 0x3a, 0x3b, 0x22, 0xff, int(rand, 256)]) };
    case 'insert': return { op: 'body-insert', at: position(), text: pick(rand, ['\r\n', '--', '\r\n\r\n', `--${BOUNDARY}`, `\r\n--${BOUNDARY}--\r\n`, `\r\n--${BOUNDARY}\r\n`, '\0']) };
    default: return rand() < 0.5
      // Not below 3 bytes: Node's streams spend ~10 µs a chunk, a 32 KiB body would near SLOW_MS.
      ? { op: 'body-chunks', every: pick(rand, [3, 7, 64, 1000, 4096]) }
      : { op: 'body-chunks', cuts: Array.from({ length: 1 + int(rand, 8) }, () => position()).sort((a, b) => a - b) };
  }
}

/** Response Content-Type lies: no or an other boundary, quoting, case, other types. */
function typeOp(rand, seed) {
  const media = MEDIA[seed.transferSyntaxUID];
  const ts = seed.transferSyntaxUID;
  if (rand() < 0.2) return { op: 'type-single', value: pick(rand, [`${media}; transfer-syntax=${ts}`, media, partTypeLie(rand, seed)]) };
  return {
    op: 'type',
    value: pick(rand, [
      `multipart/related; type="${media}"`, `multipart/related; type="${media}"; boundary="${BOUNDARY}"`, `multipart/related; boundary=${BOUNDARY}; type="${media}"`,
      `MULTIPART/RELATED; BOUNDARY=${BOUNDARY}`, 'multipart/related; boundary=', 'multipart/related; boundary=""', `multipart/related; boundary="${BOUNDARY}`,
      `multipart/related; boundary=${BOUNDARY}"`, `multipart/related; boundary=${BOUNDARY}; boundary=other`, 'multipart/related; boundary=other',
      `multipart/related; boundary=${BOUNDARY.slice(0, 5)}`, `multipart/related; boundary=${BOUNDARY}x`, `multipart/related; boundary=${BOUNDARY.toUpperCase()}`,
      `multipart/mixed; boundary=${BOUNDARY}`, `multipart/; boundary=${BOUNDARY}`, `multipart/related;boundary=${BOUNDARY};`, `multipart/related; boundary==${BOUNDARY}`,
      `multipart/related; boundary=${BOUNDARY}, multipart/related; boundary=x`, `multipart/related; boundary=${'x'.repeat(300)}`, 'multipart/related; boundary=-',
      'multipart/related; boundary=é', `multipart/related; boundary="${BOUNDARY}\\"x"`, `${media}; transfer-syntax=${ts}`, 'application/octet-stream',
      'application/dicom', 'text/html; charset=utf-8', '', ';', 'multipart', `multipart/related; boundary=${BOUNDARY}; type=`,
    ]),
  };
}

function bulkOp(rand, seed) {
  const names = Object.keys(seed.bulk);
  const kind = weighted(rand, [['answer', 2], ['truncate', 2], ['missing', 1]]);
  if (kind === 'answer') return { op: 'bulk-answer', value: pick(rand, BULK_ANSWERS) };
  const name = pick(rand, names);
  if (kind === 'missing') return { op: 'bulk-missing', name };
  return { op: 'bulk-truncate', name, at: int(rand, seed.bulk[name].length + 1) };
}

/** The frames requested: mostly all, else some (repeated, out of order) or past the last. */
function planFrames(rand, count) {
  const all = Array.from({ length: count }, (_, i) => i + 1);
  const r = rand();
  if (r < 0.7) return all;
  if (r < 0.92) return Array.from({ length: 1 + int(rand, count + 1) }, () => 1 + int(rand, count));
  return [...all, count + 1 + int(rand, 2)];
}

/** A case's plan: one to four mutations of one DICOMweb instance. `rand` is the case's generator. */
export function planWebCase(rand, index, pool) {
  const seed = pick(rand, pool);
  const frames = planFrames(rand, seed.frames.length);
  const layout = serialise(baseParts(seed, frames), SHAPE);
  const ops = [];
  const count = 1 + int(rand, rand() < 0.7 ? 2 : 4);
  for (let i = 0; i < count; i++) {
    const kind = weighted(rand, [['bulk', Object.keys(seed.bulk).length ? 1.5 : 0], ['json', 5], ['part', 3], ['body', 4], ['type', 2]]);
    if (kind === 'json') ops.push(jsonOp(rand, seed));
    else if (kind === 'part') ops.push(partOp(rand, seed, frames));
    else if (kind === 'body') ops.push(bodyOp(rand, layout));
    else if (kind === 'type') ops.push(typeOp(rand, seed));
    else ops.push(bulkOp(rand, seed));
  }
  const options = {};
  if (rand() < 0.15) options.modalityLut = false;
  // Frames decoding at once (a pool's concurrency, here in this thread): rejections left pending.
  if (rand() < 0.2) options.concurrency = 2 + int(rand, 3);
  return { family: 'dicomweb', index, seed: seed.name, frames, ops, options };
}

// ------------------------------------------------------------------ building a case

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const latin1 = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
const base64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function randomBytes(length, seed) {
  const rand = mulberry32(seed);
  return Uint8Array.from({ length }, () => Math.floor(rand() * 256));
}

/** A server's multipart/related framing (as test/dicomweb-server.ts writes it). */
const SHAPE = { boundary: BOUNDARY, eol: '\r\n', preamble: new Uint8Array(0), final: 'close', epilogue: new Uint8Array(0) };

/** The parts of a frames answer: each requested frame's bytes, with its part headers. */
function baseParts(seed, frames) {
  return frames.map((n) => ({
    type: `${MEDIA[seed.transferSyntaxUID]}; transfer-syntax=${seed.transferSyntaxUID}`,
    lines: [latin1(`Content-Location: frame-${n}`)],
    body: seed.frames[(n - 1) % seed.frames.length],
  }));
}

/** A multipart body and where its delimiters and headers are (what byte edits aim at). */
function serialise(parts, shape) {
  const chunks = [shape.preamble];
  const headers = [];
  let length = shape.preamble.length;
  const push = (bytes) => { chunks.push(bytes); length += bytes.length; };
  const eol = latin1(shape.eol);
  parts.forEach((part, i) => {
    const start = length;
    push(latin1(`${i ? shape.eol : ''}--${shape.boundary}${shape.eol}`));
    for (const line of [...(part.type === null ? [] : [latin1(`Content-Type: ${part.type}`)]), ...part.lines]) { push(line); push(eol); }
    push(eol);
    headers.push([start, length]);
    push(part.body);
  });
  const start = length;
  const close = `${shape.eol}--${shape.boundary}--`;
  const final = { close: `${close}${shape.eol}`, none: '', open: `${shape.eol}--${shape.boundary}`, bare: close, twice: `${close}${close}${shape.eol}`, dashes: `${close}--` }[shape.final];
  push(latin1(final));
  if (length > start) headers.push([start, length]);
  push(shape.epilogue);
  return { bytes: concat(chunks), headers: headers.length ? headers : [[0, length]] };
}

const INNERMOST = {
  bulk: ['00281201', '{"vr":"OW","BulkDataURI":"bulk/00281201-0"}'],
  lut: ['00283006', '{"vr":"US","Value":[1,2,3]}'],
  number: ['00280010', '{"vr":"US","Value":[1]}'],
};

/** An SQ attribute nested `depth` deep, as JSON text (built flat: JSON.stringify recurses). */
function nested(depth, inner) {
  let [tag, attribute] = INNERMOST[inner];
  for (let i = 0; i < depth; i++) {
    attribute = `{"vr":"SQ","Value":[{"${tag}":${attribute}}]}`;
    tag = '00081115';
  }
  return attribute;
}

const METADATA_ROOTS = {
  array: (d) => `[${d}]`, bare: (d) => d, empty: () => '[]', null: () => '[null]', twice: (d) => `[${d},${d}]`,
  string: () => '"1.2.840.10008.1.2.1"', nested: (d) => `[[${d}]]`, number: () => '0', keyed: (d) => `{"0":${d}}`,
};

/** The dataset holding the attribute at `path` (tags and item indices), if it is still there. */
function holder(dataset, path) {
  let node = dataset;
  for (let i = 0; i + 1 < path.length; i += 2) {
    const items = node?.[path[i]]?.Value;
    node = Array.isArray(items) ? items[path[i + 1]] : undefined;
  }
  return node && typeof node === 'object' && !Array.isArray(node) ? node : undefined;
}

/** The attribute at `path`, created (with `vr`) where its dataset has none; undefined if not an object. */
function attributeAt(dataset, path, vr) {
  const node = holder(dataset, path);
  if (!node) return undefined;
  const tag = path[path.length - 1];
  if (node[tag] === undefined) node[tag] = { vr: vr ?? 'UN' };
  const attribute = node[tag];
  return attribute && typeof attribute === 'object' && !Array.isArray(attribute) ? attribute : undefined;
}

/**
 * The inputs a plan describes: the metadata JSON text, the frames answer (Content-Type, body, how
 * it arrives in chunks), the frames requested, decode options and the bulk data answers.
 * `seeds` maps names to DICOMweb seeds (for donors).
 */
export function buildWebCase(plan, seeds) {
  const seed = seeds.get(plan.seed);
  const frames = plan.frames ?? seed.frames.map((_, i) => i + 1);
  const dataset = structuredClone(seed.metadata[0]);
  // JSON text JSON.stringify cannot write (numbers out of range, deep nesting), by placeholder.
  const splices = [];
  const splice = (text) => `\u0001${splices.push(text) - 1}`;
  let root = 'array';
  const bulk = { ...seed.bulk };
  let bulkAnswer = 'multipart';
  const parts = baseParts(seed, frames);
  const shape = { ...SHAPE };
  const byteOps = [];
  let contentType = `multipart/related; type="${MEDIA[seed.transferSyntaxUID]}"; boundary=${BOUNDARY}`;
  let single = false;
  let chunks = null;
  const partAt = (i) => (parts.length ? parts[i % parts.length] : undefined);
  for (const op of plan.ops) {
    switch (op.op) {
      case 'json-value': {
        const attribute = attributeAt(dataset, op.path, op.vr);
        if (!attribute) break;
        let value = op.raw !== undefined ? splice(op.raw) : op.repeat ? String(op.value).repeat(op.repeat) : structuredClone(op.value);
        if (op.huge) value = new Array(op.huge).fill(value);
        if (op.index === null) attribute.Value = value;
        else {
          if (!Array.isArray(attribute.Value)) attribute.Value = [];
          attribute.Value[Math.min(op.index, attribute.Value.length)] = value;
        }
        delete attribute.BulkDataURI;
        delete attribute.InlineBinary;
        break;
      }
      case 'json-vr': {
        const attribute = holder(dataset, op.path)?.[op.path.at(-1)];
        if (attribute && typeof attribute === 'object') attribute.vr = op.vr;
        break;
      }
      case 'json-delete': {
        const node = holder(dataset, op.path);
        const tag = op.path.at(-1);
        if (!node) break;
        if (op.key === null) delete node[tag];
        else if (node[tag] && typeof node[tag] === 'object') delete node[tag][op.key];
        break;
      }
      case 'json-inline': {
        const attribute = attributeAt(dataset, op.path, op.vr);
        if (!attribute) break;
        if (op.bulk !== undefined) attribute.InlineBinary = base64(seed.bulk[op.bulk].subarray(0, op.length ?? undefined));
        else if (op.random !== undefined) attribute.InlineBinary = base64(randomBytes(op.random, op.seed));
        else attribute.InlineBinary = structuredClone(op.text);
        delete attribute.Value;
        delete attribute.BulkDataURI;
        break;
      }
      case 'json-uri': {
        const attribute = attributeAt(dataset, op.path, op.vr);
        if (!attribute) break;
        attribute.BulkDataURI = structuredClone(op.uri);
        delete attribute.Value;
        delete attribute.InlineBinary;
        break;
      }
      case 'json-nest': {
        const node = holder(dataset, op.path);
        if (node) node[op.path.at(-1)] = splice(nested(op.depth, op.inner));
        break;
      }
      case 'json-root': root = op.kind; break;
      case 'part-type': { const p = partAt(op.part); if (p) p.type = op.value; break; }
      case 'part-no-type': { const p = partAt(op.part); if (p) p.type = null; break; }
      case 'part-header': {
        const p = partAt(op.part);
        if (p) p.lines.splice(op.at % (p.lines.length + 1), 0, op.bytes ? new Uint8Array(op.bytes) : latin1(op.text + 'a'.repeat(op.pad ?? 0)));
        break;
      }
      case 'part-drop': if (parts.length) parts.splice(op.part % parts.length, 1); break;
      case 'part-dup': if (parts.length) { const i = op.part % parts.length; parts.splice(i, 0, { ...parts[i], lines: [...parts[i].lines] }); } break;
      case 'part-swap': if (parts.length) {
        const i = op.part % parts.length, j = op.with % parts.length;
        [parts[i], parts[j]] = [parts[j], parts[i]];
      } break;
      case 'part-body': {
        const p = partAt(op.part);
        if (!p) break;
        const f = p.body;
        const at = f.length ? (op.at ?? 0) % (f.length + 1) : 0;
        if (op.edit === 'truncate') p.body = f.slice(0, at);
        else if (op.edit === 'flip') {
          p.body = f.slice();
          if (f.length) for (const bit of op.bits) p.body[(bit >>> 3) % f.length] ^= 1 << (bit & 7);
        } else if (op.edit === 'empty') p.body = new Uint8Array(0);
        else if (op.edit === 'donor') p.body = seeds.get(op.donor)?.frames[0] ?? f;
        else if (op.edit === 'boundary') p.body = concat([f.subarray(0, at), latin1(`\r\n--${BOUNDARY}`), f.subarray(at)]);
        else if (op.edit === 'extend') p.body = concat([f, new Uint8Array(op.length).fill(0xa5)]);
        break;
      }
      case 'body-boundary': shape.boundary = op.value; break;
      case 'body-eol': shape.eol = op.value; break;
      case 'body-preamble':
        shape.preamble = op.text !== undefined ? latin1(op.text) : op.random !== undefined ? randomBytes(op.random, op.seed) : new Uint8Array(op.length).fill(op.fill);
        break;
      case 'body-final': shape.final = op.value; break;
      case 'body-epilogue': shape.epilogue = latin1(op.text); break;
      case 'body-truncate': case 'body-flip': case 'body-set': case 'body-insert': byteOps.push(op); break;
      case 'body-chunks': chunks = op.every ? { every: op.every } : { cuts: op.cuts }; break;
      case 'type': contentType = op.value; break;
      case 'type-single': contentType = op.value; single = true; break;
      case 'bulk-answer': bulkAnswer = op.value; break;
      case 'bulk-truncate': if (bulk[op.name]) bulk[op.name] = bulk[op.name].slice(0, op.at); break;
      case 'bulk-missing': bulk[op.name] = null; break;
      default: throw new Error(`unknown op ${op.op}`);
    }
  }
  const datasetText = JSON.stringify(dataset).replace(/"\\u0001(\d+)"/g, (_, k) => splices[Number(k)]);
  let body = single ? (parts[0]?.body ?? new Uint8Array(0)) : serialise(parts, shape).bytes;
  for (const op of byteOps) {
    const clampAt = (at) => (body.length === 0 ? 0 : at % (body.length + 1));
    if (op.op === 'body-truncate') body = body.slice(0, clampAt(op.at));
    else if (op.op === 'body-insert') body = concat([body.subarray(0, clampAt(op.at)), latin1(op.text), body.subarray(clampAt(op.at))]);
    else if (body.length) {
      body = body.slice();
      if (op.op === 'body-set') body[op.at % body.length] = op.byte;
      else for (const bit of op.bits) body[(bit >>> 3) % body.length] ^= 1 << (bit & 7);
    }
  }
  return {
    case: plan.seed,
    metadataText: METADATA_ROOTS[root](datasetText),
    // What a Headers value can hold at all (the fetch layer rejects the rest before we see it).
    contentType: [...contentType].filter((c) => c.charCodeAt(0) <= 0xff && !'\r\n\0'.includes(c)).join(''),
    body,
    chunks,
    frameNumbers: frames,
    options: plan.options ?? {},
    bulk,
    bulkAnswer,
  };
}

// ------------------------------------------------------------------ the answers of a case

/**
 * The frames answer of a case, its body arriving as from a socket: in the chunks the case says
 * (else whole), one per read, each after a macrotask, so that what runs between reads (decodes
 * started, their rejections) runs as it would on a network answer. (Queueing every chunk at once
 * would also cost Node's stream queue quadratic time, the harness's and not the library's.)
 */
export function framesResponse(input) {
  const { body, chunks } = input;
  const cuts = !chunks ? [] : chunks.every
    ? Array.from({ length: Math.ceil(body.length / chunks.every) }, (_, i) => i * chunks.every).slice(1)
    : chunks.cuts.map((at) => Math.min(at, body.length));
  const ends = [...cuts, body.length];
  let next = 0;
  let from = 0;
  const stream = new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setImmediate(resolve));
      while (next < ends.length && ends[next] <= from) next++;
      if (next === ends.length) return controller.close();
      const to = ends[next++];
      controller.enqueue(body.slice(from, to));
      from = to;
    },
  }, { highWaterMark: 0 });
  return new Response(stream, { headers: { 'content-type': input.contentType } });
}

/** A fake fetch for BulkDataURIs: the case's bulk/ files as the case says, 404 for anything else. */
export function bulkFetch(input) {
  return async (url) => {
    const name = /(?:^|\/)bulk\/([^/?#]+)$/.exec(String(url))?.[1];
    const bytes = name !== undefined && Object.hasOwn(input.bulk, name) ? input.bulk[name] : null;
    if (!bytes) return new Response('no such bulk data', { status: 404, statusText: 'Not Found' });
    const multipart = (text) => concat([latin1(`--bulk\r\nContent-Type: application/octet-stream\r\n\r\n`), bytes, latin1(text)]);
    const type = 'multipart/related; type="application/octet-stream"; boundary=bulk';
    switch (input.bulkAnswer) {
      case 'raw': return new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } });
      case 'no-parts': return new Response(latin1('--bulk--\r\n'), { headers: { 'content-type': type } });
      case 'no-boundary': return new Response(multipart('\r\n--bulk--\r\n'), { headers: { 'content-type': 'multipart/related' } });
      case 'wrong-boundary': return new Response(multipart('\r\n--bulk--\r\n'), { headers: { 'content-type': 'multipart/related; boundary=other' } });
      case 'truncated': return new Response(multipart('').subarray(0, 40 + (bytes.length >> 1)), { headers: { 'content-type': type } });
      case 'text': return new Response(bytes, { headers: { 'content-type': 'text/plain' } });
      default: return new Response(multipart('\r\n--bulk--\r\n'), { headers: { 'content-type': type } });
    }
  };
}

// ------------------------------------------------------------------ a case as fixture files

/**
 * The files of a finding: `.json`, the case without its frames body (the metadata as its JSON
 * text, spliced in as it is, bulk data in base64), and `.body`, the frames body.
 */
export function webCaseFiles(input) {
  const { metadataText, body, bulk, ...rest } = input;
  const record = JSON.stringify({ ...rest, bulk: Object.fromEntries(Object.entries(bulk).map(([k, v]) => [k, v && base64(v)])) }, null, 1);
  return { '.json': `${record.slice(0, -2)},\n "metadata": ${metadataText}\n}\n`, '.body': body };
}

/** A finding's files back as a case's inputs (`metadata` parsed, where a built case has `metadataText`). */
export function readWebCase(url) {
  const record = JSON.parse(readFileSync(url, 'utf8'));
  const body = new Uint8Array(readFileSync(new URL(url.href.replace(/\.json$/, '.body'))));
  const bulk = Object.fromEntries(Object.entries(record.bulk).map(([k, v]) => [k, v === null ? null : new Uint8Array(Buffer.from(v, 'base64'))]));
  return { ...record, body, bulk };
}
