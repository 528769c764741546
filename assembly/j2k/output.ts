// From reconstructed tile-components to samples (ISO/IEC 15444-1 Annex G): the inverse
// multiple component transform, the DC level shift, clamping, and the interleaved store.
import { Status } from '../shared';

/** Whether a plane of `height` rows of `width` samples (4 bytes), `stride` apart, at `at` lies within [.., end). */
@inline function planeFits(at: usize, stride: i32, width: i32, height: i32, end: usize): bool {
  return stride >= width && <u64>at + ((<u64>(height - 1) * <u64>stride + <u64>width) << 2) <= <u64>end;
}

/** planeFits for three planes of the same geometry. */
@inline function planesFit(a: usize, b: usize, c: usize, stride: i32, width: i32, height: i32, end: usize): bool {
  return planeFits(a, stride, width, height, end) && planeFits(b, stride, width, height, end) && planeFits(c, stride, width, height, end);
}

/**
 * Inverse RCT (G.2.2) in place on three i32 tile-components, `width` × `height` with `stride`,
 * within [.., srcEnd): G = Y0 - floor((Y1 + Y2) / 4), R = Y2 + G, B = Y1 + G. Returns 0 or
 * Status.J2K_BAD_REGION.
 */
export function j2kInverseRct(c0: usize, c1: usize, c2: usize, stride: i32, width: i32, height: i32, srcEnd: usize): i32 {
  if (width <= 0 || height <= 0) return Status.OK;
  if (!planesFit(c0, c1, c2, stride, width, height, srcEnd)) return Status.J2K_BAD_REGION;
  for (let y = 0; y < height; y++) {
    const row = (<usize>y * <usize>stride) << 2;
    for (let x = 0; x < width; x++) {
      const at = row + (<usize>x << 2);
      const y0 = load<i32>(c0 + at);
      const y1 = load<i32>(c1 + at);
      const y2 = load<i32>(c2 + at);
      const g = y0 - ((y1 + y2) >> 2);
      store<i32>(c0 + at, y2 + g);
      store<i32>(c1 + at, g);
      store<i32>(c2 + at, y1 + g);
    }
  }
  return Status.OK;
}

/**
 * Inverse ICT (G.3.2) in place on three f32 tile-components (as j2kInverseRct), with OpenJPEG's constants:
 * R = Y + 1.402 Cr, G = Y - 0.34413 Cb - 0.71414 Cr, B = Y + 1.772 Cb.
 */
export function j2kInverseIct(c0: usize, c1: usize, c2: usize, stride: i32, width: i32, height: i32, srcEnd: usize): i32 {
  if (width <= 0 || height <= 0) return Status.OK;
  if (!planesFit(c0, c1, c2, stride, width, height, srcEnd)) return Status.J2K_BAD_REGION;
  for (let y = 0; y < height; y++) {
    const row = (<usize>y * <usize>stride) << 2;
    for (let x = 0; x < width; x++) {
      const at = row + (<usize>x << 2);
      const luma = load<f32>(c0 + at);
      const cb = load<f32>(c1 + at);
      const cr = load<f32>(c2 + at);
      store<f32>(c0 + at, luma + cr * 1.402);
      store<f32>(c1 + at, luma - cb * 0.34413 - cr * 0.71414);
      store<f32>(c2 + at, luma + cb * 1.772);
    }
  }
  return Status.OK;
}

/**
 * Store one tile-component's samples: `value + shift` (the DC level shift of G.1.2 for unsigned
 * samples) clamped to [low, high], rounded to nearest first when `isFloat` (f32 coefficients),
 * into `dst` as `sampleBytes` (1 or 2) little-endian bytes, `pixelBytes` apart, `rowBytes` per
 * row. `srcEnd` bounds the reads, `dstEnd` the writes. Returns 0 or Status.J2K_BAD_REGION.
 */
export function j2kStoreComponent(
  src: usize, srcEnd: usize, stride: i32, width: i32, height: i32, isFloat: i32,
  dst: usize, dstEnd: usize, pixelBytes: i32, rowBytes: i32, sampleBytes: i32, shift: i32, low: i32, high: i32,
): i32 {
  if (width <= 0 || height <= 0) return Status.OK;
  const last = <u64>dst + <u64>(height - 1) * <u64>rowBytes + <u64>(width - 1) * <u64>pixelBytes + <u64>sampleBytes;
  if (pixelBytes < sampleBytes || rowBytes < width * pixelBytes || last > <u64>dstEnd || !planeFits(src, stride, width, height, srcEnd)) return Status.J2K_BAD_REGION;
  // One inlined copy of the row loop per kind of sample, without a test of the kind per sample.
  for (let y = 0; y < height; y++) {
    const from = src + ((<usize>y * <usize>stride) << 2);
    const to = dst + <usize>y * <usize>rowBytes;
    if (isFloat) {
      if (sampleBytes == 1) storeRow(from, to, width, pixelBytes, shift, low, high, true, false);
      else storeRow(from, to, width, pixelBytes, shift, low, high, true, true);
    } else if (sampleBytes == 1) storeRow(from, to, width, pixelBytes, shift, low, high, false, false);
    else storeRow(from, to, width, pixelBytes, shift, low, high, false, true);
  }
  return Status.OK;
}

/**
 * One row of j2kStoreComponent. Samples next to each other (`pixelBytes` = the sample's size)
 * go four at a time: rounded (f32), shifted and clamped in v128 lanes, their low bytes stored.
 */
