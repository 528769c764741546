/**
 * The marker segments of a JPEG 2000 Part 1 codestream (ISO/IEC 15444-1 Annex A) that decoding
 * needs: image and tile size (SIZ), coding style (COD, COC), quantisation (QCD, QCC), region of
 * interest (RGN), progression order changes (POC), and the tile-parts with their data.
 */
import { DecodeError } from '../../errors.js';

export interface ComponentSize {
  /** Bits per sample (Ssiz + 1) and sign. */
  precision: number;
  signed: boolean;
  /** XRsiz, YRsiz: subsampling on the reference grid. */
  dx: number;
  dy: number;
}

export interface ImageSize {
  /** Xsiz, Ysiz, XOsiz, YOsiz: the image area on the reference grid is [x0, x1) × [y0, y1). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** XTsiz, YTsiz, XTOsiz, YTOsiz. */
  tileWidth: number;
  tileHeight: number;
  tileX0: number;
  tileY0: number;
  tilesAcross: number;
  tilesDown: number;
  components: ComponentSize[];
  /** Rsiz. */
  capabilities: number;
}

/** COD / COC for one component (A.6.1, A.6.2). */
export interface CodingStyle {
  /** Scod / Scoc bit 0: precinct sizes are given. */
  precincts: boolean;
  /** Decomposition levels NL. */
  levels: number;
  /** Code-block width and height exponents (xcb, ycb: the size is 2^x × 2^y). */
  blockWidth: number;
  blockHeight: number;
  /** Code-block style (Table A.19). */
  blockStyle: number;
  /** Wavelet: true for the reversible 5/3, false for the irreversible 9/7. */
  reversible: boolean;
  /** Precinct exponents per resolution: PPx in bits 0-3, PPy in bits 4-7 (15 each when not given). */
  precinctSizes: number[];
}

/** QCD / QCC for one component (A.6.4, A.6.5). */
export interface Quantization {
  guardBits: number;
  /** 0 none (reversible), 1 scalar derived, 2 scalar expounded. */
  style: number;
  /** Exponent and mantissa per subband (LL, then HL LH HH from the lowest level up); derived: one. */
  exponents: number[];
  mantissas: number[];
}

/** One progression of a POC marker (A.6.6), or the whole of COD's. */
export interface Progression {
  order: number;
  resolutionStart: number;
  componentStart: number;
  layerEnd: number;
  resolutionEnd: number;
  componentEnd: number;
}

/** Coding parameters in force for a tile: the main header's, overridden by its own tile-part headers. */
export interface TileParameters {
  /** Scod bits 1 and 2. */
  sop: boolean;
  eph: boolean;
  order: number;
  layers: number;
  /** The multiple component transform is used (SGcod). */
  transform: boolean;
  styles: CodingStyle[];
  quantization: Quantization[];
  /** ROI max-shift per component (RGN, A.6.3), 0 without. */
  roiShift: number[];
  progressions: Progression[];
  /** Which of these a tile's own headers set (A.6: a tile's COC and QCC win over its COD and QCD). */
  own?: { coc: boolean[]; qcc: boolean[] };
}

export interface TilePart {
  /** Offsets of the tile-part's data (after SOD) in the codestream. */
  start: number;
  end: number;
}

export interface Tile {
  index: number;
  parts: TilePart[];
  parameters: TileParameters;
  /** PPT marker segments' packed packet headers, in order (A.7.5). */
  packedHeaders: Uint8Array[];
}

export interface Codestream {
  size: ImageSize;
  tiles: Tile[];
  /** A PPM marker was found (packed packet headers in the main header, A.7.4). */
  packedMainHeaders: boolean;
  /** The data ends inside a header or a tile-part. */
  truncated: boolean;
}

