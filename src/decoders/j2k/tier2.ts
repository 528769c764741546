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

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Geometry of tile `tile` (B.3 - B.7), for resolutions up to `levels` below the top discarded. */
export function tileLayout(size: ImageSize, tile: Tile, corrupt: (detail: string) => DecodeError): TileLayout {
  const p = tile.index % size.tilesAcross;
  const q = Math.floor(tile.index / size.tilesAcross);
  const x0 = Math.max(size.tileX0 + p * size.tileWidth, size.x0);
  const y0 = Math.max(size.tileY0 + q * size.tileHeight, size.y0);
  const x1 = Math.min(size.tileX0 + (p + 1) * size.tileWidth, size.x1);
  const y1 = Math.min(size.tileY0 + (q + 1) * size.tileHeight, size.y1);
  const { parameters } = tile;
  const components = size.components.map((component, c): TileComponent => {
    const style = parameters.styles[c]!;
    const quantization = parameters.quantization[c]!;
    const roiShift = parameters.roiShift[c]!;
    const tc = { x0: ceilDiv(x0, component.dx), y0: ceilDiv(y0, component.dy), x1: ceilDiv(x1, component.dx), y1: ceilDiv(y1, component.dy) };
    const levels = style.levels;
    const resolutions: Resolution[] = [];
    for (let r = 0; r <= levels; r++) {
      const scale = 2 ** (levels - r);
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
        const half = r === 0 ? 0 : 2 ** (nb - 1);
        const bx0 = ceilDiv(tc.x0 - half * xo, 2 ** nb);
        const by0 = ceilDiv(tc.y0 - half * yo, 2 ** nb);
        const bx1 = ceilDiv(tc.x1 - half * xo, 2 ** nb);
        const by1 = ceilDiv(tc.y1 - half * yo, 2 ** nb);
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
    return { dx: component.dx, dy: component.dy, x0: tc.x0, y0: tc.y0, x1: tc.x1, y1: tc.y1, style, quantization, roiShift, resolutions };
  });
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

  bits(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) value = (value << 1) | this.bit();
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
  const emitted = layout.components.map((component) => component.resolutions.map((resolution) => new Int32Array(resolution.precinctsAcross * resolution.precinctsDown)));
  const included: CodeBlock[] = [];
  const lengths: number[] = [];
  let complete = true;

  const packet = (layer: number, r: number, c: number, p: number): boolean => {
    const counts = emitted[c]![r]!;
    if (layer < counts[p]!) return true;
    counts[p] = layer + 1;
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
          for (let k = 0; k < band.blocks.length; k++) {
            const block = band.blocks[k]!;
            let isIncluded: boolean;
            if (!block.included) isIncluded = band.inclusion.decode(headers, k, layer + 1);
            else isIncluded = headers.bit() === 1;
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
 * until it returns false (the data ran out). Position-driven orders step over the reference grid
 * at the finest precinct spacing of any component and resolution.
 */
function iterate(layout: TileLayout, progression: Progression, layerCount: number, packet: (l: number, r: number, c: number, p: number) => boolean): boolean {
  const { components } = layout;
  const layerEnd = Math.min(progression.layerEnd, layerCount);
  const componentEnd = Math.min(progression.componentEnd, components.length);
  const maxLevels = Math.max(...components.map((component) => component.style.levels));
  const resolutionEnd = Math.min(progression.resolutionEnd, maxLevels + 1);
  const rs = progression.resolutionStart;
  const cs = progression.componentStart;
  const precinctsOf = (c: number, r: number) => {
    const resolution = components[c]!.resolutions[r];
    return resolution ? resolution.precinctsAcross * resolution.precinctsDown : 0;
  };
  switch (progression.order) {
    case 0: // LRCP
      for (let l = 0; l < layerEnd; l++)
        for (let r = rs; r < resolutionEnd; r++)
          for (let c = cs; c < componentEnd; c++)
            for (let p = 0, n = precinctsOf(c, r); p < n; p++) if (!packet(l, r, c, p)) return false;
      return true;
    case 1: // RLCP
      for (let r = rs; r < resolutionEnd; r++)
        for (let l = 0; l < layerEnd; l++)
          for (let c = cs; c < componentEnd; c++)
            for (let p = 0, n = precinctsOf(c, r); p < n; p++) if (!packet(l, r, c, p)) return false;
      return true;
  }
  // RPCL (2), PCRL (3), CPRL (4): positions on the reference grid.
  let stepX = Infinity;
  let stepY = Infinity;
  for (let c = cs; c < componentEnd; c++) {
    const component = components[c]!;
    const levels = component.style.levels;
    for (let r = 0; r <= levels; r++) {
      const resolution = component.resolutions[r]!;
      stepX = Math.min(stepX, component.dx * 2 ** (resolution.precinctWidth + levels - r));
      stepY = Math.min(stepY, component.dy * 2 ** (resolution.precinctHeight + levels - r));
    }
  }
  const at = (c: number, r: number, x: number, y: number): number => {
    const component = components[c]!;
    const levels = component.style.levels;
    if (r > levels) return -1;
    const resolution = component.resolutions[r]!;
    if (resolution.precinctsAcross === 0 || resolution.precinctsDown === 0) return -1;
    const level = levels - r;
    const { dx, dy } = component;
    const rpx = resolution.precinctWidth + level;
    const rpy = resolution.precinctHeight + level;
    if (!(y % (dy * 2 ** rpy) === 0 || (y === layout.y0 && (resolution.y0 * 2 ** level) % 2 ** rpy !== 0))) return -1;
    if (!(x % (dx * 2 ** rpx) === 0 || (x === layout.x0 && (resolution.x0 * 2 ** level) % 2 ** rpx !== 0))) return -1;
    const i = Math.floor(ceilDiv(x, dx * 2 ** level) / 2 ** resolution.precinctWidth) - Math.floor(resolution.x0 / 2 ** resolution.precinctWidth);
    const j = Math.floor(ceilDiv(y, dy * 2 ** level) / 2 ** resolution.precinctHeight) - Math.floor(resolution.y0 / 2 ** resolution.precinctHeight);
    if (i < 0 || j < 0 || i >= resolution.precinctsAcross || j >= resolution.precinctsDown) return -1;
    return i + j * resolution.precinctsAcross;
  };
  const nextX = (x: number) => x + stepX - (x % stepX);
  const nextY = (y: number) => y + stepY - (y % stepY);
  const { x0, y0, x1, y1 } = layout;
  if (progression.order === 2) {
    for (let r = rs; r < resolutionEnd; r++)
      for (let y = y0; y < y1; y = nextY(y))
        for (let x = x0; x < x1; x = nextX(x))
          for (let c = cs; c < componentEnd; c++) {
            const p = at(c, r, x, y);
            if (p >= 0) for (let l = 0; l < layerEnd; l++) if (!packet(l, r, c, p)) return false;
          }
  } else if (progression.order === 3) {
    for (let y = y0; y < y1; y = nextY(y))
      for (let x = x0; x < x1; x = nextX(x))
        for (let c = cs; c < componentEnd; c++)
          for (let r = rs; r < resolutionEnd; r++) {
            const p = at(c, r, x, y);
            if (p >= 0) for (let l = 0; l < layerEnd; l++) if (!packet(l, r, c, p)) return false;
          }
  } else {
    for (let c = cs; c < componentEnd; c++)
      for (let y = y0; y < y1; y = nextY(y))
        for (let x = x0; x < x1; x = nextX(x))
          for (let r = rs; r < resolutionEnd; r++) {
            const p = at(c, r, x, y);
            if (p >= 0) for (let l = 0; l < layerEnd; l++) if (!packet(l, r, c, p)) return false;
          }
  }
  return true;
}
