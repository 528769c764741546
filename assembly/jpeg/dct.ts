// Sequential DCT JPEG (ITU-T T.81 Annex F, processes 1, 2 and 4: Huffman coding, 8 or 12 bits):
// entropy decoding, dequantization, the integer inverse DCT of the IJG library (jidctint.c,
// "islow"), then upsampling and YCbCr → RGB as libjpeg does them, so that results match
// libjpeg-based decoders (DCMTK, libjpeg-turbo) sample for sample on ordinary streams.
import { decodeLongCode, extend } from './huffman';
import { syncRestart } from './bits';
import { findMarker, ZIGZAG } from './markers';
import {
  F_PRECISION, F_ROWS, F_COLUMNS, F_COMPONENTS, F_MAX_H, F_MAX_V, F_RESTART, F_TABLES, F_DONE,
  C_H, C_V, C_TQ, C_BLOCKS_WIDE, C_BLOCKS_HIGH, C_PLANE, C_PRED, SCAN, S_COMPONENTS,
  S_INDEX, S_DC_TABLE, S_AC_TABLE, QUANT, QUANT_BYTES, BLOCK, WORKSPACE, LOOKAHEAD,
  LOOKAHEAD_SIZE, H_LOOKUP, component, field, setField,
} from './layout';
import { Status } from '../shared';

// ---------------------------------------------------------------- bit reader (F.2.2.5)
// The DCT path is not the hot path of this library, so its bit buffer lives in globals.
let acc: u64 = 0;
let nbits: i32 = 0;
let padding: i32 = 0;
let at: usize = 0;
let end: usize = 0;

function fill(): void {
  do {
    let byte: u64 = 0;
    if (at < end) {
      const c = load<u8>(at);
      if (c != 0xff) {
        byte = <u64>c;
        at++;
      } else if (at + 1 < end && load<u8>(at + 1) == 0) {
        byte = 0xff;
        at += 2;
      } else {
        padding += 8; // a marker, or a lone 0xFF at the end: zeros, counted
      }
    } else {
      padding += 8;
    }
    acc = (acc << 8) | byte;
    nbits += 8;
  } while (nbits <= 56);
}

/** The next Huffman-coded value of `table`, or -1 for a code that is not in it. */
@inline function decodeSymbol(table: usize): i32 {
  if (nbits < 32) fill();
  const entry = <i32>load<u16>(table + H_LOOKUP + (<usize>((acc >> <u64>(nbits - LOOKAHEAD)) & <u64>(LOOKAHEAD_SIZE - 1)) << 1));
  if (entry != 0) {
    nbits -= entry >> 8;
    return entry & 0xff;
  }
  const code = decodeLongCode(table, <i32>(acc >> <u64>(nbits - 16)) & 0xffff);
  if (code == 0) return -1;
  nbits -= code >> 8;
  return code & 0xff;
}

/** RECEIVE and EXTEND (F.2.2.1) for SSSS = `ssss` (0..15); the buffer holds at least 16 bits. */
@inline function receiveExtend(ssss: i32): i32 {
  if (ssss == 0) return 0;
  if (nbits < ssss) fill();
  const bits = <i32>(acc >> <u64>(nbits - ssss)) & ((1 << ssss) - 1);
  nbits -= ssss;
  return extend(bits, ssss);
}

// ---------------------------------------------------------------- inverse DCT (IJG jidctint.c)
const CONST_BITS = 13;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

@inline function descale(x: i32, n: i32): i32 {
  return (x + (1 << (n - 1))) >> n;
}

/**
 * The IJG range limit after the IDCT: the value is taken modulo 4·2^P (as its table index is
 * masked), then centred and clamped to 0..2^P-1.
 */
@inline function rangeLimit(x: i32, precision: i32): i32 {
  const span = 4 << precision;
  let t = x & (span - 1);
  if (t >= span >> 1) t -= span;
  t += 1 << (precision - 1);
  const max = (1 << precision) - 1;
  return t < 0 ? 0 : t > max ? max : t;
}