/** Marker codes (Table A.2). */
export const SOC = 0xff4f;
export const SIZ = 0xff51;
export const COD = 0xff52;
export const COC = 0xff53;
const RGN = 0xff5e;
const QCD = 0xff5c;
const QCC = 0xff5d;
const POC = 0xff5f;
const PPM = 0xff60;
const PPT = 0xff61;
export const SOT = 0xff90;
export const SOD = 0xff93;
export const EOC = 0xffd9;

/** Main header parameters before any tile's own: the per-component values hold COC / QCC where given. */
interface MainParameters extends TileParameters {
  cocGiven: boolean[];
  qccGiven: boolean[];
}

/** Parse a codestream that starts at `bytes[0]` (SOC). */
export function parseCodestream(bytes: Uint8Array, transferSyntaxUID: string): Codestream {
  const corrupt = (detail: string) => new DecodeError('CORRUPT_DATA', `JPEG 2000 codestream: ${detail}`, transferSyntaxUID);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 2 || view.getUint16(0) !== SOC) throw corrupt('no SOC marker (FF4F) at the start');
  let at = 2;
  let size: ImageSize | undefined;
  let main: MainParameters | undefined;
  let codGiven = false;
  let qcdGiven = false;
  let packedMainHeaders = false;
  // Main header.
  for (;;) {
    if (at + 4 > bytes.length) return { size: need(size), tiles: [], packedMainHeaders, truncated: true };
    const marker = view.getUint16(at);
    if (marker === SOT) break;
    if (marker === EOC) throw corrupt('EOC before any tile');
    const length = view.getUint16(at + 2);
    if (marker >>> 8 !== 0xff || length < 2) throw corrupt(`expected a marker segment at byte ${at}`);
    if (at + 2 + length > bytes.length) return { size: need(size), tiles: [], packedMainHeaders, truncated: true };
    const body = bytes.subarray(at + 4, at + 2 + length);
    if (marker === SIZ) {
      size = readSiz(body, corrupt);
      main = defaults(size.components.length);
    } else if (marker === COD || marker === COC || marker === QCD || marker === QCC || marker === RGN || marker === POC) {
      if (!size || !main) throw corrupt('marker segment before SIZ');
      if (marker === COD) codGiven = true;
      if (marker === QCD) qcdGiven = true;
      readParameter(marker, body, size, main, main, corrupt);
    } else if (marker === PPM) {
      packedMainHeaders = true;
    }
    at += 2 + length;
  }
  if (!size || !main) throw corrupt('no SIZ marker segment');
  if (!codGiven) throw corrupt('no COD marker segment in the main header');
  if (!qcdGiven) throw corrupt('no QCD marker segment in the main header');

  // Tile-parts.
  const tiles = new Map<number, Tile>();
  const tileCount = size.tilesAcross * size.tilesDown;
  let truncated = false;
  while (at + 2 <= bytes.length) {
    const marker = view.getUint16(at);
    if (marker === EOC) break;
    if (marker !== SOT) throw corrupt(`expected SOT at byte ${at}, found ${marker.toString(16)}`);
    if (at + 12 > bytes.length) {
      truncated = true;
      break;
    }
    if (view.getUint16(at + 2) !== 10) throw corrupt('SOT has a length other than 10');
    const index = view.getUint16(at + 4);
    const psot = view.getUint32(at + 6);
    if (index >= tileCount) throw corrupt(`tile-part of tile ${index}, the image has ${tileCount} tiles`);
    if (psot !== 0 && psot < 14) throw corrupt(`tile-part length ${psot}`);
    let end = psot === 0 ? bytes.length : at + psot;
    if (end > bytes.length) {
      truncated = true;
      end = bytes.length;
    }
    let tile = tiles.get(index);
    if (!tile) {
      tile = { index, parts: [], parameters: tileDefaults(main), packedHeaders: [] };
      tiles.set(index, tile);
    }
    const first = tile.parts.length === 0;
    let m = at + 12;
    for (;;) {
      if (m + 2 > end) throw truncated ? new DecodeError('TRUNCATED', 'JPEG 2000 tile-part header cut short', transferSyntaxUID) : corrupt('tile-part header without SOD');
      const inner = view.getUint16(m);
      if (inner === SOD) {
        m += 2;
        break;
      }
      if (m + 4 > end) throw corrupt('tile-part header runs past its tile-part');
      const length = view.getUint16(m + 2);
      if (inner >>> 8 !== 0xff || length < 2 || m + 2 + length > end) throw corrupt(`bad marker segment in a tile-part header at byte ${m}`);
      const body = bytes.subarray(m + 4, m + 2 + length);
      if (inner === PPT) {
        if (length < 3) throw corrupt('PPT too short');
        tile.packedHeaders.push(body.subarray(1));
      } else if (inner === COD || inner === COC || inner === QCD || inner === QCC || inner === RGN || inner === POC) {
        if (!first && inner !== POC) throw corrupt('coding parameters in a tile-part other than the first');
        readParameter(inner, body, size, tile.parameters, main, corrupt);
      }
      m += 2 + length;
    }
    // Psot 0: the last tile-part, up to EOC.
    if (psot === 0 && end >= m + 2 && view.getUint16(end - 2) === EOC) end -= 2;
    tile.parts.push({ start: m, end: Math.max(m, end) });
    if (psot === 0) break;
    at = end;
  }
  return { size, tiles: [...tiles.values()].sort((a, b) => a.index - b.index), packedMainHeaders, truncated };

  function need(s: ImageSize | undefined): ImageSize {
    if (!s) throw new DecodeError('TRUNCATED', 'JPEG 2000 main header cut short', transferSyntaxUID);
    return s;
  }
}

