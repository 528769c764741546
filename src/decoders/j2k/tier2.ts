/**
 * Tier-2 of JPEG 2000 (ISO/IEC 15444-1 Annex B): a tile's geometry (tile-components,
 * resolutions, subbands, precincts, code-blocks) and its packets, read in progression order,
 * leaving each code-block's codeword segments as (offset, length) pieces of the codestream.
 */
import { DecodeError } from '../../errors.js';
import type { CodingStyle, ImageSize, Progression, Quantization, Tile, TileParameters } from './codestream.js';

export interface Segment {
  passes: number;
  /** Passes this segment can hold (a termination ends it: Table D.8 / B.10.7.2). */
  maxPasses: number;
  length: number;
  /** (offset, length) pairs in the codestream, in order. */
  pieces: number[];
}

export interface CodeBlock {
  /** Bounds on the subband's grid. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  included: boolean;
  /** Magnitude bit planes coded (Mb less the zero bit planes, B.10.5). */
  planes: number;
  lengthBits: number;
  passes: number;
  segments: Segment[];
}

export interface Band {
  /** 0 LL, 1 HL, 2 LH, 3 HH. */
  orient: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Code-block size exponents in this band (limited by the precinct). */
  blockWidth: number;
  blockHeight: number;
  /** Mb (E-2): guard bits + exponent - 1, plus the ROI shift. */
  maxPlanes: number;
  /** Quantisation step Δb for the irreversible transform (without its gain); 1 for the reversible one. */
  step: number;
  /** Where the band's samples go in the tile-component buffer. */
  offsetX: number;
  offsetY: number;
}

interface PrecinctBand {
  blocksAcross: number;
  blocksDown: number;
  blocks: CodeBlock[];
  inclusion: TagTree;
  zeroPlanes: TagTree;
}

export interface Resolution {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Precinct size exponents on this resolution's grid. */
  precinctWidth: number;
  precinctHeight: number;
  precinctsAcross: number;
  precinctsDown: number;
  bands: Band[];
  precincts: (PrecinctBand[] | undefined)[];
}

export interface TileComponent {
  /** XRsiz, YRsiz. */
  dx: number;
  dy: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  style: CodingStyle;
  quantization: Quantization;
  roiShift: number;
  resolutions: Resolution[];
}

