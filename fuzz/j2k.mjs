// JPEG 2000 codestreams for the fuzz harness (ISO/IEC 15444-1 Annex A): where the marker segments,
// tile-parts and packets of a seed are (so mutations can aim at SIZ, COD, QCD, POC, SOT fields,
// marker segment lengths, packet headers and code-block data), a writer for hand-made
// codestreams (fuzz/bounds.mjs), and the conversion of a stream with SOP and EPH markers into one
// with its packet headers packed in PPT marker segments (A.7.5), a seed no encoder here writes.

export const MARKERS = {
  SOC: 0xff4f, SIZ: 0xff51, COD: 0xff52, COC: 0xff53, TLM: 0xff55, PLM: 0xff57, PLT: 0xff58, QCD: 0xff5c, QCC: 0xff5d,
  RGN: 0xff5e, POC: 0xff5f, PPM: 0xff60, PPT: 0xff61, CRG: 0xff63, COM: 0xff64, SOT: 0xff90, SOP: 0xff91, EPH: 0xff92,
  SOD: 0xff93, EOC: 0xffd9,
};
const NAMES = Object.fromEntries(Object.entries(MARKERS).map(([k, v]) => [v, k]));
export const markerName = (code) => NAMES[code] ?? code.toString(16);

/** Offset of the codestream in a JP2 file (its jp2c box), or 0 for a bare codestream. */
export function codestreamStart(bytes) {
  if (bytes.length < 12 || bytes[4] !== 0x6a || bytes[5] !== 0x50 || bytes[6] !== 0x20 || bytes[7] !== 0x20) return 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 8 <= bytes.length; ) {
    const length = dv.getUint32(at);
    if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === 'jp2c') return at + 8;
    if (length < 8) break;
    at += length;
  }
  return 0;
}

/**
 * The structure of a (valid) codestream in `bytes`, offsets into `bytes`: the main header's
 * marker segments `{ marker, at, length, body }` (`at` the marker, `length` Lxxx), and the
 * tile-parts `{ at, psot, index, segments, sod, end, sop: [offsets], eph: [offsets] }`. Stops
 * quietly where the stream stops making sense (a mutated donor, a cut fragment).
 */
export function j2kStructure(bytes) {
  const start = codestreamStart(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at) => (at + 2 <= bytes.length ? dv.getUint16(at) : -1);
  const out = { start, main: [], tileParts: [] };
  if (u16(start) !== MARKERS.SOC) return out;
  let at = start + 2;
  for (;;) {
    const marker = u16(at);
    if (marker === -1 || marker === MARKERS.SOT || marker === MARKERS.EOC || marker >>> 8 !== 0xff) break;
    const length = u16(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) break;
    out.main.push({ marker, at, length, body: at + 4 });
    at += 2 + length;
  }
  while (u16(at) === MARKERS.SOT && at + 12 <= bytes.length) {
    const psot = dv.getUint32(at + 6);
    const part = { at, psot, index: dv.getUint16(at + 4), segments: [], sod: -1, end: psot === 0 ? bytes.length : Math.min(bytes.length, at + psot), sop: [], eph: [] };
    let m = at + 12;
    while (m + 2 <= part.end) {
      const marker = u16(m);
      if (marker === MARKERS.SOD) {
        part.sod = m;
        break;
      }
      const length = u16(m + 2);
      if (marker >>> 8 !== 0xff || length < 2) break;
      part.segments.push({ marker, at: m, length, body: m + 4 });
      m += 2 + length;
    }
    if (part.sod < 0) break;
    // SOP and EPH in the data: marker codes cannot occur in packet headers or code-block data
    // (both are bit-stuffed after 0xFF), so a scan finds exactly the real ones.
    for (let k = part.sod + 2; k + 1 < part.end; k++) {
      if (bytes[k] !== 0xff) continue;
      if (bytes[k + 1] === 0x91 && u16(k + 2) === 4) part.sop.push(k);
      else if (bytes[k + 1] === 0x92) part.eph.push(k);
    }
    out.tileParts.push(part);
    if (psot === 0 || part.end >= bytes.length) break;
    at = part.end;
  }
  return out;
}

