// Tier-1 of JPEG 2000 (ISO/IEC 15444-1 Annex D): the three coding passes over one code-block,
// driven by the MQ decoder (or raw bits in lazy mode), then dequantised into the tile-component.
import { initStates, mqDecode, mqDecodeQuiet, mqInit, mqState, rawDecode, rawInit } from './mq';
import { Status } from '../shared';

// Code-block style (SPcod, Table A.19).
const STYLE_BYPASS = 1;
const STYLE_RESET = 2;
const STYLE_VCAUSAL = 8;
const STYLE_SEGSYM = 32;

// The state of a code-block is one u32 per column of each stripe of four rows (D.1), with a
// border column on each side and a border stripe above and below. A word holds:
// - bits 0-17: the significance of the 3 columns (west, this, east) × 6 rows (the row above the
//   stripe, its four rows, the row below) around the column: row r (-1..4), column k at 3(r+1)+k.
//   Shifted right by 3i, bits 0-8 are the 3×3 neighbourhood of row i, the sample itself at bit 4;
// - bits 18-23: the sign (1 negative) of this column's samples in rows -1..4;
// - bits 24-27: row i refined once (MU); bits 28-31: row i coded in this plane's significance pass (PI).
// A sample becoming significant sets its bit in its own word, its neighbours' words east and
// west, and in the stripe above or below for rows 0 and 3.
@inline function sigma(row: i32, column: i32): u32 {
  return 1 << <u32>(3 * (row + 1) + column);
}
@inline function chi(row: i32): u32 {
  return 1 << <u32>(19 + row);
}
const MU: u32 = 1 << 24;
const PI: u32 = 1 << 28;
const PI_ALL: u32 = 15 << 28;
/** The samples' own significance bits (rows 0-3). */
const SELF_ALL: u32 = (1 << 4) | (1 << 7) | (1 << 10) | (1 << 13);
/** The eight neighbours in a row's shifted neighbourhood. */
const NEIGHBOURS: u32 = 0x1ef;
/** The row below the stripe: ignored in vertically causal mode (D.7). */
const BELOW: u32 = (7 << 15) | (1 << 23);

// Contexts (Table D.1 - D.4): 0-8 significance, 9-13 sign, 14-16 refinement, run-length, uniform;
// each a u32 (its probability state's entry, mq.ts), addressed by byte offset: context n at 4n.
const CTX_RL: usize = 17 << 2;
const CTX_UNI: usize = 18 << 2;
const CONTEXTS = 19;
const CTX: usize = memory.data(CONTEXTS * 4, 16);

/** Significance context (its byte offset in CTX) per orientation (LL, HL, LH, HH) and 3×3 neighbourhood (Table D.1). */
const ZC_LUT: usize = memory.data(4 * 512, 16);
/** Sign context (its byte offset in CTX, bits 0-6) and XOR bit (bit 7) per direct neighbourhood (Table D.3). */
const SC_LUT: usize = memory.data(256, 16);

let tablesReady = false;

function initTables(): void {
  if (tablesReady) return;
  initStates();
  for (let g: u32 = 0; g < 512; g++) {
    // Neighbourhood bits: 0 NW, 1 N, 2 NE, 3 W, 5 E, 6 SW, 7 S, 8 SE.
    const h = ((g >> 3) & 1) + ((g >> 5) & 1);
    const v = ((g >> 1) & 1) + ((g >> 7) & 1);
    const d = (g & 1) + ((g >> 2) & 1) + ((g >> 6) & 1) + ((g >> 8) & 1);
    store<u8>(ZC_LUT + g, <u8>(zcContext(h, v, d) << 2));
    store<u8>(ZC_LUT + 512 + g, <u8>(zcContext(v, h, d) << 2));
    store<u8>(ZC_LUT + 1024 + g, <u8>(zcContext(h, v, d) << 2));
    store<u8>(ZC_LUT + 1536 + g, <u8>(hhContext(h + v, d) << 2));
  }
  for (let f: u32 = 0; f < 256; f++) store<u8>(SC_LUT + f, <u8>signContext(f));
  tablesReady = true;
}

/** Table D.1 for LL and LH (HL swaps h and v). */
function zcContext(h: u32, v: u32, d: u32): u32 {
  if (h == 2) return 8;
  if (h == 1) return v >= 1 ? 7 : d >= 1 ? 6 : 5;
  if (v == 2) return 4;
  if (v == 1) return 3;
  return d >= 2 ? 2 : d;
}

