// Huffman tables (ITU-T T.81 Annex C) and decoding with a lookahead table (after F.2.2.3).
import {
  LOOKAHEAD, LOOKAHEAD_SIZE, H_VALUES, H_MAXCODE, H_OFFSET, H_LOOKUP, H_DIFF, DIFF_FULL, H_PAIR, DIFF_PAIR,
} from './layout';
import { Status } from '../shared';

/**
 * EXTEND (F.2.2.1): `bits` (the SSSS additional bits) as a signed difference. SSSS = 16 has no
 * additional bits and means 32768 (H.1.2.2); as a 16-bit modular difference that is -32768.
 */
@inline export function extend(bits: i32, ssss: i32): i32 {
  return bits < (1 << (ssss - 1)) ? bits - (1 << ssss) + 1 : bits;
}

/**
 * Build a decoding table from a DHT table specification (B.2.4.2): `counts` = BITS (16 bytes,
 * codes of each length), `values` = HUFFVAL. Codes are generated as in C.2; a set of lengths that
 * does not fit (or leaves the all-ones code in use, which C.2 forbids) is Status.JPEG_BAD_TABLE. Class 0
 * tables (DC and lossless differences) may only hold SSSS values 0..16.
 */
export function buildHuffmanTable(table: usize, counts: usize, values: usize, total: i32, tableClass: i32): i32 {
  if (total > 256) return Status.JPEG_BAD_TABLE;
  memory.copy(table + H_VALUES, values, <usize>total);
  memory.fill(table + H_LOOKUP, 0, LOOKAHEAD_SIZE << 1);
  let code: i32 = 0;
  let k: i32 = 0;
  for (let length: i32 = 1; length <= 16; length++) {
    const n = <i32>load<u8>(counts + <usize>(length - 1));
    store<i32>(table + H_OFFSET + (<usize>length << 2), k - code);
    store<i32>(table + H_MAXCODE + (<usize>length << 2), n > 0 ? code + n - 1 : -1);
    for (let i: i32 = 0; i < n; i++) {
      const value = <i32>load<u8>(values + <usize>k);
      if (tableClass == 0 && value > 16) return Status.JPEG_BAD_TABLE;
      if (length <= LOOKAHEAD) {
        // Every LOOKAHEAD-bit pattern starting with this code.
        const shift = LOOKAHEAD - length;
        const first = <usize>(code << shift);
        const entry = <u16>((length << 8) | value);
        for (let j: usize = 0; j < (<usize>1 << shift); j++) store<u16>(table + H_LOOKUP + ((first + j) << 1), entry);
      }
      code++;
      k++;
    }
    // C.2: codes of one length must fit in that many bits, and none may be all ones.
    if (code >= (1 << length)) return Status.JPEG_BAD_TABLE;
    code <<= 1;
  }
  store<i32>(table + H_MAXCODE + (17 << 2), 0x7fffffff); // sentinel: ends the slow search
  return Status.OK;
}

/**
 * For a class 0 table used by a lossless scan: each LOOKAHEAD-bit pattern decoded as far as it
 * goes (H_DIFF). When the code and its SSSS additional bits fit in the lookahead, the entry holds
 * the difference itself; H_PAIR also holds two differences where both fit.
 */
export function buildDifferenceTables(table: usize): void {
  for (let i: i32 = 0; i < <i32>LOOKAHEAD_SIZE; i++) {
    const entry = <i32>load<u16>(table + H_LOOKUP + (<usize>i << 1));
    let out: i32 = 0;
    if (entry != 0) {
      const length = entry >> 8;
      const ssss = entry & 0xff;
      if (ssss == 0) {
        out = DIFF_FULL | length;
      } else if (ssss == 16) {
        out = (-32768 << 16) | DIFF_FULL | length;
      } else if (length + ssss <= LOOKAHEAD) {
        const bits = (i >> (LOOKAHEAD - length - ssss)) & ((1 << ssss) - 1);
        out = (extend(bits, ssss) << 16) | DIFF_FULL | (length + ssss);
      } else {
        out = (ssss << 8) | length;
      }
    }
    store<i32>(table + H_DIFF + (<usize>i << 2), out);
  }
  // Pairs: the first code fully decoded leaves room for a second one, also fully decoded
  // within the bits known (its own entry, looked up with the unknown bits as zeros, must not
  // depend on them), and both differences fit in 10 bits.
  const mask = <i32>LOOKAHEAD_SIZE - 1;
  for (let i: i32 = 0; i < <i32>LOOKAHEAD_SIZE; i++) {
    let out = load<i32>(table + H_DIFF + (<usize>i << 2));
    if (out & DIFF_FULL) {
      const first = out & 31;
      const firstDifference = out >> 16;
      if (first < LOOKAHEAD && firstDifference >= -512 && firstDifference < 512) {
        const next = load<i32>(table + H_DIFF + (<usize>((i << first) & mask) << 2));
        const second = next & 31;
        const secondDifference = next >> 16;
        if ((next & DIFF_FULL) && first + second <= LOOKAHEAD && secondDifference >= -512 && secondDifference < 512) {
          out = DIFF_PAIR | DIFF_FULL | (first + second) | (first << 7) | ((firstDifference & 0x3ff) << 11) | ((secondDifference & 0x3ff) << 21);
        }
      }
    }
    store<i32>(table + H_PAIR + (<usize>i << 2), out);
  }
}

/**
 * Decode a code longer than the lookahead (F.2.2.3 DECODE): `code16` holds the next 16 bits.
 * Returns (length << 8) | value, or 0 when no code matches.
 */
export function decodeLongCode(table: usize, code16: i32): i32 {
  let length: i32 = LOOKAHEAD + 1;
  let code = code16 >> (16 - length);
  while (code > load<i32>(table + H_MAXCODE + (<usize>length << 2))) {
    length++;
    if (length > 16) return 0;
    code = code16 >> (16 - length);
  }
  const index = code + load<i32>(table + H_OFFSET + (<usize>length << 2));
  if (<u32>index > 255) return 0;
  return (length << 8) | <i32>load<u8>(table + H_VALUES + <usize>index);
}