function readSiz(body: Uint8Array, corrupt: (detail: string) => DecodeError): ImageSize {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.length < 36) throw corrupt('SIZ too short');
  const u32 = (o: number) => view.getUint32(o);
  const [x1, y1, x0, y0, tileWidth, tileHeight, tileX0, tileY0] = [2, 6, 10, 14, 18, 22, 26, 30].map(u32) as [number, number, number, number, number, number, number, number];
  const count = view.getUint16(34);
  if (count === 0 || count > 16384 || body.length < 36 + 3 * count) throw corrupt(`SIZ lists ${count} components in ${body.length + 2} bytes`);
  if (x1 <= x0 || y1 <= y0) throw corrupt(`SIZ gives an empty image (${x1}×${y1} from ${x0}, ${y0})`);
  if (tileWidth === 0 || tileHeight === 0 || tileX0 > x0 || tileY0 > y0 || tileX0 + tileWidth <= x0 || tileY0 + tileHeight <= y0) {
    throw corrupt(`SIZ gives tiles of ${tileWidth}×${tileHeight} at ${tileX0}, ${tileY0} that do not cover the image`);
  }
  const tilesAcross = Math.ceil((x1 - tileX0) / tileWidth);
  const tilesDown = Math.ceil((y1 - tileY0) / tileHeight);
  if (tilesAcross * tilesDown > 65535) throw corrupt(`SIZ gives ${tilesAcross * tilesDown} tiles (at most 65535)`);
  const components: ComponentSize[] = [];
  for (let c = 0; c < count; c++) {
    const ssiz = body[36 + 3 * c]!;
    const dx = body[37 + 3 * c]!;
    const dy = body[38 + 3 * c]!;
    if ((ssiz & 0x7f) > 37 || dx === 0 || dy === 0) throw corrupt(`component ${c}: Ssiz ${ssiz}, subsampling ${dx}×${dy}`);
    components.push({ precision: (ssiz & 0x7f) + 1, signed: (ssiz & 0x80) !== 0, dx, dy });
  }
  return { x0, y0, x1, y1, tileWidth, tileHeight, tileX0, tileY0, tilesAcross, tilesDown, components, capabilities: view.getUint16(0) };
}