export interface TileLayout {
  /** Bounds on the reference grid. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  components: TileComponent[];
  parameters: TileParameters;
}

/** ⌈a / b⌉, never -0 (a -0 would make V8 keep every such field as a boxed double). */
const ceilDiv = (a: number, b: number) => Math.ceil(a / b) + 0;
/** 2^0 … 2^33: `2 ** n` with a variable n is a call. */
const POW2 = Array.from({ length: 34 }, (_, n) => 2 ** n);

/** Geometry of tile `tile` (B.3 - B.7), for resolutions up to `levels` below the top discarded. */
export function tileLayout(size: ImageSize, tile: Tile, corrupt: (detail: string) => DecodeError): TileLayout {
  const p = tile.index % size.tilesAcross;
  const q = Math.floor(tile.index / size.tilesAcross);
  const x0 = Math.max(size.tileX0 + p * size.tileWidth, size.x0);
  const y0 = Math.max(size.tileY0 + q * size.tileHeight, size.y0);
  const x1 = Math.min(size.tileX0 + (p + 1) * size.tileWidth, size.x1);
  const y1 = Math.min(size.tileY0 + (q + 1) * size.tileHeight, size.y1);
  const { parameters } = tile;
  const components: TileComponent[] = [];
  for (const [c, component] of size.components.entries()) {
    const style = parameters.styles[c]!;
    const quantization = parameters.quantization[c]!;
    const roiShift = parameters.roiShift[c]!;
    const tc = { x0: ceilDiv(x0, component.dx), y0: ceilDiv(y0, component.dy), x1: ceilDiv(x1, component.dx), y1: ceilDiv(y1, component.dy) };
    // A component coded as the one before has its subbands (read only); its precincts are its own.
    const before = components[c - 1];
    const last = size.components[c - 1];
    if (before && last && before.style === style && before.quantization === quantization && before.roiShift === roiShift && last.dx === component.dx && last.dy === component.dy && last.precision === component.precision) {
      const resolutions = before.resolutions.map((r): Resolution => ({
        x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y1, precinctWidth: r.precinctWidth, precinctHeight: r.precinctHeight,
        precinctsAcross: r.precinctsAcross, precinctsDown: r.precinctsDown, bands: r.bands, precincts: [],
      }));
      components.push({ dx: component.dx, dy: component.dy, x0: tc.x0, y0: tc.y0, x1: tc.x1, y1: tc.y1, style, quantization, roiShift, resolutions });
      continue;
    }
    const levels = style.levels;
    const resolutions: Resolution[] = [];
    for (let r = 0; r <= levels; r++) {
      const scale = POW2[levels - r]!;
      const res = { x0: ceilDiv(tc.x0, scale), y0: ceilDiv(tc.y0, scale), x1: ceilDiv(tc.x1, scale), y1: ceilDiv(tc.y1, scale) };
      const sizes = style.precinctSizes[r]!;
      const precinctWidth = sizes & 15;
      const precinctHeight = sizes >> 4;
      const precinctsAcross = res.x1 > res.x0 ? ceilDiv(res.x1, 2 ** precinctWidth) - Math.floor(res.x0 / 2 ** precinctWidth) : 0;
      const precinctsDown = res.y1 > res.y0 ? ceilDiv(res.y1, 2 ** precinctHeight) - Math.floor(res.y0 / 2 ** precinctHeight) : 0;
      const bands: Band[] = [];
      const lower = r > 0 ? resolutions[r - 1]! : undefined;
      for (const orient of r === 0 ? [0] : [1, 2, 3]) {
        const nb = r === 0 ? levels : levels - r + 1;
        const xo = orient & 1;
        const yo = orient >> 1;
        // (B-15); the LL band of resolution 0 has no offset. Plain literals, no spreads: a tile of
        // 33 resolutions per component is made per tile, up to 65535 times.
        const half = r === 0 ? 0 : POW2[nb - 1]!;
        const scale = POW2[nb]!;
        const bx0 = ceilDiv(tc.x0 - half * xo, scale);
        const by0 = ceilDiv(tc.y0 - half * yo, scale);
        const bx1 = ceilDiv(tc.x1 - half * xo, scale);
        const by1 = ceilDiv(tc.y1 - half * yo, scale);
        const index = r === 0 ? 0 : 3 * (r - 1) + orient;
        let exponent: number;
        let mantissa: number;
        if (quantization.style === 1) {
          exponent = quantization.exponents[0]! - (r === 0 ? 0 : r - 1);
          mantissa = quantization.mantissas[0]!;
        } else {
          if (index >= quantization.exponents.length) throw corrupt(`quantization gives ${quantization.exponents.length} step sizes, subband ${index} needs one`);
          exponent = quantization.exponents[index]!;
          mantissa = quantization.mantissas[index]!;
        }
        const maxPlanes = quantization.guardBits + exponent - 1 + roiShift;
        // E-3 without the subband gain (E-4): the inverse 9/7 scales high-pass samples by 2/K
        // instead of 1/K (assembly/j2k/dwt.ts), as OpenJPEG does.
        const step = style.reversible ? 1 : 2 ** (component.precision - exponent) * (1 + mantissa / 2048);
        const reduce = r === 0 ? 0 : 1;
        bands.push({
          orient,
          x0: bx0,
          y0: by0,
          x1: bx1,
          y1: by1,
          blockWidth: Math.min(style.blockWidth, precinctWidth - reduce),
          blockHeight: Math.min(style.blockHeight, precinctHeight - reduce),
          maxPlanes,
          step,
          offsetX: xo && lower ? lower.x1 - lower.x0 : 0,
          offsetY: yo && lower ? lower.y1 - lower.y0 : 0,
        });
      }
      resolutions.push({ x0: res.x0, y0: res.y0, x1: res.x1, y1: res.y1, precinctWidth, precinctHeight, precinctsAcross, precinctsDown, bands, precincts: [] });
    }
    components.push({ dx: component.dx, dy: component.dy, x0: tc.x0, y0: tc.y0, x1: tc.x1, y1: tc.y1, style, quantization, roiShift, resolutions });
  }
  return { x0, y0, x1, y1, components, parameters };
}

/** The code-blocks of precinct `index` of a resolution, made when its first packet is read. */
function precinct(resolution: Resolution, r: number, index: number): PrecinctBand[] {
  const existing = resolution.precincts[index];
  if (existing) return existing;
  const i = index % resolution.precinctsAcross;
  const j = Math.floor(index / resolution.precinctsAcross);
  const reduce = r === 0 ? 0 : 1;
  const px = Math.floor(resolution.x0 / 2 ** resolution.precinctWidth) + i;
  const py = Math.floor(resolution.y0 / 2 ** resolution.precinctHeight) + j;
  const bands = resolution.bands.map((band): PrecinctBand => {
    const pw = 2 ** (resolution.precinctWidth - reduce);
    const ph = 2 ** (resolution.precinctHeight - reduce);
    const x0 = Math.max(px * pw, band.x0);
    const y0 = Math.max(py * ph, band.y0);
    const x1 = Math.min((px + 1) * pw, band.x1);
    const y1 = Math.min((py + 1) * ph, band.y1);
    const bw = 2 ** band.blockWidth;
    const bh = 2 ** band.blockHeight;
    const blocksAcross = x1 > x0 ? ceilDiv(x1, bw) - Math.floor(x0 / bw) : 0;
    const blocksDown = y1 > y0 ? ceilDiv(y1, bh) - Math.floor(y0 / bh) : 0;
    const blocks: CodeBlock[] = [];
    const bx = Math.floor(x0 / bw);
    const by = Math.floor(y0 / bh);
    for (let v = 0; v < blocksDown; v++) {
      for (let u = 0; u < blocksAcross; u++) {
        blocks.push({
          x0: Math.max((bx + u) * bw, x0),
          y0: Math.max((by + v) * bh, y0),
          x1: Math.min((bx + u + 1) * bw, x1),
          y1: Math.min((by + v + 1) * bh, y1),
          included: false,
          planes: 0,
          lengthBits: 3,
          passes: 0,
          segments: [],
        });
      }
    }
    return { blocksAcross, blocksDown, blocks, inclusion: new TagTree(blocksAcross, blocksDown), zeroPlanes: new TagTree(blocksAcross, blocksDown) };
  });
  resolution.precincts[index] = bands;
  return bands;
}

/** A tag tree (B.10.2) over a grid of leaves: each node's value and the lower bound known so far. */
class TagTree {
  private readonly value: Int32Array;
  private readonly low: Int32Array;
  private readonly parent: Int32Array;
  private readonly path: Int32Array;
  /** Per level, its width in nodes and the index of its first node. */
  private readonly widths: Int32Array;
  private readonly starts: Int32Array;

