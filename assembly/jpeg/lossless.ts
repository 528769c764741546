// Lossless JPEG scans (ITU-T T.81 Annex H, process 14): Huffman-coded differences from one of
// seven predictors. Each line is decoded in two passes: the differences (the serial Huffman
// work, two codes per table read where they fit), then the samples from the predictor.
import { buildDifferenceTables, decodeLongCode, extend } from './huffman';
import { syncRestart } from './bits';
import {
  F_PRECISION, F_ROWS, F_COLUMNS, F_COMPONENTS, F_RESTART, F_DONE, SCAN, S_COMPONENTS, S_START,
  S_APPROX, S_INDEX, S_DC_TABLE, WORKSPACE, LOOKAHEAD, H_DIFF, DIFF_FULL, H_PAIR, DIFF_PAIR, field, setField,
} from './layout';
import { findMarker } from './markers';
import { Status } from '../shared';

// The bit reader between lines (F.2.2.5): `bitBuffer` holds `bitCount` unread bits at its top;
// `bitPadding` counts the zero bits fed after the data ran out or a marker was reached (reading
// any of them means the scan was cut short). Lines copy it into locals.
let bitBuffer: u64 = 0;
let bitCount: i32 = 0;
let bitPadding: i32 = 0;
let bitAt: usize = 0;
let bitEnd: usize = 0;

/**
 * Decode `count` differences (H.1.2.2) into `out` (i16, modulo 2^16). `paired`: every sample
 * uses the table of scan component 0, read through its pair table; otherwise scan component j
 * of `components` uses the table in `plan` (8 bytes per component). Returns 0 or a status.
 */
@inline function decodeDifferences(paired: bool, plan: usize, components: i32, count: i32, out: usize): i32 {
  let acc = bitBuffer;
  let nbits = bitCount;
  let padding = bitPadding;
  let p = bitAt;
  const end = bitEnd;
  let table = <usize>load<i32>(plan);
  let j: i32 = 0;
  let i: i32 = 0;
  while (i < count) {
    if (!paired) {
      table = <usize>load<i32>(plan + (<usize>j << 3));
      j++;
      if (j == components) j = 0;
    }
    if (nbits < 32) {
      // A byte at a time: 0xFF00 is a data 0xFF; at any other marker, or at the end of the
      // input, zero bytes are fed and counted instead.
      do {
        let byte: u64 = 0;
        if (p < end) {
          const c = load<u8>(p);
          if (c != 0xff) {
            byte = <u64>c;
            p++;
          } else if (p + 1 < end && load<u8>(p + 1) == 0) {
            byte = 0xff;
            p += 2;
          } else {
            padding += 8;
          }
        } else {
          padding += 8;
        }
        acc |= byte << <u64>(56 - nbits);
        nbits += 8;
      } while (nbits <= 56);
    }
    const index = <usize>(acc >> (64 - LOOKAHEAD)) << 2;
    let entry: i32;
    if (paired) {
      entry = load<i32>(table + H_PAIR + index);
      if ((entry & DIFF_PAIR) != 0) {
        if (i + 1 < count) {
          const used = entry & 31;
          acc <<= <u64>used;
          nbits -= used;
          store<i16>(out + (<usize>i << 1), <i16>((entry << 11) >> 22));
          store<i16>(out + (<usize>i << 1) + 2, <i16>((entry << 1) >> 22));
          i += 2;
          continue;
        }
        entry = load<i32>(table + H_DIFF + index); // the line's last sample: the first code alone
      }
    } else {
      entry = load<i32>(table + H_DIFF + index);
    }
    let difference: i32;
    if (entry & DIFF_FULL) {
      const used = entry & 31;
      acc <<= <u64>used;
      nbits -= used;
      difference = entry >> 16;
    } else {
      let ssss: i32;
      if (entry != 0) {
        const used = entry & 31;
        acc <<= <u64>used;
        nbits -= used;
        ssss = entry >> 8;
      } else {
        const code = decodeLongCode(table, <i32>(acc >> 48));
        if (code == 0 || (code & 0xff) > 16) return padding > 0 ? Status.TRUNCATED : Status.JPEG_BAD_CODE;
        acc <<= <u64>(code >> 8);
        nbits -= code >> 8;
        ssss = code & 0xff;
      }
      if (ssss == 16) {
        difference = 32768; // no additional bits (H.1.2.2)
      } else if (ssss == 0) {
        difference = 0;
      } else {
        const bits = <i32>(acc >> <u64>(64 - ssss));
        acc <<= <u64>ssss;
        nbits -= ssss;
        difference = extend(bits, ssss);
      }
    }
    store<i16>(out + (<usize>i << 1), <i16>difference);
    i++;
  }
  bitBuffer = acc;
  bitCount = nbits;
  bitPadding = padding;
  bitAt = p;
  return Status.OK;
}

function decodeDifferencesOneTable(plan: usize, count: i32, out: usize): i32 {
  return decodeDifferences(true, plan, 1, count, out);
}

