// Layout of the JPEG scratch region (JS allocates jpegScratchBytes() from the arena).
// Everything a decode needs besides its input and output lives here, so kernels never allocate.
import { JpegField } from '../shared';

// Frame header (ITU-T T.81 B.2.2) and stream facts, i32 each.
export const F_SOF: usize = <usize>JpegField.Sof << 2; //           SOFn marker code (0xC0, 0xC1, 0xC3), 0 before the frame header
export const F_PRECISION: usize = <usize>JpegField.Precision << 2; //     P, sample precision in bits
export const F_ROWS: usize = <usize>JpegField.Rows << 2; //          Y, number of lines
export const F_COLUMNS: usize = <usize>JpegField.Columns << 2; //      X, samples per line
export const F_COMPONENTS: usize = <usize>JpegField.Components << 2; //   Nf
export const F_MAX_H: usize = 20; //        largest horizontal sampling factor
export const F_MAX_V: usize = 24; //        largest vertical sampling factor
export const F_RESTART: usize = 28; //      Ri from DRI (B.2.4.4), 0 = none
export const F_ADOBE: usize = 32; //        APP14 Adobe transform flag, -1 = no APP14 segment
export const F_JFIF: usize = 36; //         1 when an APP0 JFIF segment was seen
export const F_TABLES: usize = 40; //       bit mask: Huffman class 0 (bits 0-3), class 1 (4-7), quantization (8-11)
export const F_COLOR: usize = <usize>JpegField.Color << 2; //        output colour: 0 = samples as coded, 1 = YCbCr converted to RGB
export const F_DONE: usize = 48; //         bit mask of frame components decoded by a scan
export const F_MARKER: usize = 52; //       the marker that stopped the segment reader

// Frame components (B.2.2): Ci, Hi, Vi, Tqi, then per-scan state; 4 components at most.
export const COMPONENT: usize = 64;
export const COMPONENT_BYTES: usize = 32;
export const C_ID: usize = 0;
export const C_H: usize = 4;
export const C_V: usize = 8;
export const C_TQ: usize = 12;
export const C_BLOCKS_WIDE: usize = 16; //  DCT: 8x8 blocks per block row of the padded component
export const C_BLOCKS_HIGH: usize = 20;
export const C_PLANE: usize = 24; //        DCT: address of the component's sample plane
export const C_PRED: usize = 28; //         DCT: DC predictor of the component (F.2.1.3.1)
export const MAX_COMPONENTS: i32 = 4;

// Scan header (B.2.3).
export const SCAN: usize = 192;
export const S_COMPONENTS: usize = 0; //    Ns
export const S_START: usize = 4; //         Ss (lossless: predictor selection value)
export const S_END: usize = 8; //           Se
export const S_APPROX: usize = 12; //       Ah << 4 | Al (lossless: Al = point transform Pt)
export const S_INDEX: usize = 16; //        4 × i32: frame component index of scan component j
export const S_DC_TABLE: usize = 32; //     4 × i32: address of its class 0 (DC / lossless) Huffman table
export const S_AC_TABLE: usize = 48; //     4 × i32: address of its class 1 (AC) Huffman table

// Quantization tables (B.2.4.1): 4 × 64 × i32, natural (row-major) order.
export const QUANT: usize = 256;
export const QUANT_BYTES: usize = 256;

// Huffman tables (B.2.4.2, Annex C): 4 of class 0 then 4 of class 1.
export const HUFFMAN: usize = QUANT + 4 * QUANT_BYTES;
/** Bits looked up at once. Codes of up to this length decode with one table read. */
export const LOOKAHEAD: i32 = 11;
export const LOOKAHEAD_SIZE: usize = 1 << LOOKAHEAD;
export const H_VALUES: usize = 0; //        HUFFVAL, 256 × u8
export const H_MAXCODE: usize = 256; //     18 × i32: largest code of length l (-1 if none), l = 1..16; [17] = sentinel
export const H_OFFSET: usize = 328; //      18 × i32: HUFFVAL index of code c of length l = c + offset[l]
export const H_LOOKUP: usize = 400; //      LOOKAHEAD_SIZE × u16: (length << 8) | value, 0 = longer code
// LOOKAHEAD_SIZE × i32, class 0 only: the code and its additional bits decoded together.
// (difference << 16) | FULL | total bits, or (SSSS << 8) | code length, or 0 = longer code.
export const H_DIFF: usize = H_LOOKUP + (LOOKAHEAD_SIZE << 1);
export const DIFF_FULL: i32 = 32;
// LOOKAHEAD_SIZE × i32, class 0 only: H_DIFF entries, upgraded where two codes of this table and
// their additional bits fit in the lookahead together: DIFF_PAIR | total bits | first length << 7
// | first difference << 11 (10 bits) | second difference << 21 (10 bits).
export const H_PAIR: usize = H_DIFF + (LOOKAHEAD_SIZE << 2);
export const DIFF_PAIR: i32 = 64;
export const HUFFMAN_BYTES: usize = H_PAIR + (LOOKAHEAD_SIZE << 2);

// DCT coefficient block (64 × i32) and IDCT workspace (64 × i32).
export const BLOCK: usize = HUFFMAN + 8 * HUFFMAN_BYTES;
export const WORKSPACE: usize = BLOCK + 256;
export const SCRATCH_BYTES: usize = WORKSPACE + 256;

/** Address of Huffman table `index` (0-3) of class `tableClass` (0 = DC / lossless, 1 = AC). */
@inline export function huffmanTable(scratch: usize, tableClass: i32, index: i32): usize {
  return scratch + HUFFMAN + <usize>((tableClass << 2) + index) * HUFFMAN_BYTES;
}

@inline export function component(scratch: usize, index: i32): usize {
  return scratch + COMPONENT + <usize>index * COMPONENT_BYTES;
}

@inline export function field(scratch: usize, offset: usize): i32 {
  return load<i32>(scratch + offset);
}

@inline export function setField(scratch: usize, offset: usize, value: i32): void {
  store<i32>(scratch + offset, value);
}