/** Table D.1 for HH. */
function hhContext(hv: u32, d: u32): u32 {
  if (d >= 3) return 8;
  if (d == 2) return hv >= 1 ? 7 : 6;
  if (d == 1) return hv >= 2 ? 5 : hv == 1 ? 4 : 3;
  return hv >= 2 ? 2 : hv;
}

function contribution(sig: u32, negative: u32): i32 {
  return sig ? (negative ? -1 : 1) : 0;
}

/** Tables D.2 and D.3 from the significance (bits 0-3: N S E W) and signs (bits 4-7) of the direct neighbours. */
function signContext(f: u32): u32 {
  let hc = contribution((f >> 2) & 1, (f >> 6) & 1) + contribution((f >> 3) & 1, (f >> 7) & 1);
  let vc = contribution(f & 1, (f >> 4) & 1) + contribution((f >> 1) & 1, (f >> 5) & 1);
  hc = hc > 0 ? 1 : hc < 0 ? -1 : 0;
  vc = vc > 0 ? 1 : vc < 0 ? -1 : 0;
  let flip: u32 = 0;
  if (hc < 0 || (hc == 0 && vc < 0)) {
    hc = -hc;
    vc = -vc;
    flip = 0x80;
  }
  // hc = 1: 13, 12, 11 for vc = 1, 0, -1; hc = 0: 10 or 9.
  const context: u32 = hc == 1 ? <u32>(12 + vc) : vc == 0 ? 9 : 10;
  return (context << 2) | flip;
}

function resetContexts(): void {
  const initial = mqState(0);
  for (let n = 0; n < CONTEXTS; n++) store<u32>(CTX + (<usize>n << 2), initial);
  store<u32>(CTX, mqState(4 << 1)); // no significant neighbour: Qe index 4
  store<u32>(CTX + CTX_RL, mqState(3 << 1));
  store<u32>(CTX + CTX_UNI, mqState(46 << 1));
}

// One code-block's decoding state.
let words: usize = 0; // u32 per stripe column, (width + 2) × (stripes + 2)
let values: usize = 0; // i32 per sample, width × height: sign (bit 31) and magnitude at twice the scale
let width: i32 = 0;
let height: i32 = 0;
let wordStride: usize = 0; // bytes from a stripe's words to the next stripe's
let zc: usize = 0; // this band's significance contexts
let vcausal = false;

/** Bytes of work memory j2kDecodeBlocks needs: state and values of the largest code-block. */
export function j2kBlockWorkBytes(): i32 {
  // At most 4096 samples and 1024 a side (A.6.1): (w + 2)(h / 4 + 2) <= 1026 × 3 or 66 × 18.
  return (1026 * 3 + 4096) * 4;
}

/** The neighbourhood of row `i` of a stripe column (bits 0-8), without the row below the stripe in vertically causal mode. */
@inline function neighbourhood(f: u32, i: i32, causal: bool): u32 {
  const g = (f >> <u32>(3 * i)) & 0x1ff;
  return causal && i == 3 ? g & 0x3f : g;
}

/**
 * Row `i` of the column whose word is `f`, at `p`, becomes significant with sign `negative`: the
 * words next to it are updated in memory; its own word is returned (the passes hold a column's
 * word in a local while they code its rows, and store it once).
 */
@inline function becomeSignificant(p: usize, f: u32, i: i32, negative: u32): u32 {
  store<u32>(p - 4, load<u32>(p - 4) | sigma(i, 2));
  store<u32>(p + 4, load<u32>(p + 4) | sigma(i, 0));
  if (i == 0) {
    const q = p - wordStride;
    store<u32>(q - 4, load<u32>(q - 4) | sigma(4, 2));
    store<u32>(q, load<u32>(q) | sigma(4, 1) | (negative ? chi(4) : 0));
    store<u32>(q + 4, load<u32>(q + 4) | sigma(4, 0));
  } else if (i == 3) {
    const q = p + wordStride;
    store<u32>(q - 4, load<u32>(q - 4) | sigma(-1, 2));
    store<u32>(q, load<u32>(q) | sigma(-1, 1) | (negative ? chi(-1) : 0));
    store<u32>(q + 4, load<u32>(q + 4) | sigma(-1, 0));
  }
  return f | sigma(i, 1) | (negative ? chi(i) : 0);
}