function decodeDifferencesTables(plan: usize, components: i32, count: i32, out: usize): i32 {
  return decodeDifferences(false, plan, components, count, out);
}

/**
 * Predictors of Table H.1 for selection values 1..7. Arithmetic is on full integers (the
 * shifts are arithmetic); the sum with the difference is taken modulo 2^16 (H.1.2.1).
 */
@inline function predict(selection: i32, ra: i32, rb: i32, rc: i32): i32 {
  switch (selection) {
    case 1: return ra;
    case 2: return rb;
    case 3: return rc;
    case 4: return ra + rb - rc;
    case 5: return ra + ((rb - rc) >> 1);
    case 6: return rb + ((ra - rc) >> 1);
    default: return (ra + rb) >> 1;
  }
}

@inline function loadSample(wide: bool, at: usize): i32 {
  return wide ? <i32>load<u16>(at) : <i32>load<u8>(at);
}

@inline function storeSample(wide: bool, at: usize, value: i32): void {
  if (wide) store<u16>(at, <u16>value);
  else store<u8>(at, <u8>value);
}

/**
 * One component's samples of one line from its differences (`diffs`, `diffStride` bytes
 * apart) and the line above (`rowBytes` back). H.1.2.1: the first line of the scan and of
 * each restart interval predicts from Ra, its first sample from 2^(P-Pt-1); every other line's
 * first sample from Rb; everything else with the selected predictor.
 */
@inline function reconstruct(
  selection: i32, wide: bool, at: usize, pixelBytes: usize, rowBytes: usize, columns: i32,
  diffs: usize, diffStride: usize, firstRow: bool, initial: i32,
): void {
  const mask: i32 = wide ? 0xffff : 0xff;
  if (firstRow) {
    let ra = (initial + <i32>load<i16>(diffs)) & mask;
    storeSample(wide, at, ra);
    for (let x: i32 = 1; x < columns; x++) {
      ra = (ra + <i32>load<i16>(diffs + <usize>x * diffStride)) & mask;
      storeSample(wide, at + <usize>x * pixelBytes, ra);
    }
    return;
  }
  const above = at - rowBytes;
  let ra = (loadSample(wide, above) + <i32>load<i16>(diffs)) & mask;
  storeSample(wide, at, ra);
  let rc = loadSample(wide, above);
  for (let x: i32 = 1; x < columns; x++) {
    const offset = <usize>x * pixelBytes;
    const difference = <i32>load<i16>(diffs + <usize>x * diffStride);
    if (selection == 1) {
      ra = (ra + difference) & mask;
    } else {
      const rb = loadSample(wide, above + offset);
      ra = (predict(selection, ra, rb, rc) + difference) & mask;
      rc = rb;
    }
    storeSample(wide, at + offset, ra);
  }
}