/**
 * One 8-point pass of jidctint.c (the Loeffler-Ligtenberg-Moschytz butterfly with 13-bit
 * constants) on `c0..c7`, results descaled by 2^`shift`: into the i32 workspace (`final` false)
 * or, range-limited, as u16 samples (`final` true); `step` bytes between outputs.
 */
@inline function idctPass(
  final: bool, c0: i32, c1: i32, c2: i32, c3: i32, c4: i32, c5: i32, c6: i32, c7: i32,
  out: usize, step: usize, shift: i32, precision: i32,
): void {
  // Even part.
  let z1 = (c2 + c6) * FIX_0_541196100;
  const even2 = z1 + c6 * -FIX_1_847759065;
  const even3 = z1 + c2 * FIX_0_765366865;
  const even0 = (c0 + c4) << CONST_BITS;
  const even1 = (c0 - c4) << CONST_BITS;
  const tmp10 = even0 + even3;
  const tmp13 = even0 - even3;
  const tmp11 = even1 + even2;
  const tmp12 = even1 - even2;
  // Odd part.
  z1 = c7 + c1;
  let z2 = c5 + c3;
  let z3 = c7 + c3;
  let z4 = c5 + c1;
  const z5 = (z3 + z4) * FIX_1_175875602;
  let tmp0 = c7 * FIX_0_298631336;
  let tmp1 = c5 * FIX_2_053119869;
  let tmp2 = c3 * FIX_3_072711026;
  let tmp3 = c1 * FIX_1_501321110;
  z1 *= -FIX_0_899976223;
  z2 *= -FIX_2_562915447;
  z3 = z3 * -FIX_1_961570560 + z5;
  z4 = z4 * -FIX_0_390180644 + z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  storeIdct(final, out, descale(tmp10 + tmp3, shift), precision);
  storeIdct(final, out + 7 * step, descale(tmp10 - tmp3, shift), precision);
  storeIdct(final, out + step, descale(tmp11 + tmp2, shift), precision);
  storeIdct(final, out + 6 * step, descale(tmp11 - tmp2, shift), precision);
  storeIdct(final, out + 2 * step, descale(tmp12 + tmp1, shift), precision);
  storeIdct(final, out + 5 * step, descale(tmp12 - tmp1, shift), precision);
  storeIdct(final, out + 3 * step, descale(tmp13 + tmp0, shift), precision);
  storeIdct(final, out + 4 * step, descale(tmp13 - tmp0, shift), precision);
}

@inline function storeIdct(final: bool, at: usize, value: i32, precision: i32): void {
  if (final) store<u16>(at, <u16>rangeLimit(value, precision));
  else store<i32>(at, value);
}

/** Inverse DCT of the dequantized block (natural order) into 8×8 samples at `out` (u16, `stride` bytes per row). */
function inverseDct(block: usize, work: usize, out: usize, stride: usize, precision: i32): void {
  const pass1 = precision == 8 ? 2 : 1;
  // Pass 1: columns into the workspace, scaled up by 2^pass1. A column with only its DC term
  // gives that term everywhere (what the butterfly computes, without the work).
  for (let column: usize = 0; column < 8; column++) {
    const c = block + (column << 2);
    const w = work + (column << 2);
    const in1 = load<i32>(c, 32);
    const in2 = load<i32>(c, 64);
    const in3 = load<i32>(c, 96);
    const in4 = load<i32>(c, 128);
    const in5 = load<i32>(c, 160);
    const in6 = load<i32>(c, 192);
    const in7 = load<i32>(c, 224);
    if ((in1 | in2 | in3 | in4 | in5 | in6 | in7) == 0) {
      const dc = load<i32>(c) << pass1;
      for (let r: usize = 0; r < 8; r++) store<i32>(w + (r << 5), dc);
      continue;
    }
    idctPass(false, load<i32>(c), in1, in2, in3, in4, in5, in6, in7, w, 32, CONST_BITS - pass1, precision);
  }
  // Pass 2: rows, descaled by 2^(CONST_BITS + pass1 + 3), range-limited.
  for (let row: usize = 0; row < 8; row++) {
    const w = work + (row << 5);
    idctPass(true, load<i32>(w), load<i32>(w, 4), load<i32>(w, 8), load<i32>(w, 12), load<i32>(w, 16), load<i32>(w, 20),
      load<i32>(w, 24), load<i32>(w, 28), out + row * stride, 2, CONST_BITS + pass1 + 3, precision);
  }
}