/** Decode the sign of row `i` (D.3.2) of the column with word `f` at `p` and neighbourhood `g`; 1 is negative. */
@inline function decodeSign(p: usize, f: u32, i: i32, g: u32, raw: bool, causal: bool): u32 {
  if (raw) return rawDecode();
  const shift = <u32>(18 + i);
  let index = ((g >> 1) & 1) | ((g >> 6) & 2) | ((g >> 3) & 4) | (g & 8); // N S E W significant
  index |= ((f >> shift) & 1) << 4; // north negative
  if (!(causal && i == 3)) index |= ((f >> (shift + 2)) & 1) << 5; // south
  index |= ((load<u32>(p + 4) >> (shift + 1)) & 1) << 6; // east
  index |= ((load<u32>(p - 4) >> (shift + 1)) & 1) << 7; // west
  const entry = <u32>load<u8>(SC_LUT + index);
  return mqDecode(CTX + (entry & 0x7f)) ^ (entry >> 7);
}

/**
 * Significance propagation pass (D.3.1) at bit plane `plane` (of the doubled scale). The passes
 * are inlined where decodePasses calls them with constant `raw` and `causal`: one copy per mode,
 * without a test of the mode per sample; on a full stripe, each row's code is inlined with its
 * row number constant (shifts, masks and the stripe-edge cases folded).
 */
@inline function significancePass(plane: i32, raw: bool, causal: bool): void {
  const oneHalf = (1 << plane) | (1 << (plane - 1));
  const rowBytes = <usize>width << 2;
  for (let y0 = 0; y0 < height; y0 += 4) {
    const rows = min(4, height - y0);
    let p = words + wordStride * <usize>(1 + (y0 >> 2)) + 4;
    let v = values + ((<usize>y0 * <usize>width) << 2);
    for (let x = 0; x < width; x++, p += 4, v += 4) {
      let f = load<u32>(p);
      // Nothing significant around the column, or every sample of it significant already.
      if (f == 0) {
        // Nor around the next three: skip them too (past the last column there are words still).
        if (!v128.any_true(v128.load(p))) {
          x += 3;
          p += 12;
          v += 12;
        }
        continue;
      }
      if ((f & SELF_ALL) == SELF_ALL) continue;
      if (rows == 4) {
        f = significanceSample(p, f, v, 0, rowBytes, oneHalf, raw, causal);
        f = significanceSample(p, f, v, 1, rowBytes, oneHalf, raw, causal);
        f = significanceSample(p, f, v, 2, rowBytes, oneHalf, raw, causal);
        f = significanceSample(p, f, v, 3, rowBytes, oneHalf, raw, causal);
      } else {
        for (let i = 0; i < rows; i++) f = significanceSample(p, f, v, i, rowBytes, oneHalf, raw, causal);
      }
      store<u32>(p, f);
    }
  }
}

/** Row `i` of the stripe column with word `f` at `p` (values at `v`) in the significance propagation pass; the word after it. */
@inline function significanceSample(p: usize, f: u32, v: usize, i: i32, rowBytes: usize, oneHalf: i32, raw: bool, causal: bool): u32 {
  const g = neighbourhood(f, i, causal);
  if ((g & 0x10) == 0 && (g & NEIGHBOURS) != 0) {
    const bit = raw ? rawDecode() : mqDecode(CTX + <usize>load<u8>(zc + g));
    if (bit) {
      const negative = decodeSign(p, f, i, g, raw, causal);
      store<i32>(v + <usize>i * rowBytes, oneHalf | (negative << 31));
      f = becomeSignificant(p, f, i, negative);
    }
    f |= PI << <u32>i;
  }
  return f;
}

/** Rows 0-3 of a stripe column significant (bits 0-3), from its state word. */
@inline function significantRows(f: u32): u32 {
  return ((f >> 4) & 1) | ((f >> 6) & 2) | ((f >> 8) & 4) | ((f >> 10) & 8);
}

/**
 * Magnitude refinement pass (D.3.3): in each stripe column, the rows significant and not coded in
 * this plane's significance pass, one by one from a mask (its bits are known before the first
 * decision: a refinement changes no other sample's state).
 */