  constructor(width: number, height: number) {
    const sizes: [number, number][] = [];
    let w = Math.max(width, 1);
    let h = Math.max(height, 1);
    let count = 0;
    for (;;) {
      sizes.push([w, h]);
      count += w * h;
      if (w === 1 && h === 1) break;
      w = Math.ceil(w / 2);
      h = Math.ceil(h / 2);
    }
    this.widths = new Int32Array(sizes.map(([w]) => w));
    this.starts = new Int32Array(sizes.length);
    for (let level = 1; level < sizes.length; level++) this.starts[level] = this.starts[level - 1]! + this.widths[level - 1]! * sizes[level - 1]![1];
    this.value = new Int32Array(count).fill(0x7fffffff);
    this.low = new Int32Array(count);
    this.parent = new Int32Array(count).fill(-1);
    this.path = new Int32Array(sizes.length);
    let start = 0;
    for (let level = 0; level + 1 < sizes.length; level++) {
      const [lw, lh] = sizes[level]!;
      const next = start + lw * lh;
      const pw = sizes[level + 1]![0];
      for (let y = 0; y < lh; y++) for (let x = 0; x < lw; x++) this.parent[start + y * lw + x] = next + (y >> 1) * pw + (x >> 1);
      start = next;
    }
  }

  /** Whether leaf `leaf`'s value is below `threshold`, reading bits as needed. */
  decode(bits: BitReader, leaf: number, threshold: number): boolean {
    let depth = 0;
    for (let node = leaf; node !== -1; node = this.parent[node]!) this.path[depth++] = node;
    let low = 0;
    for (let d = depth - 1; d >= 0; d--) {
      const node = this.path[d]!;
      if (low > this.low[node]!) this.low[node] = low;
      else low = this.low[node]!;
      while (low < threshold && low < this.value[node]!) {
        if (bits.bit()) this.value[node] = low;
        else low++;
      }
      this.low[node] = low;
    }
    return this.value[leaf]! < threshold;
  }

