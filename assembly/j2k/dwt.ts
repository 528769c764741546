// Inverse discrete wavelet transform of JPEG 2000 (ISO/IEC 15444-1 Annex F): the reversible
// 5/3 (i32) and irreversible 9/7 (f32) filters by lifting (F.3.8.2), on a tile-component whose
// resolutions are laid out as the decoder places the subbands: at each level the low band in the
// top-left corner, the high bands to its right and below. The horizontal pass lifts four rows at
// a time, one per v128 lane; the vertical one puts the rows in order and lifts whole rows, four
// columns per v128, all steps in one sweep down the rows (memory is read in order, once).
import { Status } from '../shared';

/**
 * Bytes of work memory the inverse transforms need for a tile-component `size` samples wide or
 * tall at most: a line of v128 (four lines) plus its borders.
 */
export function j2kDwtWorkBytes(size: i32): i32 {
  return (size + 10) * 16;
}

/**
 * The inverse transform of one tile-component in place: `coefficients` holds i32 (reversible)
 * or f32 (`irreversible`) samples, `stride` per row, `capacity` in all. `bounds` holds levels + 1
 * resolutions of four i32 each (x0, y0, x1, y1 on the resolution's own grid: B.5), resolution 0
 * first; the transform runs from resolution 1 up to `levels`. Returns 0 or Status.J2K_BAD_REGION.
 */
export function j2kInverseDwt(
  coefficients: usize, capacity: usize, stride: i32, bounds: usize, levels: i32, irreversible: i32, work: usize, workBytes: usize,
): i32 {
  for (let r = 1; r <= levels; r++) {
    const at = bounds + (<usize>r << 4);
    const lower = at - 16;
    const x0 = load<i32>(at);
    const y0 = load<i32>(at, 4);
    const width = load<i32>(at, 8) - x0;
    const height = load<i32>(at, 12) - y0;
    const lowWidth = load<i32>(lower, 8) - load<i32>(lower);
    const lowHeight = load<i32>(lower, 12) - load<i32>(lower, 4);
    if (width < 0 || height < 0 || width > stride) return Status.J2K_BAD_REGION;
    // The lower resolution is this one's low-pass positions (B.5: its bounds are these halved, up).
    if (lowWidth != ((width + 1 - (x0 & 1)) >> 1) || lowHeight != ((height + 1 - (y0 & 1)) >> 1)) return Status.J2K_BAD_REGION;
    if (width == 0 || height == 0) continue;
    if (<u64>(height - 1) * <u64>stride + <u64>width > <u64>capacity) return Status.J2K_BAD_REGION;
    if (<u64>(max(width, height) + 10) * 16 > <u64>workBytes) return Status.J2K_BAD_REGION;
    const t = work + 5 * 16; // five v128 of border before, at least four after
    const rowBytes = <usize>stride << 2;
    for (let y = 0; y < height; y += 4) {
      const rows = min(4, height - y);
      const first = coefficients + <usize>y * rowBytes;
      if (rows == 4) gatherRows(first, rowBytes, width, lowWidth, x0 & 1, t);
      else gather(first, 4, rowBytes, rows, width, lowWidth, x0 & 1, t);
      lift(t, width, x0 & 1, irreversible);
      if (rows == 4) scatterRows(first, rowBytes, width, t);
      else scatter(first, 4, rowBytes, rows, width, t);
    }
    vertical(coefficients, rowBytes, width, height, lowHeight, y0 & 1, irreversible, work);
  }
  return Status.OK;
}

/**
 * Interleave `lines` lines (1-4, `lineBytes` apart) of `n` samples each (`step` bytes apart along
 * the line) into `t`, one v128 per position, lane j from line j: the `low` low-pass samples
 * (stored first) go to even positions when the line starts at an even position (`odd` 0).
 */
@inline function gather(first: usize, step: usize, lineBytes: usize, lines: i32, n: i32, low: i32, odd: i32, t: usize): void {
  for (let i = 0; i < n; i++) {
    const k = i < low ? 2 * i + odd : 2 * (i - low) + 1 - odd;
    const at = first + <usize>i * step;
    let v = i32x4.splat(load<i32>(at));
    if (lines > 1) v = i32x4.replace_lane(v, 1, load<i32>(at + lineBytes));
    if (lines > 2) v = i32x4.replace_lane(v, 2, load<i32>(at + 2 * lineBytes));
    if (lines > 3) v = i32x4.replace_lane(v, 3, load<i32>(at + 3 * lineBytes));
    store<v128>(t + (<usize>k << 4), v);
  }
}