function defaults(components: number): MainParameters {
  const style: CodingStyle = { precincts: false, levels: 0, blockWidth: 6, blockHeight: 6, blockStyle: 0, reversible: true, precinctSizes: [0xff] };
  const quantization: Quantization = { guardBits: 2, style: 0, exponents: [8], mantissas: [0] };
  return {
    sop: false,
    eph: false,
    order: 0,
    layers: 1,
    transform: false,
    styles: Array.from({ length: components }, () => style),
    quantization: Array.from({ length: components }, () => quantization),
    roiShift: new Array<number>(components).fill(0),
    progressions: [],
    cocGiven: new Array<boolean>(components).fill(false),
    qccGiven: new Array<boolean>(components).fill(false),
  };
}

function tileDefaults(main: MainParameters): TileParameters {
  return {
    sop: main.sop,
    eph: main.eph,
    order: main.order,
    layers: main.layers,
    transform: main.transform,
    styles: [...main.styles],
    quantization: [...main.quantization],
    roiShift: [...main.roiShift],
    progressions: [...main.progressions],
    own: { coc: main.cocGiven.map(() => false), qcc: main.qccGiven.map(() => false) },
  };
}

/**
 * COD, COC, QCD, QCC, RGN or POC into `target` (the main header's or a tile's parameters).
 * COD and QCD set every component that has no COC / QCC at the same level or, in a tile, that
 * the tile has not set itself (A.6: a tile's COD overrides the main COC only where the tile has no COC).
 */
function readParameter(
  marker: number, body: Uint8Array, size: ImageSize, target: TileParameters, main: MainParameters,
  corrupt: (detail: string) => DecodeError,
): void {
  const components = size.components.length;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const isMain = target === main;
  const own = (target.own ??= { coc: new Array<boolean>(components).fill(false), qcc: new Array<boolean>(components).fill(false) });
  const componentIndex = (): [number, number] => {
    if (components < 257) {
      if (body.length < 1) throw corrupt('marker segment too short');
      return [body[0]!, 1];
    }
    if (body.length < 2) throw corrupt('marker segment too short');
    return [view.getUint16(0), 2];
  };
  switch (marker) {
    case COD: {
      if (body.length < 10) throw corrupt('COD too short');
      const scod = body[0]!;
      target.sop = (scod & 2) !== 0;
      target.eph = (scod & 4) !== 0;
      target.order = body[1]!;
      target.layers = view.getUint16(2);
      target.transform = body[4] !== 0;
      if (target.order > 4 || target.layers === 0) throw corrupt(`COD gives progression order ${target.order} with ${target.layers} layers`);
      if (target.transform && components < 3) throw corrupt('COD asks for a component transform with fewer than 3 components');
      const style = readStyle(body, 5, (scod & 1) !== 0, corrupt);
      for (let c = 0; c < components; c++) {
        const keep = isMain ? main.cocGiven[c] : own.coc[c];
        if (!keep) target.styles[c] = style;
      }
      break;
    }
    case COC: {
      const [c, at] = componentIndex();
      if (c >= components || body.length < at + 1) throw corrupt(`COC for component ${c}`);
      target.styles[c] = readStyle(body, at + 1, (body[at]! & 1) !== 0, corrupt);
      if (isMain) main.cocGiven[c] = true;
      else own.coc[c] = true;
      break;
    }
    case QCD: {
      const quantization = readQuantization(body, 0, corrupt);
      for (let c = 0; c < components; c++) {
        const keep = isMain ? main.qccGiven[c] : own.qcc[c];
        if (!keep) target.quantization[c] = quantization;
      }
      break;
    }
    case QCC: {
      const [c, at] = componentIndex();
      if (c >= components) throw corrupt(`QCC for component ${c}`);
      target.quantization[c] = readQuantization(body, at, corrupt);
      if (isMain) main.qccGiven[c] = true;
      else own.qcc[c] = true;
      break;
    }
    case RGN: {
      const [c, at] = componentIndex();
      if (c >= components || body.length < at + 2) throw corrupt(`RGN for component ${c}`);
      if (body[at] !== 0) throw corrupt(`RGN style ${body[at]}`);
      target.roiShift[c] = body[at + 1]!;
      break;
    }
    case POC: {
      const wide = components >= 257;
      const entry = wide ? 9 : 7;
      if (body.length < entry || body.length % entry !== 0) throw corrupt(`POC of ${body.length + 2} bytes`);
      const progressions: Progression[] = [];
      for (let at = 0; at < body.length; at += entry) {
        const c = (o: number) => (wide ? view.getUint16(at + o) : body[at + o]!);
        const progression: Progression = {
          resolutionStart: body[at]!,
          componentStart: c(1),
          layerEnd: view.getUint16(at + (wide ? 3 : 2)),
          resolutionEnd: body[at + (wide ? 5 : 4)]!,
          componentEnd: c(wide ? 6 : 5) || 256,
          order: body[at + entry - 1]!,
        };
        if (progression.order > 4) throw corrupt(`POC progression order ${progression.order}`);
        progressions.push(progression);
      }
      // A tile's POC adds to the main header's, as OpenJPEG reads it: A.6.6 says a tile's replaces
      // them, but grk_compress writes main and tile POCs that decode right only when joined.
      // Each change may revisit every packet before it; OpenJPEG and FFmpeg take at most 32.
      if (target.progressions.length + progressions.length > 32) throw corrupt(`${target.progressions.length + progressions.length} progression order changes (at most 32)`);
      target.progressions = [...target.progressions, ...progressions];
      break;
    }
  }
}