/** The main header's SIZ and COD, read from a structure: what mutations need to pick values. */
export function j2kSummary(bytes, structure) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const siz = structure.main.find((s) => s.marker === MARKERS.SIZ);
  const cod = structure.main.find((s) => s.marker === MARKERS.COD);
  if (!siz || siz.length < 41) return undefined;
  const components = dv.getUint16(siz.body + 34);
  return {
    width: dv.getUint32(siz.body + 2) - dv.getUint32(siz.body + 10),
    height: dv.getUint32(siz.body + 6) - dv.getUint32(siz.body + 14),
    components,
    levels: cod && cod.length >= 12 ? bytes[cod.body + 5] : 0,
    layers: cod && cod.length >= 12 ? dv.getUint16(cod.body + 2) : 1,
    precincts: cod ? (bytes[cod.body] & 1) !== 0 : false,
  };
}

// ------------------------------------------------------------------ writing codestreams

function segment(marker, body) {
  const out = new Uint8Array(4 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, marker);
  dv.setUint16(2, body.length + 2);
  out.set(body, 4);
  return out;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A codestream from parameters (defaults: one 8-bit component, one tile, LRCP, one layer, five
 * levels, 64×64 code-blocks, reversible): `tileParts` is a list of `{ tile, header, data }`
 * (`header`: marker segments of the tile-part header, `data`: its packets); without it every tile
 * gets one tile-part whose data is `packets` (default: one 0x00 byte, an empty packet, per
 * packet the header implies when they are few, else 16 such bytes).
 */
export function writeCodestream(p = {}) {
  const width = p.width ?? 64;
  const height = p.height ?? 64;
  const components = p.components ?? 1;
  const precision = p.precision ?? 8;
  const tileWidth = p.tileWidth ?? width;
  const tileHeight = p.tileHeight ?? height;
  const levels = p.levels ?? 5;
  const layers = p.layers ?? 1;
  const siz = new Uint8Array(36 + 3 * components);
  const sv = new DataView(siz.buffer);
  sv.setUint16(0, 0);
  sv.setUint32(2, width);
  sv.setUint32(6, height);
  sv.setUint32(18, tileWidth);
  sv.setUint32(22, tileHeight);
  sv.setUint16(34, components);
  for (let c = 0; c < components; c++) siz.set([(precision - 1) | (p.signed ? 0x80 : 0), 1, 1], 36 + 3 * c);
  const cod = codSegment({ ...p, levels, layers });
  const qcd = qcdSegment(levels, p.guardBits ?? 2, p.exponent ?? precision + 1);
  const main = [new Uint8Array([0xff, 0x4f]), segment(MARKERS.SIZ, siz), ...(p.mainCod === false ? [] : [cod]), qcd, ...(p.mainExtra ?? [])];
  const tiles = Math.ceil(width / tileWidth) * Math.ceil(height / tileHeight);
  const parts = p.tileParts ?? Array.from({ length: tiles }, (_, tile) => ({ tile, header: p.tileHeader ?? [], data: p.packets ?? new Uint8Array(p.dataBytes ?? 16) }));
  const tileParts = parts.map(({ tile, header, data, part = 0, count = 0 }) => {
    const headerBytes = concat(header);
    const sot = new Uint8Array(12);
    const dv = new DataView(sot.buffer);
    dv.setUint16(0, MARKERS.SOT);
    dv.setUint16(2, 10);
    dv.setUint16(4, tile);
    dv.setUint32(6, 12 + headerBytes.length + 2 + data.length);
    sot[10] = part;
    sot[11] = count;
    return concat([sot, headerBytes, new Uint8Array([0xff, 0x93]), data]);
  });
  return concat([...main, ...tileParts, new Uint8Array([0xff, 0xd9])]);
}

/** COD: Scod (precincts, SOP, EPH), order, layers, MCT, levels, code-block exponents, style, wavelet, precinct sizes. */
export function codSegment(p = {}) {
  const levels = p.levels ?? 5;
  const precincts = p.precincts; // one byte per resolution (PPy << 4 | PPx), or a function of r
  const body = [
    (precincts ? 1 : 0) | (p.sop ? 2 : 0) | (p.eph ? 4 : 0),
    p.order ?? 0,
    (p.layers ?? 1) >> 8, (p.layers ?? 1) & 0xff,
    p.mct ?? 0,
    levels,
    (p.blockWidth ?? 6) - 2, (p.blockHeight ?? 6) - 2,
    p.blockStyle ?? 0,
    p.reversible === false ? 0 : 1,
  ];
  if (precincts) for (let r = 0; r <= levels; r++) body.push(typeof precincts === 'function' ? precincts(r) : precincts);
  return segment(MARKERS.COD, new Uint8Array(body));
}

/** QCD without quantisation (reversible): one exponent per subband. */
export function qcdSegment(levels, guardBits = 2, exponent = 9) {
  const body = [guardBits << 5];
  for (let b = 0; b < 3 * levels + 1; b++) body.push(exponent << 3);
  return segment(MARKERS.QCD, new Uint8Array(body));
}

/** POC with `entries` of [RSpoc, CSpoc, LYEpoc, REpoc, CEpoc, Ppoc] (fewer than 257 components). */
export function pocSegment(entries) {
  const body = [];
  for (const [rs, cs, lye, re, ce, order] of entries) body.push(rs, cs, lye >> 8, lye & 0xff, re, ce, order);
  return segment(MARKERS.POC, new Uint8Array(body));
}

export { segment as markerSegment, concat as concatBytes };

// ------------------------------------------------------------------ packed packet headers

/**
 * The codestream `bytes` (bare or JP2) with every tile-part's packet headers moved into PPT
 * marker segments of its header (A.7.5), or undefined when the stream has no SOP and EPH on every
 * packet. Each packet is SOP, header, EPH, body in the data; the header and its EPH go to the PPT
 * (A.8.2: with packed headers EPH sits with the header), SOP and the body stay. Psot is fixed up.
 */
export function packHeaders(bytes) {
  const s = j2kStructure(bytes);
  if (s.start !== 0 || s.tileParts.length === 0 || s.tileParts.some((part) => part.psot === 0)) return undefined;
  const out = [bytes.subarray(0, s.tileParts[0].at)];
  // Zppt counts the PPT segments of a tile over all its tile-parts (OpenJPEG orders them so).
  const nextZ = new Map();
  for (const part of s.tileParts) {
    const dataStart = part.sod + 2;
    if (part.sop.length === 0 || part.sop[0] !== dataStart || part.eph.length !== part.sop.length) return undefined;
    const headers = [];
    const bodies = [];
    for (let k = 0; k < part.sop.length; k++) {
      const sop = part.sop[k];
      const eph = part.eph[k];
      const next = k + 1 < part.sop.length ? part.sop[k + 1] : part.end;
      if (!(sop < eph && eph < next)) return undefined;
      headers.push(bytes.subarray(sop + 6, eph + 2));
      bodies.push(bytes.subarray(sop, sop + 6), bytes.subarray(eph + 2, next));
    }
    const packed = concat(headers);
    // PPT segments of at most 65535 bytes: Lppt, Zppt, then headers.
    const ppts = [];
    for (let at = 0, first = true; at < packed.length || first; first = false) {
      const z = nextZ.get(part.index) ?? 0;
      if (z > 255) return undefined;
      nextZ.set(part.index, z + 1);
      const chunk = packed.subarray(at, at + 65532);
      ppts.push(segment(MARKERS.PPT, concat([new Uint8Array([z]), chunk])));
      at += chunk.length;
    }
    const header = bytes.subarray(part.at, part.sod);
    const data = concat(bodies);
    const sot = header.slice(0, 12);
    const tail = header.subarray(12);
    const pptBytes = concat(ppts);
    new DataView(sot.buffer).setUint32(6, 12 + tail.length + pptBytes.length + 2 + data.length);
    out.push(sot, tail, pptBytes, new Uint8Array([0xff, 0x93]), data);
  }
  const last = s.tileParts[s.tileParts.length - 1];
  out.push(bytes.subarray(last.end));
  return concat(out);
}