// A 4×4 transpose of i32 (or f32) lanes: rows a-d in, columns out (two rounds of shuffles).
@inline function pairLow(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 0, 4, 1, 5);
}
@inline function pairHigh(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 2, 6, 3, 7);
}
@inline function halfLow(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 0, 1, 4, 5);
}
@inline function halfHigh(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 2, 3, 6, 7);
}

/** Where sample i of a line goes in `t`: the `low` low-pass ones to parity `odd`, then the high-pass ones. */
@inline function position(i: i32, low: i32, odd: i32): i32 {
  return i < low ? 2 * i + odd : 2 * (i - low) + 1 - odd;
}

/** gather of four rows (`rowBytes` apart) of `n` samples: four samples of each row per load, transposed. */
@inline function gatherRows(first: usize, rowBytes: usize, n: i32, low: i32, odd: i32, t: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = first + (<usize>i << 2);
    const a = v128.load(at);
    const b = v128.load(at + rowBytes);
    const c = v128.load(at + 2 * rowBytes);
    const d = v128.load(at + 3 * rowBytes);
    const ab0 = pairLow(a, b);
    const ab1 = pairHigh(a, b);
    const cd0 = pairLow(c, d);
    const cd1 = pairHigh(c, d);
    store<v128>(t + (<usize>position(i, low, odd) << 4), halfLow(ab0, cd0));
    store<v128>(t + (<usize>position(i + 1, low, odd) << 4), halfHigh(ab0, cd0));
    store<v128>(t + (<usize>position(i + 2, low, odd) << 4), halfLow(ab1, cd1));
    store<v128>(t + (<usize>position(i + 3, low, odd) << 4), halfHigh(ab1, cd1));
  }
  for (; i < n; i++) {
    const k = i < low ? 2 * i + odd : 2 * (i - low) + 1 - odd;
    const at = first + (<usize>i << 2);
    let v = i32x4.splat(load<i32>(at));
    v = i32x4.replace_lane(v, 1, load<i32>(at + rowBytes));
    v = i32x4.replace_lane(v, 2, load<i32>(at + 2 * rowBytes));
    v = i32x4.replace_lane(v, 3, load<i32>(at + 3 * rowBytes));
    store<v128>(t + (<usize>k << 4), v);
  }
}

/** scatter of four rows: four positions per row per store, transposed. */
@inline function scatterRows(first: usize, rowBytes: usize, n: i32, t: usize): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const from = t + (<usize>k << 4);
    const a = load<v128>(from);
    const b = load<v128>(from, 16);
    const c = load<v128>(from, 32);
    const d = load<v128>(from, 48);
    const ab0 = pairLow(a, b);
    const ab1 = pairHigh(a, b);
    const cd0 = pairLow(c, d);
    const cd1 = pairHigh(c, d);
    const at = first + (<usize>k << 2);
    v128.store(at, halfLow(ab0, cd0));
    v128.store(at + rowBytes, halfHigh(ab0, cd0));
    v128.store(at + 2 * rowBytes, halfLow(ab1, cd1));
    v128.store(at + 3 * rowBytes, halfHigh(ab1, cd1));
  }
  for (; k < n; k++) {
    const v = load<v128>(t + (<usize>k << 4));
    const at = first + (<usize>k << 2);
    store<i32>(at, i32x4.extract_lane(v, 0));
    store<i32>(at + rowBytes, i32x4.extract_lane(v, 1));
    store<i32>(at + 2 * rowBytes, i32x4.extract_lane(v, 2));
    store<i32>(at + 3 * rowBytes, i32x4.extract_lane(v, 3));
  }
}

/** Write `t` back in position order (the inverse of gather's layout, now reconstructed samples). */
@inline function scatter(first: usize, step: usize, lineBytes: usize, lines: i32, n: i32, t: usize): void {
  for (let k = 0; k < n; k++) {
    const v = load<v128>(t + (<usize>k << 4));
    const at = first + <usize>k * step;
    store<i32>(at, i32x4.extract_lane(v, 0));
    if (lines > 1) store<i32>(at + lineBytes, i32x4.extract_lane(v, 1));
    if (lines > 2) store<i32>(at + 2 * lineBytes, i32x4.extract_lane(v, 2));
    if (lines > 3) store<i32>(at + 3 * lineBytes, i32x4.extract_lane(v, 3));
  }
}

