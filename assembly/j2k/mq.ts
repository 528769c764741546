// The MQ arithmetic decoder of JPEG 2000 (ISO/IEC 15444-1 Annex C) and the raw (bypass) bit
// reader of its lazy mode (D.6), over one codeword segment each.

/**
 * Probability states (Table C.2), one per (index, MPS): state 2i+m is Qe index i with MPS m.
 * Each entry is a u32: Qe in bits 0-15, the next state after an MPS in bits 16-22 and after an
 * LPS in bits 23-29 (the switch of the MPS folded in), the MPS in bit 31. A context holds its
 * state's entry itself, so a decision reads one word (mqDecode).
 */
const STATES: usize = memory.data(94 * 4, 16);

const QE: StaticArray<u16> = [
  0x5601, 0x3401, 0x1801, 0x0ac1, 0x0521, 0x0221, 0x5601, 0x5401, 0x4801, 0x3801, 0x3001, 0x2401, 0x1c01, 0x1601,
  0x5601, 0x5401, 0x5101, 0x4801, 0x3801, 0x3401, 0x3001, 0x2801, 0x2401, 0x2201, 0x1c01, 0x1801, 0x1601, 0x1401,
  0x1201, 0x1101, 0x0ac1, 0x09c1, 0x08a1, 0x0521, 0x0441, 0x02a1, 0x0221, 0x0141, 0x0111, 0x0085, 0x0049, 0x0025,
  0x0015, 0x0009, 0x0005, 0x0001, 0x5601,
];
const NMPS: StaticArray<u8> = [
  1, 2, 3, 4, 5, 38, 7, 8, 9, 10, 11, 12, 13, 29, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
  32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 45, 46,
];
const NLPS: StaticArray<u8> = [
  1, 6, 9, 12, 29, 33, 6, 14, 14, 14, 17, 18, 20, 21, 14, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 23, 24, 25, 26, 27,
  28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 46,
];
const SWITCH: StaticArray<u8> = [
  1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0,
];

let statesReady = false;

/** Fill STATES once. */
export function initStates(): void {
  if (statesReady) return;
  for (let i = 0; i < 47; i++) {
    for (let mps = 0; mps < 2; mps++) {
      const nmps = <u32>unchecked(NMPS[i]) * 2 + mps;
      const lpsMps = unchecked(SWITCH[i]) ? 1 - mps : mps;
      const nlps = <u32>unchecked(NLPS[i]) * 2 + lpsMps;
      store<u32>(STATES + ((i * 2 + mps) << 2), <u32>unchecked(QE[i]) | (nmps << 16) | (nlps << 23) | (<u32>mps << 31));
    }
  }
  statesReady = true;
}

// Decoder registers (C.3). C is held in 64 bits: its 16 bits compared with Qe (Chigh) are bits
// 48-63 and the code bits that follow them are read ahead below, CT of them (at least 16 after
// every decision), so a renormalisation of up to 15 bits never waits for a byte. The byte
// position points at the last byte read (its successor decides a stuffed bit, C.3.4), of the
// segment [.., mqEnd).
let mqA: u32 = 0;
let mqC: u64 = 0;
let mqCt: i32 = 0;
let mqBp: usize = 0;
let mqEnd: usize = 0;

/**
 * BYTEIN (C.3.4) until more than 40 bits are read ahead. A byte after 0xFF carries 7 bits (its
 * first is a stuffed 0). Past the end of the segment, or at a marker (0xFF then a byte above
 * 0x8F), the decoder is fed 1 bits without moving: the end of data cannot be read past.
 */
function fill(): void {
  let bp = mqBp;
  let c = mqC;
  let ct = mqCt;
  const end = mqEnd;
  while (ct <= 40) {
    const b: u32 = bp < end ? <u32>load<u8>(bp) : 0xff;
    const next: u32 = bp + 1 < end ? <u32>load<u8>(bp + 1) : 0xff;
    if (b == 0xff) {
      if (next > 0x8f) {
        c += <u64>0xff << <u64>(40 - ct);
        ct += 8;
      } else {
        bp++;
        c += <u64>next << <u64>(41 - ct);
        ct += 7;
      }
    } else {
      bp++;
      c += <u64>next << <u64>(40 - ct);
      ct += 8;
    }
  }
  mqBp = bp;
  mqC = c;
  mqCt = ct;
}