// ---------------------------------------------------------------- frame layout

/**
 * Lay out each component's sample plane in `work` (u16 samples, whole 8×8 blocks of whole
 * MCUs, A.2.4) and return the bytes they use.
 */
export function planDctPlanes(scratch: usize, work: usize): usize {
  const maxH = field(scratch, F_MAX_H);
  const maxV = field(scratch, F_MAX_V);
  const mcusWide = (field(scratch, F_COLUMNS) + 8 * maxH - 1) / (8 * maxH);
  const mcusHigh = (field(scratch, F_ROWS) + 8 * maxV - 1) / (8 * maxV);
  let used: usize = 0;
  for (let i: i32 = 0; i < field(scratch, F_COMPONENTS); i++) {
    const c = component(scratch, i);
    const blocksWide = mcusWide * field(c, C_H);
    const blocksHigh = mcusHigh * field(c, C_V);
    setField(c, C_BLOCKS_WIDE, blocksWide);
    setField(c, C_BLOCKS_HIGH, blocksHigh);
    setField(c, C_PLANE, <i32>(work + used));
    used += (<usize>blocksWide * <usize>blocksHigh) << 7; // 64 samples × 2 bytes per block
  }
  return used;
}

/** Bytes of one full-width row buffer of the output pass (u16 samples, room for upsampling overrun). */
@inline function rowBytes(columns: i32): usize {
  return <usize>(columns + 16) << 1;
}

/** Bytes of the three row buffers the output pass needs after the planes. */
export function rowBufferBytes(columns: i32): usize {
  return 3 * rowBytes(columns);
}

// ---------------------------------------------------------------- scans

/** Decode the coefficients of one block (F.2.2.1, F.2.2.2), dequantized, into BLOCK. */
@inline function decodeBlock(block: usize, c: usize, dcTable: usize, acTable: usize, quant: usize): i32 {
  memory.fill(block, 0, 256);
  const ssss = decodeSymbol(dcTable);
  if (ssss < 0 || ssss > 15) return Status.JPEG_BAD_CODE;
  const dc = field(c, C_PRED) + receiveExtend(ssss);
  setField(c, C_PRED, dc);
  store<i32>(block, dc * load<i32>(quant));
  for (let k: i32 = 1; k < 64; k++) {
    const rs = decodeSymbol(acTable);
    if (rs < 0) return Status.JPEG_BAD_CODE;
    const run = rs >> 4;
    const size = rs & 15;
    if (size == 0) {
      if (run != 15) break; // EOB
      k += 15; // ZRL: sixteen zeros
      continue;
    }
    k += run;
    if (k > 63) return Status.JPEG_BAD_CODE;
    const natural = <usize>unchecked(ZIGZAG[k]) << 2;
    store<i32>(block + natural, receiveExtend(size) * load<i32>(quant + natural));
  }
  return 0;
}

/**
 * Decode one sequential DCT scan into the component planes. Returns the offset of the marker
 * after the scan, or a negative status.
 */