/** `reconstruct` with the selection value and sample size as constants. */
function reconstructLine(
  selection: i32, wide: bool, at: usize, pixelBytes: usize, rowBytes: usize, columns: i32,
  diffs: usize, diffStride: usize, firstRow: bool, initial: i32,
): void {
  if (wide) {
    switch (selection) {
      case 1: reconstruct(1, true, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 2: reconstruct(2, true, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 3: reconstruct(3, true, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 4: reconstruct(4, true, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 5: reconstruct(5, true, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 6: reconstruct(6, true, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      default: reconstruct(7, true, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial);
    }
  } else {
    switch (selection) {
      case 1: reconstruct(1, false, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 2: reconstruct(2, false, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 3: reconstruct(3, false, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 4: reconstruct(4, false, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 5: reconstruct(5, false, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      case 6: reconstruct(6, false, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial); break;
      default: reconstruct(7, false, at, pixelBytes, rowBytes, columns, diffs, diffStride, firstRow, initial);
    }
  }
}

/** Bytes of working memory a lossless frame needs: one line of differences. */
export function losslessWorkBytes(scratch: usize): usize {
  return ((<usize>field(scratch, F_COLUMNS) * <usize>field(scratch, F_COMPONENTS)) << 1) + 16;
}

/**
 * Decode one lossless scan (the scan header is in scratch) into `dst`: samples of the frame's
 * components interleaved, `sampleBytes` (1 or 2) each; `work` holds losslessWorkBytes. Returns
 * the offset of the marker after the scan, or a negative status.
 */
export function decodeLosslessScan(src: usize, length: usize, pos: usize, scratch: usize, dst: usize, sampleBytes: i32, work: usize): isize {
  const scan = scratch + SCAN;
  const precision = field(scratch, F_PRECISION);
  const selection = field(scan, S_START);
  const pointTransform = field(scan, S_APPROX) & 15;
  // H.2.3: Ss = predictor 1..7 (0 only in hierarchical mode), Ah = 0, Al = Pt < P.
  if (selection < 1 || selection > 7 || (field(scan, S_APPROX) >> 4) != 0 || pointTransform >= precision) return Status.JPEG_BAD_SCAN;
  const columns = field(scratch, F_COLUMNS);
  const rows = field(scratch, F_ROWS);
  const components = field(scan, S_COMPONENTS);
  const pixelBytes = <usize>(field(scratch, F_COMPONENTS) * sampleBytes);
  const rowBytes = <usize>columns * pixelBytes;
  // Per scan component: Huffman table and byte offset within a pixel.
  const plan = scratch + WORKSPACE;
  let done = field(scratch, F_DONE);
  let oneTable = true;
  for (let j: i32 = 0; j < components; j++) {
    const index = field(scan, S_INDEX + (<usize>j << 2));
    const table = field(scan, S_DC_TABLE + (<usize>j << 2));
    if (table == 0) return Status.JPEG_MISSING_TABLE;
    if ((done >> index) & 1) return Status.JPEG_BAD_SCAN; // a component is coded in one scan only
    done |= 1 << index;
    store<i32>(plan + (<usize>j << 3), table);
    store<i32>(plan + (<usize>j << 3) + 4, index * sampleBytes);
    if (table != load<i32>(plan)) oneTable = false;
    let seen = false;
    for (let k: i32 = 0; k < j; k++) if (load<i32>(plan + (<usize>k << 3)) == table) seen = true;
    if (!seen) buildDifferenceTables(<usize>table);
  }
  // An MCU is one sample of each scan component (all sampling factors equal, checked by the
  // caller), so a restart interval must be whole lines for the line-based predictor reset.
  const restart = field(scratch, F_RESTART);
  if (restart != 0 && restart % columns != 0) return Status.JPEG_UNSUPPORTED;
  const restartRows = restart / columns;
  const initial = 1 << (precision - pointTransform - 1);
  const wide = sampleBytes == 2;
  const lineCount = columns * components;
  const diffStride = <usize>components << 1;
  bitBuffer = 0;
  bitCount = 0;
  bitPadding = 0;
  bitAt = src + pos;
  bitEnd = src + length;
  let rowsInInterval: i32 = 0;
  let restartIndex: i32 = 0;
  let firstRow = true;
  for (let y: i32 = 0; y < rows; y++) {
    if (restartRows != 0 && rowsInInterval == restartRows) {
      // H.1.2.1 / F.2.1.3: a restart interval ends byte-aligned before RSTn; prediction starts
      // again as on the first line.
      if (bitCount < bitPadding) return Status.TRUNCATED;
      const next = syncRestart(src, length, bitAt - src, restartIndex);
      if (next < 0) return next;
      bitAt = src + <usize>next;
      bitBuffer = 0;
      bitCount = 0;
      bitPadding = 0;
      restartIndex = (restartIndex + 1) & 7;
      rowsInInterval = 0;
      firstRow = true;
    }
    rowsInInterval++;
    const status = oneTable
      ? decodeDifferencesOneTable(plan, lineCount, work)
      : decodeDifferencesTables(plan, components, lineCount, work);
    if (status < 0) return status;
    // Bits read past the data: the stream was cut, and the rest of the frame would be decoded
    // from zeros (work bounded by the input, not by the frame size the header claims).
    if (bitCount < bitPadding) return Status.TRUNCATED;
    const row = dst + <usize>y * rowBytes;
    for (let j: i32 = 0; j < components; j++) {
      const at = row + <usize>load<i32>(plan + (<usize>j << 3) + 4);
      reconstructLine(selection, wide, at, pixelBytes, rowBytes, columns, work + (<usize>j << 1), diffStride, firstRow, initial);
    }
    firstRow = false;
  }
  if (bitCount < bitPadding) return Status.TRUNCATED;
  setField(scratch, F_DONE, done);
  if (pointTransform > 0) shiftComponents(dst, scratch, sampleBytes, pointTransform);
  return <isize>findMarker(src, length, bitAt - src);
}

/** Undo the point transform (H.1.2.3): decoded values are the samples shifted right by Pt. */
function shiftComponents(dst: usize, scratch: usize, sampleBytes: i32, pointTransform: i32): void {
  const scan = scratch + SCAN;
  const pixels = <usize>field(scratch, F_ROWS) * <usize>field(scratch, F_COLUMNS);
  const pixelBytes = <usize>(field(scratch, F_COMPONENTS) * sampleBytes);
  for (let j: i32 = 0; j < field(scan, S_COMPONENTS); j++) {
    const base = dst + <usize>(field(scan, S_INDEX + (<usize>j << 2)) * sampleBytes);
    if (sampleBytes == 2) {
      for (let i: usize = 0; i < pixels; i++) {
        const at = base + i * pixelBytes;
        store<u16>(at, <u16>(<i32>load<u16>(at) << pointTransform));
      }
    } else {
      for (let i: usize = 0; i < pixels; i++) {
        const at = base + i * pixelBytes;
        store<u8>(at, <u8>(<i32>load<u8>(at) << pointTransform));
      }
    }
  }
}