/** Mirror the samples next to each end of `t` (n >= 2) into its border: whole-sample symmetric extension (F.3.7). */
@inline function extend(t: usize, n: i32): void {
  store<v128>(t - 16, load<v128>(t + 16));
  store<v128>(t + (<usize>n << 4), load<v128>(t + (<usize>(n - 2) << 4)));
}

function lift(t: usize, n: i32, odd: i32, irreversible: i32): void {
  if (n == 1) {
    // A lone sample at an odd position is a high-pass one: x = y / 2 for the 5/3 filter (F.3.7);
    // the 9/7 one leaves it, as OpenJPEG does (its high-pass scaling carries the factor).
    if (odd && !irreversible) {
      const v = load<v128>(t);
      store<v128>(t, i32x4.shr_s(i32x4.add(v, i32x4.shr_u(v, 31)), 1));
    }
    return;
  }
  if (irreversible) lift97(t, n, odd);
  else lift53(t, n, odd);
}

/** The reversible 5/3 lifting steps (F-5, F-6) on positions 0..n-1, the low-pass ones at parity `odd`. */
function lift53(t: usize, n: i32, odd: i32): void {
  extend(t, n);
  // Low-pass positions: x[2n] = y[2n] - floor((y[2n-1] + y[2n+1] + 2) / 4).
  const two = i32x4.splat(2);
  for (let k = odd; k < n; k += 2) {
    const p = t + (<usize>k << 4);
    const sum = i32x4.add(i32x4.add(load<v128>(p - 16), load<v128>(p + 16)), two);
    store<v128>(p, i32x4.sub(load<v128>(p), i32x4.shr_s(sum, 2)));
  }
  // High-pass positions, from the updated low-pass ones: x[2n+1] = y[2n+1] + floor((x[2n] + x[2n+2]) / 2).
  extend(t, n);
  for (let k = 1 - odd; k < n; k += 2) {
    const p = t + (<usize>k << 4);
    const sum = i32x4.add(load<v128>(p - 16), load<v128>(p + 16));
    store<v128>(p, i32x4.add(load<v128>(p), i32x4.shr_s(sum, 1)));
  }
}

// The 9/7 filter's lifting constants and scaling (Table F.4), as OpenJPEG applies them: the
// high-pass samples scaled by 2/K, the subband steps without their gain (see tier2.ts).
const ALPHA: f32 = -1.586134342;
const BETA: f32 = -0.052980118;
const GAMMA: f32 = 0.882911075;
const DELTA: f32 = 0.443506852;
const K: f32 = 1.230174105;
const TWO_INV_K: f32 = 1.625732422;

/** The irreversible 9/7 lifting (F-7): scale, then four lifting steps alternating low and high. */
function lift97(t: usize, n: i32, odd: i32): void {
  if (n >= 6) {
    lift97Sweep(t, n, odd);
    return;
  }
  const low = f32x4.splat(K);
  const high = f32x4.splat(TWO_INV_K);
  for (let k = 0; k < n; k++) {
    const p = t + (<usize>k << 4);
    store<v128>(p, f32x4.mul(load<v128>(p), (k & 1) == odd ? low : high));
  }
  liftStep(t, n, odd, -DELTA);
  liftStep(t, n, 1 - odd, -GAMMA);
  liftStep(t, n, odd, -BETA);
  liftStep(t, n, 1 - odd, -ALPHA);
}

/**
 * lift97 in one sweep with its state in registers (n >= 6). The line is first extended
 * symmetrically by 5 positions before and 4 after (whole-sample symmetric extension commutes
 * with each symmetric lifting step, so the steps need no edge cases). At each high-pass position
 * q the two samples q - 1 (low) and q are loaded and scaled, then step 1 (δ) runs at q - 1,
 * step 2 (γ) at q - 2, step 3 (β) at q - 3 and step 4 (α) at q - 4, each from the values the one
 * before made; the four carried in registers are the scaled high sample and steps 1-3's last
 * results. Results go back to q - 3 (final low) and q - 4 (final high). The first iterations
 * start from zeros and write only into the border before position 0.
 */