export function decodeDctScan(src: usize, length: usize, pos: usize, scratch: usize): isize {
  const scan = scratch + SCAN;
  // A sequential scan has Ss = 0, Se = 63, Ah = Al = 0 (G.1.1.1.1, B.2.3), but some writers put
  // other values there (Se = 0); like libjpeg (jdhuff.c), decode all 64 coefficients regardless.
  const precision = field(scratch, F_PRECISION);
  const components = field(scan, S_COMPONENTS);
  let done = field(scratch, F_DONE);
  for (let j: i32 = 0; j < components; j++) {
    const index = field(scan, S_INDEX + (<usize>j << 2));
    const c = component(scratch, index);
    if (field(scan, S_DC_TABLE + (<usize>j << 2)) == 0 || field(scan, S_AC_TABLE + (<usize>j << 2)) == 0) return Status.JPEG_MISSING_TABLE;
    if (((field(scratch, F_TABLES) >> (8 + field(c, C_TQ))) & 1) == 0) return Status.JPEG_MISSING_TABLE;
    if ((done >> index) & 1) return Status.JPEG_BAD_SCAN;
    done |= 1 << index;
    setField(c, C_PRED, 0);
  }
  const block = scratch + BLOCK;
  const work = scratch + WORKSPACE;
  const restart = field(scratch, F_RESTART);
  // MCUs: interleaved scans use the frame's MCU grid (A.2.3), a single component its own blocks (A.2.2).
  let mcusWide: i32;
  let mcusHigh: i32;
  if (components == 1) {
    const c = component(scratch, field(scan, S_INDEX));
    const width = (field(scratch, F_COLUMNS) * field(c, C_H) + field(scratch, F_MAX_H) - 1) / field(scratch, F_MAX_H);
    const height = (field(scratch, F_ROWS) * field(c, C_V) + field(scratch, F_MAX_V) - 1) / field(scratch, F_MAX_V);
    mcusWide = (width + 7) >> 3;
    mcusHigh = (height + 7) >> 3;
  } else {
    mcusWide = field(component(scratch, 0), C_BLOCKS_WIDE) / field(component(scratch, 0), C_H);
    mcusHigh = field(component(scratch, 0), C_BLOCKS_HIGH) / field(component(scratch, 0), C_V);
  }
  acc = 0;
  nbits = 0;
  padding = 0;
  at = src + pos;
  end = src + length;
  let restartIndex: i32 = 0;
  let mcusLeft = restart;
  for (let my: i32 = 0; my < mcusHigh; my++) {
    // Bits read past the data: the stream was cut; stop rather than decode the rest from zeros.
    if (nbits < padding) return Status.TRUNCATED;
    for (let mx: i32 = 0; mx < mcusWide; mx++) {
      if (restart != 0) {
        if (mcusLeft == 0) {
          // F.2.1.3: byte-aligned RSTn, then DC predictions start again from 0.
          if (nbits < padding) return Status.TRUNCATED;
          const next = syncRestart(src, length, at - src, restartIndex);
          if (next < 0) return next;
          at = src + <usize>next;
          restartIndex = (restartIndex + 1) & 7;
          acc = 0;
          nbits = 0;
          padding = 0;
          for (let j: i32 = 0; j < components; j++) setField(component(scratch, field(scan, S_INDEX + (<usize>j << 2))), C_PRED, 0);
          mcusLeft = restart;
        }
        mcusLeft--;
      }
      for (let j: i32 = 0; j < components; j++) {
        const c = component(scratch, field(scan, S_INDEX + (<usize>j << 2)));
        const dcTable = <usize>field(scan, S_DC_TABLE + (<usize>j << 2));
        const acTable = <usize>field(scan, S_AC_TABLE + (<usize>j << 2));
        const quant = scratch + QUANT + <usize>field(c, C_TQ) * QUANT_BYTES;
        const h = components == 1 ? 1 : field(c, C_H);
        const v = components == 1 ? 1 : field(c, C_V);
        const stride = <usize>field(c, C_BLOCKS_WIDE) << 4;
        for (let by: i32 = 0; by < v; by++) {
          for (let bx: i32 = 0; bx < h; bx++) {
            const status = decodeBlock(block, c, dcTable, acTable, quant);
            if (status < 0) return padding > 0 ? Status.TRUNCATED : status;
            const blockRow = <usize>(my * v + by);
            const blockColumn = <usize>(mx * h + bx);
            const out = <usize>field(c, C_PLANE) + (blockRow << 3) * stride + (blockColumn << 4);
            inverseDct(block, work, out, stride, precision);
          }
        }
      }
    }
  }
  if (nbits < padding) return Status.TRUNCATED;
  setField(scratch, F_DONE, done);
  return <isize>findMarker(src, length, at - src);
}