@inline function refinementPass(plane: i32, raw: bool, causal: bool): void {
  const half = 1 << (plane - 1);
  const rowBytes = <usize>width << 2;
  for (let y0 = 0; y0 < height; y0 += 4) {
    let p = words + wordStride * <usize>(1 + (y0 >> 2)) + 4;
    let v = values + ((<usize>y0 * <usize>width) << 2);
    for (let x = 0; x < width; x++, p += 4, v += 4) {
      let f = load<u32>(p);
      let rows = significantRows(f) & ~(f >> 28);
      if (rows == 0) {
        // Nothing significant in the next three columns either: skip them too.
        if ((f & SELF_ALL) == 0 && !v128.any_true(v128.and(v128.load(p), i32x4.splat(SELF_ALL)))) {
          x += 3;
          p += 12;
          v += 12;
        }
        continue;
      }
      do {
        const i = <i32>ctz(rows);
        rows &= rows - 1;
        f = refinementSample(f, v, i, rowBytes, half, raw, causal);
      } while (rows != 0);
      store<u32>(p, f);
    }
  }
}

/** Row `i` of a stripe column with state word `f` in the refinement pass; the word after it. */
@inline function refinementSample(f: u32, v: usize, i: i32, rowBytes: usize, half: i32, raw: bool, causal: bool): u32 {
  let bit: u32;
  if (raw) {
    bit = rawDecode();
  } else {
    const context = select<u32>(16, 14 + <u32>((neighbourhood(f, i, causal) & NEIGHBOURS) != 0), (f & (MU << <u32>i)) != 0);
    bit = mqDecode(CTX + (<usize>context << 2));
  }
  const at = v + <usize>i * rowBytes;
  store<i32>(at, load<i32>(at) + (bit ? half : -half)); // the magnitude: its sign is bit 31
  return f | (MU << <u32>i);
}

/** Whether every row of the four stripe columns with words `q` is significant or was coded in this plane's significance pass. */
@inline function finishedColumns(q: v128): bool {
  // each row's significance bit (3i + 4) moved onto its PI bit (28 + i)
  let u = v128.or(q, i32x4.shl(v128.and(q, i32x4.splat(1 << 4)), 24));
  u = v128.or(u, i32x4.shl(v128.and(q, i32x4.splat(1 << 7)), 22));
  u = v128.or(u, i32x4.shl(v128.and(q, i32x4.splat(1 << 10)), 20));
  u = v128.or(u, i32x4.shl(v128.and(q, i32x4.splat(1 << 13)), 18));
  return !v128.any_true(v128.andnot(i32x4.splat(PI_ALL), u));
}

/**
 * Cleanup pass (D.3.4), with run-length coding of all-quiet stripe columns; clears PI. The rows
 * to code, neither significant nor coded in the significance pass, are known before the
 * column's first decision and are visited from a mask.
 */
@inline function cleanupPass(plane: i32, causal: bool): void {
  const oneHalf = (1 << plane) | (1 << (plane - 1));
  const quiet: u32 = causal ? ~BELOW : 0xffffffff; // the state a column is run-length coded in
  const rowBytes = <usize>width << 2;
  for (let y0 = 0; y0 < height; y0 += 4) {
    const full = height - y0 >= 4;
    const present: u32 = full ? 15 : (1 << <u32>(height - y0)) - 1;
    let p = words + wordStride * <usize>(1 + (y0 >> 2)) + 4;
    let v = values + ((<usize>y0 * <usize>width) << 2);
    for (let x = 0; x < width; x++, p += 4, v += 4) {
      let f = load<u32>(p);
      let rows: u32;
      if (full && (f & quiet) == 0) {
        if (mqDecodeQuiet(CTX + CTX_RL)) {
          // A run-length 0; so are the next quiet columns' while the decoder needs no renormalisation.
          while (x + 1 < width && (load<u32>(p + 4) & quiet) == 0 && mqDecodeQuiet(CTX + CTX_RL)) {
            x++;
            p += 4;
            v += 4;
          }
          continue;
        }
        if (!mqDecode(CTX + CTX_RL)) continue;
        const i = <i32>((mqDecode(CTX + CTX_UNI) << 1) | mqDecode(CTX + CTX_UNI));
        // The first significant sample of the column: its sign, without a significance decision.
        const negative = decodeSign(p, f, i, neighbourhood(f, i, causal), false, causal);
        store<i32>(v + <usize>i * rowBytes, oneHalf | (negative << 31));
        f = becomeSignificant(p, f, i, negative);
        rows = (14 << <u32>i) & 15;
      } else {
        rows = ~(significantRows(f) | (f >> 28)) & present;
        if (rows == 0) {
          // A finished column: so are, often, the next three; then their PI goes at once.
          const q = v128.load(p); // past the last column there are words still
          if (full && x + 4 <= width && finishedColumns(q)) {
            v128.store(p, v128.and(q, i32x4.splat(~PI_ALL)));
            x += 3;
            p += 12;
            v += 12;
          } else {
            store<u32>(p, f & ~PI_ALL);
          }
          continue;
        }
      }
      while (rows != 0) {
        const i = <i32>ctz(rows);
        rows &= rows - 1;
        const g = neighbourhood(f, i, causal);
        if (mqDecode(CTX + <usize>load<u8>(zc + g))) {
          const negative = decodeSign(p, f, i, g, false, causal);
          store<i32>(v + <usize>i * rowBytes, oneHalf | (negative << 31));
          f = becomeSignificant(p, f, i, negative);
        }
      }
      store<u32>(p, f & ~PI_ALL);
    }
  }
}