/** INITDEC (C.3.5) on the segment [start, end). */
export function mqInit(start: usize, end: usize): void {
  mqBp = start;
  mqEnd = end;
  mqC = <u64>(start < end ? <u32>load<u8>(start) : 0xff) << 48;
  mqCt = 0;
  fill();
  mqC <<= 7;
  mqCt -= 7;
  mqA = 0x8000;
}

/**
 * DECODE (C.3.2) with the context whose state entry is at `cx`; returns the decision. Without
 * branches but one that is rarely taken: the LPS / MPS choice, the conditional exchange, the
 * renormalisation (RENORMD, C.3.3: a shift by the leading zeros of A, 0 when none is needed)
 * and the context's next state are selects, since the decision is data and a branch on it
 * mispredicts; only reading ahead branches, every few bytes.
 */
@inline export function mqDecode(cx: usize): u32 {
  const entry = load<u32>(cx);
  const qe = entry & 0xffff;
  const mps = entry >>> 31;
  const a = mqA - qe;
  const c = mqC;
  const lps = <u32>(c >>> 48) < qe;
  const exchange = a < qe;
  const d = mps ^ <u32>exchange ^ <u32>lps;
  const next = select<u32>(qe, a, lps);
  const shift = clz<u32>(next) - 16;
  const state = mqState(d == mps ? (entry >>> 16) & 0x7f : (entry >>> 23) & 0x7f);
  store<u32>(cx, select<u32>(state, entry, shift != 0));
  mqA = next << shift;
  mqC = select<u64>(c, c - (<u64>qe << 48), lps) << <u64>shift;
  const ct = mqCt - <i32>shift;
  mqCt = ct;
  if (ct < 16) fill();
  return d;
}

/**
 * DECODE with the context at `cx` when its decision is certainly a 0 that needs no
 * renormalisation (its MPS is 0, C is above Qe and A stays at least 0x8000): the decision is
 * made (A and C move; the context's state does not) and true returned; otherwise nothing is done.
 * A cheap, well predicted path for the long runs of quiet decisions of one context.
 */
@inline export function mqDecodeQuiet(cx: usize): bool {
  const entry = load<u32>(cx);
  const qe = entry & 0xffff;
  const a = mqA - qe;
  const c = mqC;
  if (<i32>entry < 0 || <u32>(c >>> 48) < qe || a < 0x8000) return false;
  mqA = a;
  mqC = c - (<u64>qe << 48);
  return true;
}

/** The entry of probability state `state` (Qe index × 2 + MPS), for a context to hold. */
@inline export function mqState(state: u32): u32 {
  return load<u32>(STATES + (<usize>state << 2));
}

// Raw segment reader (lazy mode): the current byte, bits left in it, position and end.
let rawByte: u32 = 0;
let rawCt: i32 = 0;
let rawBp: usize = 0;
let rawEnd: usize = 0;

export function rawInit(start: usize, end: usize): void {
  rawByte = 0;
  rawCt = 0;
  rawBp = start;
  rawEnd = end;
}

/**
 * One raw bit (D.6): bytes MSB first; a byte after 0xFF carries 7 bits (its first is a stuffed
 * 0). Past the end of the segment, or at a marker, 1 bits.
 */
@inline export function rawDecode(): u32 {
  if (rawCt == 0) {
    if (rawByte == 0xff) {
      const b: u32 = rawBp < rawEnd ? <u32>load<u8>(rawBp) : 0xff;
      if (b > 0x8f) {
        rawByte = 0xff;
        rawCt = 8;
      } else {
        rawByte = b;
        rawBp++;
        rawCt = 7;
      }
    } else {
      if (rawBp < rawEnd) {
        rawByte = <u32>load<u8>(rawBp);
        rawBp++;
      } else {
        rawByte = 0xff;
      }
      rawCt = 8;
    }
  }
  rawCt--;
  return (rawByte >>> <u32>rawCt) & 1;
}