// ---------------------------------------------------------------- output: upsampling and colour

/**
 * Component `c`'s samples for output row `y`, at full width, into `row` (u16). Upsampling as
 * IJG jdsample.c: "fancy" (triangular) for 2h1v and 2h2v when the component is wider than two
 * samples, replication otherwise. Rows beyond the component's height repeat its last row.
 */
function upsampleRow(scratch: usize, c: usize, y: i32, row: usize): void {
  const maxH = field(scratch, F_MAX_H);
  const maxV = field(scratch, F_MAX_V);
  const h = field(c, C_H);
  const v = field(c, C_V);
  const plane = <usize>field(c, C_PLANE);
  const stride = <usize>field(c, C_BLOCKS_WIDE) << 4;
  const columns = field(scratch, F_COLUMNS);
  const width = (columns * h + maxH - 1) / maxH; // downsampled_width
  const height = (field(scratch, F_ROWS) * v + maxV - 1) / maxV; // downsampled_height
  const hScale = maxH / h;
  const vScale = maxV / v;
  const exact = hScale * h == maxH && vScale * v == maxV;
  const inRow = y / vScale;
  const input = plane + <usize>inRow * stride;
  if (hScale == 1 && vScale == 1) {
    memory.copy(row, input, <usize>columns << 1);
  } else if (exact && hScale == 2 && vScale == 1 && width > 2) {
    // h2v1_fancy_upsample: 3/4 nearer + 1/4 further sample, biased 1 and 2 alternately.
    let value = <i32>load<u16>(input);
    store<u16>(row, <u16>value);
    store<u16>(row + 2, <u16>((value * 3 + <i32>load<u16>(input + 2) + 2) >> 2));
    for (let i: i32 = 1; i < width - 1; i++) {
      value = <i32>load<u16>(input + (<usize>i << 1)) * 3;
      store<u16>(row + (<usize>i << 2), <u16>((value + <i32>load<u16>(input + (<usize>(i - 1) << 1)) + 1) >> 2));
      store<u16>(row + (<usize>i << 2) + 2, <u16>((value + <i32>load<u16>(input + (<usize>(i + 1) << 1)) + 2) >> 2));
    }
    value = <i32>load<u16>(input + (<usize>(width - 1) << 1));
    store<u16>(row + (<usize>(width - 1) << 2), <u16>((value * 3 + <i32>load<u16>(input + (<usize>(width - 2) << 1)) + 1) >> 2));
    store<u16>(row + (<usize>(width - 1) << 2) + 2, <u16>value);
  } else if (exact && hScale == 2 && vScale == 2 && width > 2) {
    // h2v2_fancy_upsample: the nearer input row weighs 3, the other 1 (above for even output
    // rows, below for odd), then the same 3:1 horizontally; context rows clamp at the edges.
    let other = (y & 1) == 0 ? inRow - 1 : inRow + 1;
    if (other < 0) other = 0;
    if (other > height - 1) other = height - 1;
    const near = input;
    const far = plane + <usize>other * stride;
    let thisSum = <i32>load<u16>(near) * 3 + <i32>load<u16>(far);
    let nextSum = <i32>load<u16>(near + 2) * 3 + <i32>load<u16>(far + 2);
    store<u16>(row, <u16>((thisSum * 4 + 8) >> 4));
    store<u16>(row + 2, <u16>((thisSum * 3 + nextSum + 7) >> 4));
    let lastSum = thisSum;
    thisSum = nextSum;
    for (let i: i32 = 1; i < width - 1; i++) {
      nextSum = <i32>load<u16>(near + (<usize>(i + 1) << 1)) * 3 + <i32>load<u16>(far + (<usize>(i + 1) << 1));
      store<u16>(row + (<usize>i << 2), <u16>((thisSum * 3 + lastSum + 8) >> 4));
      store<u16>(row + (<usize>i << 2) + 2, <u16>((thisSum * 3 + nextSum + 7) >> 4));
      lastSum = thisSum;
      thisSum = nextSum;
    }
    store<u16>(row + (<usize>(width - 1) << 2), <u16>((thisSum * 3 + lastSum + 8) >> 4));
    store<u16>(row + (<usize>(width - 1) << 2) + 2, <u16>((thisSum * 4 + 7) >> 4));
  } else {
    // Replication (int_upsample); also used for non-integral factors (nearest sample).
    for (let x: i32 = 0; x < columns; x++) {
      const source = (x * h) / maxH;
      store<u16>(row + (<usize>x << 1), load<u16>(input + (<usize>source << 1)));
    }
  }
}