  /**
   * The highest level at which the ancestor of leaf (x, y) is known to be at least `threshold`
   * (so the leaf is too, and decoding it reads no bits), or -1.
   */
  closedLevel(x: number, y: number, threshold: number): number {
    for (let level = this.widths.length - 1; level >= 0; level--) {
      const node = this.starts[level]! + (y >> level) * this.widths[level]! + (x >> level);
      if (this.low[node]! >= threshold && this.value[node]! >= threshold) return level;
    }
    return -1;
  }

  /** The leaf's full value (zero bit planes), reading bits as needed; at most `limit`. */
  valueOf(bits: BitReader, leaf: number, limit: number): number {
    let threshold = 1;
    while (!this.decode(bits, leaf, threshold)) {
      if (threshold > limit) return -1;
      threshold++;
    }
    return this.value[leaf]!;
  }
}

/** Packet header bits (B.10.1): after a 0xFF byte, the next byte holds 7 bits. */
class BitReader {
  bytes: Uint8Array;
  at: number;
  end: number;
  private buffer = 0;
  private count = 0;

  constructor(bytes: Uint8Array, at: number, end: number) {
    this.bytes = bytes;
    this.at = at;
    this.end = end;
  }

  bit(): number {
    if (this.count === 0) {
      if (this.at >= this.end) throw new Truncated();
      const stuffed = this.buffer === 0xff;
      this.buffer = this.bytes[this.at++]!;
      this.count = stuffed ? 7 : 8;
    }
    this.count--;
    return (this.buffer >> this.count) & 1;
  }

  /** `n` bits as a non-negative number (a code-block length may have more than 31). */
  bits(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 2 + this.bit();
    return value;
  }