// Fields of one code-block in the table j2kDecodeBlocks reads (i32 each).
const B_OFFSET = 0; // first sample's index in the coefficient region
const B_STRIDE = 1; // samples per row of the coefficient region
const B_WIDTH = 2;
const B_HEIGHT = 3;
const B_ORIENT = 4; // 0 LL, 1 HL, 2 LH, 3 HH
const B_PLANES = 5; // magnitude bit planes coded (Mb minus the zero bit planes)
const B_PASSES = 6;
const B_STYLE = 7;
const B_DATA = 8; // offset of its codeword segments in the data region
const B_SEGMENTS = 9; // number of segments
const B_SEGMENT_TABLE = 10; // index of its first (length, passes) pair in the segment table
const B_STEP = 11; // f32 bits: the quantisation step (irreversible), or 0 for integer coefficients
export const BLOCK_FIELDS = 12;

@inline function blockField(entry: usize, index: i32): i32 {
  return load<i32>(entry + (<usize>index << 2));
}

/**
 * Decode `count` code-blocks described in `table` (BLOCK_FIELDS i32 each, see B_*) from their
 * codeword segments in `data` into the coefficient region `coefficients` (`capacity` i32 or f32
 * samples); `segments` holds (length, passes) pairs. Every block's region, data and pass count is
 * checked before it is decoded. `work` is j2kBlockWorkBytes of memory. Returns 0 or a negative status.
 */
export function j2kDecodeBlocks(
  table: usize, count: i32, segments: usize, segmentCount: i32, data: usize, dataLength: usize,
  coefficients: usize, capacity: usize, work: usize,
): i32 {
  initTables();
  for (let b = 0; b < count; b++) {
    const entry = table + <usize>b * BLOCK_FIELDS * 4;
    const offset = blockField(entry, B_OFFSET);
    const stride = blockField(entry, B_STRIDE);
    const w = blockField(entry, B_WIDTH);
    const h = blockField(entry, B_HEIGHT);
    const planes = blockField(entry, B_PLANES);
    const passes = blockField(entry, B_PASSES);
    const style = blockField(entry, B_STYLE);
    const first = blockField(entry, B_SEGMENT_TABLE);
    const segmentsUsed = blockField(entry, B_SEGMENTS);
    const orient = blockField(entry, B_ORIENT);
    if (w <= 0 || h <= 0 || w > 1024 || h > 1024 || w * h > 4096 || stride < w || offset < 0 || orient < 0 || orient > 3) {
      return Status.J2K_BAD_BLOCK;
    }
    if (<u64>offset + <u64>(h - 1) * <u64>stride + <u64>w > <u64>capacity) return Status.J2K_BAD_BLOCK;
    // At most 3 planes - 2 passes (D.1); values carry one bit below the last plane.
    if (planes < 0 || planes > 30 || passes < 0 || passes > (planes == 0 ? 0 : 3 * planes - 2) || first < 0 || segmentsUsed < 0 || first + segmentsUsed > segmentCount) {
      return Status.J2K_BAD_BLOCK;
    }
    width = w;
    height = h;
    wordStride = <usize>(w + 2) << 2;
    words = work;
    values = work + <usize>(1026 * 3) * 4;
    zc = ZC_LUT + (<usize>orient << 9);
    vcausal = (style & STYLE_VCAUSAL) != 0;
    memory.fill(words, 0, wordStride * <usize>(((h + 3) >> 2) + 2));
    memory.fill(values, 0, <usize>w * <usize>h * 4);
    const status = decodePasses(planes, passes, style, segments + (<usize>first << 3), segmentsUsed, data + <usize>blockField(entry, B_DATA), data + dataLength);
    if (status < 0) return status;
    writeBlock(coefficients + (<usize>offset << 2), stride, blockField(entry, B_STEP));
  }
  return Status.OK;
}