const FIX_1_40200: i32 = 91881;
const FIX_0_34414: i32 = 22554;
const FIX_0_71414: i32 = 46802;
const FIX_1_77200: i32 = 116130;

@inline function clampSample(x: i32, max: i32): i32 {
  return x < 0 ? 0 : x > max ? max : x;
}

/**
 * Write the decoded image to `dst`: samples interleaved, `sampleBytes` (1 or 2) each. With
 * `toRgb`, three components are converted from YCbCr to RGB as IJG jdcolor.c does (ITU-R BT.601
 * full range, 16-bit fixed point).
 */
export function writeDctOutput(scratch: usize, dst: usize, sampleBytes: i32, rowBuffers: usize, toRgb: bool): void {
  const rows = field(scratch, F_ROWS);
  const columns = field(scratch, F_COLUMNS);
  const components = field(scratch, F_COMPONENTS);
  const precision = field(scratch, F_PRECISION);
  const center = 1 << (precision - 1);
  const max = (1 << precision) - 1;
  const bufferBytes = rowBytes(columns);
  const pixelBytes = <usize>(components * sampleBytes);
  for (let y: i32 = 0; y < rows; y++) {
    for (let i: i32 = 0; i < components; i++) upsampleRow(scratch, component(scratch, i), y, rowBuffers + <usize>i * bufferBytes);
    const out = dst + <usize>y * <usize>columns * pixelBytes;
    if (toRgb && components == 3) {
      const yRow = rowBuffers;
      const cbRow = rowBuffers + bufferBytes;
      const crRow = rowBuffers + 2 * bufferBytes;
      for (let x: i32 = 0; x < columns; x++) {
        const luma = <i32>load<u16>(yRow + (<usize>x << 1));
        const cb = <i32>load<u16>(cbRow + (<usize>x << 1)) - center;
        const cr = <i32>load<u16>(crRow + (<usize>x << 1)) - center;
        const r = clampSample(luma + ((FIX_1_40200 * cr + 32768) >> 16), max);
        const g = clampSample(luma + ((-FIX_0_34414 * cb + -FIX_0_71414 * cr + 32768) >> 16), max);
        const b = clampSample(luma + ((FIX_1_77200 * cb + 32768) >> 16), max);
        const o = out + <usize>x * pixelBytes;
        if (sampleBytes == 2) {
          store<u16>(o, <u16>r);
          store<u16>(o + 2, <u16>g);
          store<u16>(o + 4, <u16>b);
        } else {
          store<u8>(o, <u8>r);
          store<u8>(o + 1, <u8>g);
          store<u8>(o + 2, <u8>b);
        }
      }
    } else {
      for (let i: i32 = 0; i < components; i++) {
        const input = rowBuffers + <usize>i * bufferBytes;
        const o = out + <usize>(i * sampleBytes);
        if (sampleBytes == 2) {
          for (let x: i32 = 0; x < columns; x++) store<u16>(o + <usize>x * pixelBytes, load<u16>(input + (<usize>x << 1)));
        } else {
          for (let x: i32 = 0; x < columns; x++) store<u8>(o + <usize>x * pixelBytes, <u8>load<u16>(input + (<usize>x << 1)));
        }
      }
    }
  }
}