@inline function storeRow(from: usize, to: usize, width: i32, pixelBytes: i32, shift: i32, low: i32, high: i32, isFloat: bool, wide: bool): void {
  let x = 0;
  if (pixelBytes == (wide ? 2 : 1)) {
    // Clamped to [low - shift, high - shift] before the shift: no i32 overflow.
    const shifts = i32x4.splat(shift);
    const lows = i32x4.splat(low - shift);
    const highs = i32x4.splat(high - shift);
    for (; x + 4 <= width; x += 4) {
      const sample = samples(from + (<usize>x << 2), isFloat, shifts, lows, highs);
      if (wide) v128.store64_lane(to + (<usize>x << 1), i8x16.shuffle(sample, sample, 0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13), 0);
      else v128.store32_lane(to + <usize>x, i8x16.shuffle(sample, sample, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12), 0);
    }
  }
  let at = from + (<usize>x << 2);
  let out = to + <usize>x * <usize>pixelBytes;
  for (; x < width; x++) {
    let sample: i32;
    if (isFloat) {
      // Rounded to nearest (ties to even, as lrintf), clamped before the conversion (NaN: low).
      const value = nearest<f32>(load<f32>(at)) + <f32>shift;
      sample = value >= <f32>low ? (value <= <f32>high ? <i32>value : high) : low;
    } else {
      sample = min(max(load<i32>(at), low - shift), high - shift) + shift;
    }
    if (wide) store<u16>(out, <u16>sample);
    else store<u8>(out, <u8>sample);
    at += 4;
    out += <usize>pixelBytes;
  }
}

/**
 * Four samples from `at` as j2kStoreComponent makes them: rounded to nearest, ties to even (f32;
 * beyond i32 saturated), clamped to [lows, highs] (low and high less the shift), then shifted.
 */
@inline function samples(at: usize, isFloat: bool, shifts: v128, lows: v128, highs: v128): v128 {
  const v = isFloat ? i32x4.trunc_sat_f32x4_s(f32x4.nearest(v128.load(at))) : v128.load(at);
  return i32x4.add(i32x4.min_s(i32x4.max_s(v, lows), highs), shifts);
}

/**
 * j2kStoreComponent for three 8-bit components of the same size at once, interleaved (RGB):
 * four pixels (12 bytes) per step, the rest through j2kStoreComponent's row code.
 */
export function j2kStoreComponents3(
  src0: usize, src1: usize, src2: usize, srcEnd: usize, stride: i32, width: i32, height: i32, isFloat: i32,
  dst: usize, dstEnd: usize, rowBytes: i32, shift: i32, low: i32, high: i32,
): i32 {
  if (width <= 0 || height <= 0) return Status.OK;
  const last = <u64>dst + <u64>(height - 1) * <u64>rowBytes + <u64>width * 3;
  if (rowBytes < width * 3 || last > <u64>dstEnd || low < -128 || high > 255) return Status.J2K_BAD_REGION;
  if (!planesFit(src0, src1, src2, stride, width, height, srcEnd)) return Status.J2K_BAD_REGION;
  const shifts = i32x4.splat(shift);
  const lows = i32x4.splat(low - shift);
  const highs = i32x4.splat(high - shift);
  const signed = low < 0;
  for (let y = 0; y < height; y++) {
    const offset = (<usize>y * <usize>stride) << 2;
    const to = dst + <usize>y * <usize>rowBytes;
    let x = 0;
    for (; x + 4 <= width; x += 4) {
      const at = offset + (<usize>x << 2);
      const c0 = isFloat ? samples(src0 + at, true, shifts, lows, highs) : samples(src0 + at, false, shifts, lows, highs);
      const c1 = isFloat ? samples(src1 + at, true, shifts, lows, highs) : samples(src1 + at, false, shifts, lows, highs);
      const c2 = isFloat ? samples(src2 + at, true, shifts, lows, highs) : samples(src2 + at, false, shifts, lows, highs);
      // Samples within [-128, 255] narrow exactly: 16 bits, then 8 (signed or not, as the range).
      const c01 = i16x8.narrow_i32x4_s(c0, c1);
      const c22 = i16x8.narrow_i32x4_s(c2, c2);
      const bytes = signed ? i8x16.narrow_i16x8_s(c01, c22) : i8x16.narrow_i16x8_u(c01, c22);
      const rgb = i8x16.shuffle(bytes, bytes, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 0, 0, 0, 0);
      const out = to + <usize>x * 3;
      v128.store64_lane(out, rgb, 0);
      v128.store32_lane(out + 8, rgb, 2);
    }
    if (x < width) {
      const from = offset + (<usize>x << 2);
      const out = to + <usize>x * 3;
      const n = width - x;
      if (isFloat) {
        storeRow(src0 + from, out, n, 3, shift, low, high, true, false);
        storeRow(src1 + from, out + 1, n, 3, shift, low, high, true, false);
        storeRow(src2 + from, out + 2, n, 3, shift, low, high, true, false);
      } else {
        storeRow(src0 + from, out, n, 3, shift, low, high, false, false);
        storeRow(src1 + from, out + 1, n, 3, shift, low, high, false, false);
        storeRow(src2 + from, out + 2, n, 3, shift, low, high, false, false);
      }
    }
  }
  return Status.OK;
}