/** The coding passes of one block, segment by segment (lazy mode: raw segments for late SP and MR passes). */
function decodePasses(planes: i32, passes: i32, style: i32, segments: usize, segmentCount: i32, start: usize, limit: usize): i32 {
  resetContexts();
  let segment = 0;
  let left = 0; // passes left in the current segment
  let at = start;
  let raw = false;
  let plane = planes; // doubled scale: the top coded plane is planes - 1, i.e. bit `planes`
  let kind = 2; // 0 significance, 1 refinement, 2 cleanup; the first pass is a cleanup
  for (let pass = 0; pass < passes; pass++) {
    if (left == 0) {
      if (segment >= segmentCount) return Status.J2K_BAD_BLOCK;
      const length = load<i32>(segments + (<usize>segment << 3));
      left = load<i32>(segments + (<usize>segment << 3) + 4);
      if (length < 0 || left <= 0 || <u64>at + <u64>length > <u64>limit) return Status.TRUNCATED;
      segment++;
      // Lazy mode: after the first ten passes, significance and refinement passes are raw.
      raw = (style & STYLE_BYPASS) != 0 && pass >= 10 && kind != 2;
      if (raw) rawInit(at, at + length);
      else mqInit(at, at + length);
      at += length;
    }
    if (kind == 0) {
      if (raw) {
        if (vcausal) significancePass(plane, true, true);
        else significancePass(plane, true, false);
      } else if (vcausal) significancePass(plane, false, true);
      else significancePass(plane, false, false);
    } else if (kind == 1) {
      if (raw) refinementPass(plane, true, false); // raw refinement has no contexts
      else if (vcausal) refinementPass(plane, false, true);
      else refinementPass(plane, false, false);
    } else {
      if (vcausal) cleanupPass(plane, true);
      else cleanupPass(plane, false);
      if (style & STYLE_SEGSYM) {
        // The segmentation symbol 1010 (D.5); a wrong one is not fatal to the others.
        for (let i = 0; i < 4; i++) mqDecode(CTX + CTX_UNI);
      }
    }
    if (style & STYLE_RESET) resetContexts();
    left--;
    kind++;
    if (kind == 3) {
      kind = 0;
      plane--;
    }
  }
  return Status.OK;
}

/** Values of the block into the coefficient region: integers halved, or scaled by half the step. */
function writeBlock(dst: usize, stride: i32, stepBits: i32): void {
  let src = values;
  if (stepBits == 0) {
    for (let y = 0; y < height; y++) {
      const row = dst + ((<usize>y * <usize>stride) << 2);
      for (let x = 0; x < width; x++) {
        const value = load<i32>(src);
        const negative = value >> 31; // 0 or -1
        store<i32>(row + (<usize>x << 2), (((value & 0x7fffffff) >> 1) ^ negative) - negative);
        src += 4;
      }
    }
  } else {
    const scale = reinterpret<f32>(stepBits) * 0.5;
    for (let y = 0; y < height; y++) {
      const row = dst + ((<usize>y * <usize>stride) << 2);
      for (let x = 0; x < width; x++) {
        const value = load<i32>(src);
        const magnitude = <f32>(value & 0x7fffffff) * scale; // scale > 0: the sign bit is the value's
        store<i32>(row + (<usize>x << 2), reinterpret<i32>(magnitude) | (value & 0x80000000));
        src += 4;
      }
    }
  }
}