  /** End of a packet header: the rest of the byte, and the byte after a final 0xFF. */
  align(): void {
    if (this.buffer === 0xff) {
      if (this.at >= this.end) throw new Truncated();
      this.at++;
    }
    this.buffer = 0;
    this.count = 0;
  }
}

/** Data ended inside a packet. */
class Truncated extends Error {}

/** Number of coding passes (Table B.4). */
function passCount(bits: BitReader): number {
  if (!bits.bit()) return 1;
  if (!bits.bit()) return 2;
  let n = bits.bits(2);
  if (n !== 3) return 3 + n;
  n = bits.bits(5);
  if (n !== 31) return 6 + n;
  return 37 + bits.bits(7);
}

/** Passes the next segment of a code-block can hold (B.10.7.2, Table D.8): bits of SPcod's style. */
function segmentPasses(style: number, previous: Segment | undefined): number {
  if (style & 4) return 1; // termination on each pass
  if (style & 1) {
    // Lazy: ten MQ passes, then raw (significance + refinement) and MQ (cleanup) segments.
    if (!previous) return 10;
    return previous.maxPasses === 1 || previous.maxPasses === 10 ? 2 : 1;
  }
  return 109;
}

export interface PacketResult {
  /** Packets read before the data ran out (all of them when `complete`). */
  complete: boolean;
  /** What the pieces' offsets index: the codestream, or the joined bodies of a multi-part tile. */
  source: Uint8Array;
}

/**
 * Read the packets of a tile (B.9 - B.12) from its tile-parts' data in `bytes`, in progression
 * order, for `layers` layers; packet headers come from PPT data when the tile has them. Code-block
 * data from layers at or above `layers` is not kept. Data ending at a packet boundary leaves the
 * remaining packets empty (`complete` false); data ending inside a packet is TRUNCATED.
 */
export function readPackets(
  bytes: Uint8Array, tile: Tile, layout: TileLayout, layers: number, transferSyntaxUID: string,
  corrupt: (detail: string) => DecodeError,
): PacketResult {
  const { parameters } = layout;
  // The tile's data: its tile-parts' bodies, read as one stream.
  let body: Uint8Array;
  if (tile.parts.length === 1) body = bytes.subarray(tile.parts[0]!.start, tile.parts[0]!.end);
  else body = joined(tile.parts.map((part) => bytes.subarray(part.start, part.end)));
  const packed = tile.packedHeaders.length > 0 ? joined(tile.packedHeaders) : undefined;
  const headers = new BitReader(packed ?? body, 0, (packed ?? body).length);
  const data = packed ? new BitReader(body, 0, body.length) : headers;
  // Layers emitted per precinct: one array for the tile, from where each resolution's precincts start.
  let precinctCount = 0;
  const firstPrecinct = layout.components.map((component) => component.resolutions.map((resolution) => {
    const first = precinctCount;
    precinctCount += resolution.precinctsAcross * resolution.precinctsDown;
    return first;
  }));
  const emitted = new Int32Array(precinctCount);
  const included: CodeBlock[] = [];
  const lengths: number[] = [];
  let complete = true;

  const packet = (layer: number, r: number, c: number, p: number): boolean => {
    const at = firstPrecinct[c]![r]! + p;
    if (layer < emitted[at]!) return true;
    emitted[at] = layer + 1;
    if (data.at >= data.end && (!packed || headers.at >= headers.end)) {
      complete = false;
      return false;
    }
    const resolution = layout.components[c]!.resolutions[r]!;
    const bands = precinct(resolution, r, p);
    const style = layout.components[c]!.style.blockStyle;
    try {
      // SOP (A.8.1) before the packet, in the data.
      if (parameters.sop && data.at + 6 <= data.end && data.bytes[data.at] === 0xff && data.bytes[data.at + 1] === 0x91) data.at += 6;
      if (!packed) headers.at = data.at;
      included.length = 0;
      lengths.length = 0;
      if (headers.bit()) {
        for (let b = 0; b < bands.length; b++) {
          const band = bands[b]!;
          const maxPlanes = resolution.bands[b]!.maxPlanes;
          // Blocks in raster order. Under a node of the inclusion tree known to come in at a later
          // layer, no block reads a bit: those runs are stepped over, and rows made only of them,
          // so the work is the bits read rather than the blocks of the precinct.
          for (let y = 0; y < band.blocksDown; ) {
            let rowEnd = Infinity;
            for (let x = 0; x < band.blocksAcross; ) {
              const k = x + y * band.blocksAcross;
              const block = band.blocks[k]!;
              let isIncluded: boolean;
              if (!block.included) {
                const level = band.inclusion.closedLevel(x, y, layer + 1);
                if (level >= 0) {
                  x = ((x >> level) + 1) << level;
                  rowEnd = Math.min(rowEnd, ((y >> level) + 1) << level);
                  continue;
                }
                isIncluded = band.inclusion.decode(headers, k, layer + 1);
              } else isIncluded = headers.bit() === 1;
              rowEnd = y + 1;
              x++;
              if (!isIncluded) continue;
              if (!block.included) {
                const zero = band.zeroPlanes.valueOf(headers, k, maxPlanes);
                if (zero < 0 || zero > maxPlanes) throw corrupt(`a code-block with more zero bit planes than its subband's ${maxPlanes}`);
                block.planes = maxPlanes - zero;
                block.included = true;
              }
              const passes = passCount(headers);
              while (headers.bit()) block.lengthBits++;
              if (block.passes + passes > 3 * block.planes - 2 && !(block.planes === 0 && passes === 0)) {
                throw corrupt(`a code-block with ${block.passes + passes} coding passes over ${block.planes} bit planes`);
              }
              let left = passes;
              let segment: Segment | undefined = block.segments[block.segments.length - 1];
              if (!segment || segment.passes === segment.maxPasses) segment = undefined;
              while (left > 0) {
                if (!segment) {
                  segment = { passes: 0, maxPasses: segmentPasses(style, block.segments[block.segments.length - 1]), length: 0, pieces: [] };
                  block.segments.push(segment);
                }
                const n = Math.min(segment.maxPasses - segment.passes, left);
                const length = headers.bits(block.lengthBits + Math.floor(Math.log2(n)));
                included.push(block);
                lengths.push(length, n, block.segments.length - 1);
                left -= n;
                if (left > 0) segment = undefined;
              }
            }
            y = Math.min(rowEnd, band.blocksDown);
          }
        }
      }
      headers.align();
      // EPH (A.8.2) after the header.
      if (parameters.eph) {
        if (headers.at + 2 > headers.end) throw new Truncated();
        if (headers.bytes[headers.at] === 0xff && headers.bytes[headers.at + 1] === 0x92) headers.at += 2;
      }
      if (!packed) data.at = headers.at;
      for (let i = 0; i < included.length; i++) {
        const block = included[i]!;
        const length = lengths[3 * i]!;
        if (data.at + length > data.end) throw new Truncated();
        if (layer < layers) {
          const segment = block.segments[lengths[3 * i + 2]!]!;
          segment.passes += lengths[3 * i + 1]!;
          segment.length += length;
          if (length > 0) segment.pieces.push(data.at, length);
          block.passes += lengths[3 * i + 1]!;
        }
        data.at += length;
      }
    } catch (error) {
      if (error instanceof Truncated) throw new DecodeError('TRUNCATED', 'JPEG 2000 tile data ends inside a packet', transferSyntaxUID);
      throw error;
    }
    return true;
  };

  const progressions: Progression[] = parameters.progressions.length > 0
    ? parameters.progressions
    : [{ order: parameters.order, resolutionStart: 0, componentStart: 0, layerEnd: parameters.layers, resolutionEnd: 33, componentEnd: layout.components.length }];
  for (const progression of progressions) {
    if (!iterate(layout, progression, parameters.layers, packet)) break;
  }
  return { complete, source: body };
}

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Every packet of one progression (B.12.1): `packet(layer, resolution, component, precinct)`
 * until it returns false (the data ran out). The work is the packets of the progression and the
 * precincts it spans: a packet emitted before is skipped at once, and the position-driven orders
 * visit each precinct once at its place on the reference grid (not every position at the finest
 * precinct spacing, which a stream with tiny precincts in one resolution makes huge).
 */
function iterate(layout: TileLayout, progression: Progression, layerCount: number, packet: (l: number, r: number, c: number, p: number) => boolean): boolean {
  const { components } = layout;
  const layerEnd = Math.min(progression.layerEnd, layerCount);
  const componentEnd = Math.min(progression.componentEnd, components.length);
  const maxLevels = Math.max(...components.map((component) => component.style.levels));
  const resolutionEnd = Math.min(progression.resolutionEnd, maxLevels + 1);
  const rs = progression.resolutionStart;
  const cs = progression.componentStart;
  // The (component, resolution) pairs of the progression that have precincts.
  const pairs = (cFrom: number, cTo: number, rFrom: number, rTo: number, resolutionMajor: boolean): Place[] => {
    const out: Place[] = [];
    const add = (c: number, r: number) => {
      const resolution = components[c]!.resolutions[r];
      if (resolution && resolution.precinctsAcross > 0 && resolution.precinctsDown > 0) out.push(place(layout, components[c]!, resolution, c, r, out.length));
    };
    if (resolutionMajor) for (let r = rFrom; r < rTo; r++) for (let c = cFrom; c < cTo; c++) add(c, r);
    else for (let c = cFrom; c < cTo; c++) for (let r = rFrom; r < rTo; r++) add(c, r);
    return out;
  };
  const layers = (place: Place, p: number): boolean => {
    for (let l = 0; l < layerEnd; l++) if (!packet(l, place.r, place.c, p)) return false;
    return true;
  };
  switch (progression.order) {
    case 0: { // LRCP
      const all = pairs(cs, componentEnd, rs, resolutionEnd, true);
      if (all.length === 0) return true;
      for (let l = 0; l < layerEnd; l++)
        for (const { c, r, count } of all)
          for (let p = 0; p < count; p++) if (!packet(l, r, c, p)) return false;
      return true;
    }
    case 1: // RLCP
      for (let r = rs; r < resolutionEnd; r++) {
        const all = pairs(cs, componentEnd, r, r + 1, true);
        if (all.length === 0) continue;
        for (let l = 0; l < layerEnd; l++)
          for (const { c, count } of all)
            for (let p = 0; p < count; p++) if (!packet(l, r, c, p)) return false;
      }
      return true;
    case 2: // RPCL
      for (let r = rs; r < resolutionEnd; r++) if (!byPosition(pairs(cs, componentEnd, r, r + 1, true), layers)) return false;
      return true;
    case 3: // PCRL
      return byPosition(pairs(cs, componentEnd, rs, resolutionEnd, false), layers);
    default: // CPRL
      for (let c = cs; c < componentEnd; c++) if (!byPosition(pairs(c, c + 1, rs, resolutionEnd, false), layers)) return false;
      return true;
  }
}

/** A resolution of a tile-component with precincts, and where its precincts sit on the reference grid (B.12.1.3 - B.12.1.5). */
interface Place {
  c: number;
  r: number;
  /** Its rank in the order the progression takes places at one position. */
  rank: number;
  count: number;
  across: number;
  down: number;
  /** Reference-grid position of precinct column i > 0 is (firstColumn + i) · stepX; of column 0, x0 (same for rows). */
  firstColumn: number;
  firstRow: number;
  stepX: number;
  stepY: number;
  x0: number;
  y0: number;
  /** The row and column of the next precinct. */
  row: number;
  column: number;
}

function place(layout: TileLayout, component: TileComponent, resolution: Resolution, c: number, r: number, rank: number): Place {
  const level = component.style.levels - r;
  const stepX = component.dx * 2 ** (resolution.precinctWidth + level);
  const stepY = component.dy * 2 ** (resolution.precinctHeight + level);
  const firstColumn = Math.floor(resolution.x0 / 2 ** resolution.precinctWidth);
  const firstRow = Math.floor(resolution.y0 / 2 ** resolution.precinctHeight);
  // The first precinct is met at the tile's corner unless the resolution starts on a precinct
  // boundary, where the corner is not one: then at that boundary.
  const startX = (resolution.x0 * 2 ** level) % 2 ** (resolution.precinctWidth + level) !== 0 || layout.x0 % stepX === 0 ? layout.x0 : firstColumn * stepX;
  const startY = (resolution.y0 * 2 ** level) % 2 ** (resolution.precinctHeight + level) !== 0 || layout.y0 % stepY === 0 ? layout.y0 : firstRow * stepY;
  return {
    c, r, rank,
    count: resolution.precinctsAcross * resolution.precinctsDown,
    across: resolution.precinctsAcross,
    down: resolution.precinctsDown,
    firstColumn, firstRow, stepX, stepY, x0: startX, y0: startY,
    row: 0,
    column: 0,
  };
}

const rowAt = (e: Place) => (e.row === 0 ? e.y0 : (e.firstRow + e.row) * e.stepY);
const columnAt = (e: Place) => (e.column === 0 ? e.x0 : (e.firstColumn + e.column) * e.stepX);

/**
 * The precincts of `places` in the order of their positions on the reference grid: by row, then
 * column, then rank; `visit(place, precinct)` until it returns false. Each precinct costs a few
 * heap steps, whatever the spacing of the others.
 */
function byPosition(places: Place[], visit: (place: Place, p: number) => boolean): boolean {
  const rows = new PlaceHeap(rowAt);
  for (const e of places) rows.push(e);
  const columns = new PlaceHeap(columnAt);
  const active: Place[] = [];
  while (rows.size > 0) {
    const y = rowAt(rows.peek());
    active.length = 0;
    while (rows.size > 0 && rowAt(rows.peek()) === y) {
      const e = rows.pop();
      e.column = 0;
      active.push(e);
      columns.push(e);
    }
    while (columns.size > 0) {
      const e = columns.pop();
      if (!visit(e, e.column + e.row * e.across)) return false;
      if (++e.column < e.across) columns.push(e);
    }
    for (const e of active) if (++e.row < e.down) rows.push(e);
  }
  return true;
}

/** A binary min-heap of places by (position, rank). */
class PlaceHeap {
  private readonly items: Place[] = [];
  constructor(private readonly key: (e: Place) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): Place {
    return this.items[0]!;
  }

  private less(a: Place, b: Place): boolean {
    const ka = this.key(a);
    const kb = this.key(b);
    return ka < kb || (ka === kb && a.rank < b.rank);
  }

  push(e: Place): void {
    const { items } = this;
    let i = items.length;
    items.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(e, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = e;
  }

  pop(): Place {
    const { items } = this;
    const top = items[0]!;
    const last = items.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && this.less(items[child + 1]!, items[child]!)) child++;
        if (!this.less(items[child]!, last)) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}