function lift97Sweep(t: usize, n: i32, odd: i32): void {
  for (let k = 1; k <= 5; k++) store<v128>(t - (<usize>k << 4), load<v128>(t + (<usize>k << 4)));
  for (let k = 1; k <= 4; k++) store<v128>(t + (<usize>(n - 1 + k) << 4), load<v128>(t + (<usize>(n - 1 - k) << 4)));
  const kLow = f32x4.splat(K);
  const kHigh = f32x4.splat(TWO_INV_K);
  const delta = f32x4.splat(-DELTA);
  const gamma = f32x4.splat(-GAMMA);
  const beta = f32x4.splat(-BETA);
  const alpha = f32x4.splat(-ALPHA);
  let high = f32x4.splat(0); // scaled high sample q - 2
  let s1 = high; // step 1 at q - 3
  let s2 = high; // step 2 at q - 4
  let s3 = high; // step 3 at q - 5
  // q runs over the high-pass positions from -4 or -3 to n + 2 or n + 3; the first two
  // iterations only fill the registers (their results would go before the border).
  let q = odd ? -4 : -3;
  let p = t + (<isize>q << 4);
  for (let fill = 0; q <= n + 3; q += 2, p += 32, fill++) {
    const lowScaled = f32x4.mul(load<v128>(p - 16), kLow);
    const highScaled = f32x4.mul(load<v128>(p), kHigh);
    const n1 = f32x4.add(lowScaled, f32x4.mul(f32x4.add(high, highScaled), delta)); // at q - 1
    const n2 = f32x4.add(high, f32x4.mul(f32x4.add(s1, n1), gamma)); // at q - 2
    const n3 = f32x4.add(s1, f32x4.mul(f32x4.add(s2, n2), beta)); // at q - 3
    const n4 = f32x4.add(s2, f32x4.mul(f32x4.add(s3, n3), alpha)); // at q - 4
    if (fill >= 2) {
      store<v128>(p - 48, n3);
      store<v128>(p - 64, n4);
    }
    high = highScaled;
    s1 = n1;
    s2 = n2;
    s3 = n3;
  }
}

/** x[k] += c (x[k-1] + x[k+1]) for the positions of parity `parity`, with symmetric extension. */
@inline function liftStep(t: usize, n: i32, parity: i32, c: f32): void {
  extend(t, n);
  const factor = f32x4.splat(c);
  for (let k = parity; k < n; k += 2) {
    const p = t + (<usize>k << 4);
    store<v128>(p, f32x4.add(load<v128>(p), f32x4.mul(f32x4.add(load<v128>(p - 16), load<v128>(p + 16)), factor)));
  }
}

/**
 * The vertical pass on the `height` rows of `width` samples at `first`: the low-pass rows
 * (`low`, the first) and high-pass ones put in position order, then lifted row by row.
 */
function vertical(first: usize, rowBytes: usize, width: i32, height: i32, low: i32, odd: i32, irreversible: i32, work: usize): void {
  if (height == 1) {
    // A lone high-pass sample (see lift).
    if (odd && !irreversible) {
      for (let x = 0; x < width; x++) {
        const at = first + (<usize>x << 2);
        const v = load<i32>(at);
        store<i32>(at, (v + <i32>(<u32>v >>> 31)) >> 1);
      }
    }
    return;
  }
  interleaveRows(first, rowBytes, width, height, low, odd, work);
  if (irreversible) liftRows97(first, rowBytes, width, height, odd);
  else liftRows53(first, rowBytes, width, height, odd);
}

/** Which row holds position p before interleaving: the low-pass ones first, then the high-pass ones. */
@inline function sourceRow(p: i32, low: i32, odd: i32): i32 {
  return (p & 1) == odd ? (p - odd) >> 1 : low + ((p - 1 + odd) >> 1);
}

/**
 * Move each row to its position (low-pass rows to parity `odd`), in place: the permutation's
 * cycles are followed with one row of `work` aside (after n flag bytes).
 */
function interleaveRows(first: usize, rowBytes: usize, width: i32, n: i32, low: i32, odd: i32, work: usize): void {
  const moved = work;
  const aside = work + ((<usize>n + 15) & ~15);
  const bytes = <usize>width << 2;
  memory.fill(moved, 0, <usize>n);
  for (let start = 0; start < n; start++) {
    if (load<u8>(moved + <usize>start) || sourceRow(start, low, odd) == start) continue;
    memory.copy(aside, first + <usize>start * rowBytes, bytes);
    let at = start;
    while (true) {
      store<u8>(moved + <usize>at, 1);
      const from = sourceRow(at, low, odd);
      if (from == start) {
        memory.copy(first + <usize>at * rowBytes, aside, bytes);
        break;
      }
      memory.copy(first + <usize>at * rowBytes, first + <usize>from * rowBytes, bytes);
      at = from;
    }
  }
}

