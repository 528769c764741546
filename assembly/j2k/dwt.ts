// Inverse discrete wavelet transform of JPEG 2000 (ISO/IEC 15444-1 Annex F): the reversible
// 5/3 filter by lifting (F.3.8.2), on a tile-component whose resolutions are laid out as the
// decoder places the subbands: at each level the low band in the top-left corner, the high
// bands to its right and below. Rows are done one at a time, columns four at a time (v128).
import { Status } from '../shared';

/**
 * Bytes of work memory j2kInverse53 needs for a tile-component `size` samples wide or tall at most:
 * one line of v128 (four columns) plus its border.
 */
export function j2kDwtWorkBytes(size: i32): i32 {
  return (size + 4) * 16;
}

/**
 * The reversible inverse transform of one tile-component in place: `coefficients` holds i32
 * samples, `stride` per row, `capacity` in all. `bounds` holds levels + 1 resolutions of four i32
 * each (x0, y0, x1, y1 on the resolution's own grid: B.5), resolution 0 first; the transform runs
 * from resolution 1 up to `levels`. Returns 0 or Status.J2K_BAD_REGION.
 */
export function j2kInverse53(coefficients: usize, capacity: usize, stride: i32, bounds: usize, levels: i32, work: usize, workBytes: usize): i32 {
  for (let r = 1; r <= levels; r++) {
    const at = bounds + (<usize>r << 4);
    const x0 = load<i32>(at);
    const y0 = load<i32>(at, 4);
    const width = load<i32>(at, 8) - x0;
    const height = load<i32>(at, 12) - y0;
    const lower = at - 16;
    const lowWidth = load<i32>(lower, 8) - load<i32>(lower);
    const lowHeight = load<i32>(lower, 12) - load<i32>(lower, 4);
    if (width < 0 || height < 0 || lowWidth < 0 || lowHeight < 0 || lowWidth > width || lowHeight > height || width > stride) return Status.J2K_BAD_REGION;
    if (width == 0 || height == 0) continue;
    if (<u64>(height - 1) * <u64>stride + <u64>width > <u64>capacity) return Status.J2K_BAD_REGION;
    if (<u64>(max(width, height) + 4) * 16 > <u64>workBytes) return Status.J2K_BAD_REGION;
    for (let y = 0; y < height; y++) {
      horizontal53(coefficients + ((<usize>y * <usize>stride) << 2), width, lowWidth, x0 & 1, work);
    }
    for (let x = 0; x < width; x += 4) {
      vertical53(coefficients + (<usize>x << 2), stride, height, lowHeight, y0 & 1, min(4, width - x), work);
    }
  }
  return Status.OK;
}

/**
 * One row: `low` low-pass samples then the high-pass ones, interleaved into `work` (the first
 * sample is low-pass when the row starts at an even position, `odd` 0), lifted, and written back.
 */
function horizontal53(row: usize, width: i32, low: i32, odd: i32, work: usize): void {
  if (width == 1) {
    // A lone sample at an odd position is a high-pass one: x = y / 2 (F.3.7).
    if (odd) store<i32>(row, load<i32>(row) / 2);
    return;
  }
  const t = work + 4; // one sample of border on each side
  for (let i = 0; i < low; i++) store<i32>(t + ((<usize>(2 * i + odd)) << 2), load<i32>(row + (<usize>i << 2)));
  for (let i = 0; i < width - low; i++) store<i32>(t + ((<usize>(2 * i + 1 - odd)) << 2), load<i32>(row + (<usize>(low + i) << 2)));
  // Symmetric extension (F.3.7): position -1 mirrors 1, position width mirrors width - 2.
  store<i32>(t - 4, load<i32>(t + 4));
  store<i32>(t + (<usize>width << 2), load<i32>(t + (<usize>(width - 2) << 2)));
  // Even positions (low-pass): x[2n] = y[2n] - floor((y[2n-1] + y[2n+1] + 2) / 4) (F-5).
  for (let k = odd; k < width; k += 2) {
    const p = t + (<usize>k << 2);
    store<i32>(p, load<i32>(p) - ((load<i32>(p - 4) + load<i32>(p + 4) + 2) >> 2));
  }
  // The updated even neighbours, mirrored, then the odd positions: x[2n+1] = y[2n+1] + floor((x[2n] + x[2n+2]) / 2) (F-6).
  store<i32>(t - 4, load<i32>(t + 4));
  store<i32>(t + (<usize>width << 2), load<i32>(t + (<usize>(width - 2) << 2)));
  for (let k = 1 - odd; k < width; k += 2) {
    const p = t + (<usize>k << 2);
    store<i32>(p, load<i32>(p) + ((load<i32>(p - 4) + load<i32>(p + 4)) >> 1));
  }
  memory.copy(row, t, <usize>width << 2);
}

/** Up to four columns from `column` (`lanes` of them), as horizontal53 does a row, on v128 lanes. */
function vertical53(column: usize, stride: i32, height: i32, low: i32, odd: i32, lanes: i32, work: usize): void {
  const rowBytes = <usize>stride << 2;
  if (height == 1) {
    if (odd) for (let i = 0; i < lanes; i++) store<i32>(column + (<usize>i << 2), load<i32>(column + (<usize>i << 2)) / 2);
    return;
  }
  const t = work + 16;
  for (let i = 0; i < height; i++) {
    const k = i < low ? 2 * i + odd : 2 * (i - low) + 1 - odd;
    store<v128>(t + (<usize>k << 4), loadLanes(column + <usize>i * rowBytes, lanes));
  }
  store<v128>(t - 16, load<v128>(t + 16));
  store<v128>(t + (<usize>height << 4), load<v128>(t + (<usize>(height - 2) << 4)));
  const two = i32x4.splat(2);
  for (let k = odd; k < height; k += 2) {
    const p = t + (<usize>k << 4);
    const sum = i32x4.add(i32x4.add(load<v128>(p - 16), load<v128>(p + 16)), two);
    store<v128>(p, i32x4.sub(load<v128>(p), i32x4.shr_s(sum, 2)));
  }
  store<v128>(t - 16, load<v128>(t + 16));
  store<v128>(t + (<usize>height << 4), load<v128>(t + (<usize>(height - 2) << 4)));
  for (let k = 1 - odd; k < height; k += 2) {
    const p = t + (<usize>k << 4);
    const sum = i32x4.add(load<v128>(p - 16), load<v128>(p + 16));
    store<v128>(p, i32x4.add(load<v128>(p), i32x4.shr_s(sum, 1)));
  }
  for (let k = 0; k < height; k++) storeLanes(column + <usize>k * rowBytes, load<v128>(t + (<usize>k << 4)), lanes);
}

@inline function loadLanes(at: usize, lanes: i32): v128 {
  if (lanes == 4) return v128.load(at);
  let v = i32x4.splat(0);
  v = i32x4.replace_lane(v, 0, load<i32>(at));
  if (lanes > 1) v = i32x4.replace_lane(v, 1, load<i32>(at, 4));
  if (lanes > 2) v = i32x4.replace_lane(v, 2, load<i32>(at, 8));
  return v;
}

@inline function storeLanes(at: usize, v: v128, lanes: i32): void {
  if (lanes == 4) {
    v128.store(at, v);
    return;
  }
  store<i32>(at, i32x4.extract_lane(v, 0));
  if (lanes > 1) store<i32>(at, i32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<i32>(at, i32x4.extract_lane(v, 2), 8);
}