function readStyle(body: Uint8Array, at: number, precincts: boolean, corrupt: (detail: string) => DecodeError): CodingStyle {
  if (body.length < at + 5) throw corrupt('coding style too short');
  const levels = body[at]!;
  const xcb = body[at + 1]! + 2;
  const ycb = body[at + 2]! + 2;
  if (levels > 32) throw corrupt(`${levels} decomposition levels (at most 32)`);
  if (xcb > 10 || ycb > 10 || xcb + ycb > 12) throw corrupt(`code-blocks of 2^${xcb}×2^${ycb} samples`);
  const transform = body[at + 4]!;
  if (transform > 1) throw corrupt(`wavelet transformation ${transform}`);
  const precinctSizes: number[] = [];
  if (precincts) {
    if (body.length < at + 5 + levels + 1) throw corrupt(`precinct sizes for ${levels + 1} resolutions do not fit the marker segment`);
    for (let r = 0; r <= levels; r++) {
      const sizes = body[at + 5 + r]!;
      if (r > 0 && ((sizes & 15) === 0 || sizes >> 4 === 0)) throw corrupt(`precincts of 2^${sizes & 15}×2^${sizes >> 4} at resolution ${r}`);
      precinctSizes.push(sizes);
    }
  } else {
    for (let r = 0; r <= levels; r++) precinctSizes.push(0xff);
  }
  return { precincts, levels, blockWidth: xcb, blockHeight: ycb, blockStyle: body[at + 3]!, reversible: transform === 1, precinctSizes };
}

function readQuantization(body: Uint8Array, at: number, corrupt: (detail: string) => DecodeError): Quantization {
  if (body.length < at + 1) throw corrupt('quantization too short');
  const sq = body[at]!;
  const style = sq & 0x1f;
  const guardBits = sq >> 5;
  const exponents: number[] = [];
  const mantissas: number[] = [];
  if (style === 0) {
    for (let i = at + 1; i < body.length; i++) {
      exponents.push(body[i]! >> 3);
      mantissas.push(0);
    }
  } else if (style === 1 || style === 2) {
    for (let i = at + 1; i + 1 < body.length; i += 2) {
      const value = (body[i]! << 8) | body[i + 1]!;
      exponents.push(value >> 11);
      mantissas.push(value & 0x7ff);
      if (style === 1) break;
    }
  } else {
    throw corrupt(`quantization style ${style}`);
  }
  if (exponents.length === 0) throw corrupt('quantization without step sizes');
  return { guardBits, style, exponents, mantissas };
}