/** Row p of n (n >= 2), mirrored at both ends (F.3.7). */
@inline function rowAt(first: usize, rowBytes: usize, p: i32, n: i32): usize {
  const m = p < 0 ? -p : p >= n ? 2 * n - 2 - p : p;
  return first + <usize>m * rowBytes;
}

/**
 * The 9/7 lifting of lift97 down the rows, all steps in one sweep: at row q the scaling, and
 * each step s at row q - s when that row has its parity (step s needs step s - 1 at the rows
 * next to it, done by then).
 */
function liftRows97(first: usize, rowBytes: usize, width: i32, n: i32, odd: i32): void {
  for (let q = 0; q < n + 4; q++) {
    if (q < n) scaleRow(first + <usize>q * rowBytes, width, (q & 1) == odd ? K : TWO_INV_K);
    if (q - 1 < n && ((q - 1) & 1) == odd && q >= 1) stepRow97(first, rowBytes, q - 1, n, width, -DELTA);
    if (q - 2 < n && ((q - 2) & 1) != odd && q >= 2) stepRow97(first, rowBytes, q - 2, n, width, -GAMMA);
    if (q - 3 < n && ((q - 3) & 1) == odd && q >= 3) stepRow97(first, rowBytes, q - 3, n, width, -BETA);
    if (q - 4 < n && ((q - 4) & 1) != odd && q >= 4) stepRow97(first, rowBytes, q - 4, n, width, -ALPHA);
  }
}

function scaleRow(row: usize, width: i32, c: f32): void {
  const factor = f32x4.splat(c);
  let x = 0;
  for (; x + 4 <= width; x += 4) {
    const at = row + (<usize>x << 2);
    v128.store(at, f32x4.mul(v128.load(at), factor));
  }
  for (; x < width; x++) {
    const at = row + (<usize>x << 2);
    store<f32>(at, load<f32>(at) * c);
  }
}

/** Row p += c (row p - 1 + row p + 1). */
function stepRow97(first: usize, rowBytes: usize, p: i32, n: i32, width: i32, c: f32): void {
  const row = first + <usize>p * rowBytes;
  const above = rowAt(first, rowBytes, p - 1, n);
  const below = rowAt(first, rowBytes, p + 1, n);
  const factor = f32x4.splat(c);
  let x = 0;
  for (; x + 4 <= width; x += 4) {
    const o = <usize>x << 2;
    v128.store(row + o, f32x4.add(v128.load(row + o), f32x4.mul(f32x4.add(v128.load(above + o), v128.load(below + o)), factor)));
  }
  for (; x < width; x++) {
    const o = <usize>x << 2;
    store<f32>(row + o, load<f32>(row + o) + (load<f32>(above + o) + load<f32>(below + o)) * c);
  }
}

/** The 5/3 lifting of lift53 down the rows in one sweep: the low-pass step at row q - 1, the high-pass one at q - 2. */
function liftRows53(first: usize, rowBytes: usize, width: i32, n: i32, odd: i32): void {
  for (let q = 1; q < n + 2; q++) {
    if (q - 1 < n && ((q - 1) & 1) == odd) stepRow53(first, rowBytes, q - 1, n, width, true);
    if (q >= 2 && ((q - 2) & 1) != odd) stepRow53(first, rowBytes, q - 2, n, width, false);
  }
}

/** Low-pass row p -= (row p - 1 + row p + 1 + 2) >> 2, or high-pass row p += (row p - 1 + row p + 1) >> 1. */
@inline function stepRow53(first: usize, rowBytes: usize, p: i32, n: i32, width: i32, lowPass: bool): void {
  const row = first + <usize>p * rowBytes;
  const above = rowAt(first, rowBytes, p - 1, n);
  const below = rowAt(first, rowBytes, p + 1, n);
  const two = i32x4.splat(2);
  let x = 0;
  for (; x + 4 <= width; x += 4) {
    const o = <usize>x << 2;
    const sum = i32x4.add(v128.load(above + o), v128.load(below + o));
    const v = v128.load(row + o);
    v128.store(row + o, lowPass ? i32x4.sub(v, i32x4.shr_s(i32x4.add(sum, two), 2)) : i32x4.add(v, i32x4.shr_s(sum, 1)));
  }
  for (; x < width; x++) {
    const o = <usize>x << 2;
    const sum = load<i32>(above + o) + load<i32>(below + o);
    const v = load<i32>(row + o);
    store<i32>(row + o, lowPass ? v - ((sum + 2) >> 2) : v + (sum >> 1));
  }
}
