// Raw samples → stored values (PS3.3 C.7.6.3.1): byte order, bit masking, sign extension,
// 1-bit unpacking, planar → interleaved; min/max of what was produced.
import { writeRange, lowest, highest } from './common';
import { Layout, SampleKind, Status } from './shared';

@inline function swapVector<T>(v: v128): v128 {
  if (sizeof<T>() == 2) return i8x16.shuffle(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
  if (sizeof<T>() == 4) return i8x16.shuffle(v, v, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  return v;
}

/** Lanes [i, i + 16 / sizeof<T>) of raw samples, as little-endian T. */
@inline function loadSamples<T>(src: usize, i: usize, count: usize, layout: i32): v128 {
  if (sizeof<T>() == 2 && layout == Layout.BytePlanes) {
    const high = v128.load64_zero(src + i);
    const low = v128.load64_zero(src + count + i);
    return i8x16.shuffle(low, high, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  }
  const v = v128.load(src + i * sizeof<T>());
  return layout == Layout.BigEndian ? swapVector<T>(v) : v;
}

/** Raw sample i as little-endian T. */
@inline function loadSample<T>(src: usize, i: usize, count: usize, layout: i32): T {
  if (sizeof<T>() == 2 && layout == Layout.BytePlanes) {
    return <T>((<u32>load<u8>(src + i) << 8) | <u32>load<u8>(src + count + i));
  }
  const v = load<T>(src + i * sizeof<T>());
  return layout == Layout.BigEndian ? bswap<T>(v) : v;
}

/**
 * Raw samples in `layout` → stored values at `dst` (which may be `src` for the in-place
 * layouts): keep bits [highBit - bitsStored + 1, highBit] and sign-extend when T is signed, as
 * (v << leftShift) >> rightShift with leftShift = BA - HB - 1 and rightShift = BA - BS. One
 * pass, so byte-plane interleave, byte swap, masking and min/max share a single read and
 * write. Writes min and max to `result`.
 */
function storedOf<T>(src: usize, dst: usize, count: usize, leftShift: i32, rightShift: i32, layout: i32, result: usize): void {
  const lanes = 16 / sizeof<T>();
  const vectorEnd = count & ~(<usize>lanes - 1);
  const shift = leftShift != 0 || rightShift != 0;
  let vmin = v128.splat<T>(highest<T>());
  let vmax = v128.splat<T>(lowest<T>());
  let i: usize = 0;
  for (; i < vectorEnd; i += lanes) {
    let v = loadSamples<T>(src, i, count, layout);
    if (shift) v = v128.shr<T>(v128.shl<T>(v, leftShift), rightShift);
    vmin = v128.min<T>(vmin, v);
    vmax = v128.max<T>(vmax, v);
    v128.store(dst + i * sizeof<T>(), v);
  }
  // Reduce the lanes through the result scratch area, then finish the tail in scalar.
  v128.store(result + 16, vmin);
  v128.store(result + 32, vmax);
  let low = load<T>(result + 16);
  let high = load<T>(result + 32);
  for (let lane: usize = 1; lane < <usize>lanes; lane++) {
    const a = load<T>(result + 16 + lane * sizeof<T>());
    const b = load<T>(result + 32 + lane * sizeof<T>());
    if (a < low) low = a;
    if (b > high) high = b;
  }
  for (; i < count; i++) {
    let v = loadSample<T>(src, i, count, layout);
    if (shift) v = (v << <T>leftShift) >> <T>rightShift;
    if (v < low) low = v;
    if (v > high) high = v;
    store<T>(dst + i * sizeof<T>(), v);
  }
  writeRange(result, count == 0 ? 0 : <f64>low, count == 0 ? 0 : <f64>high);
}

/** In place: optional byte swap of IEEE floats, then min/max ignoring NaN. */
function floatInPlace<T>(ptr: usize, count: usize, swap: bool, result: usize): void {
  let low: T = <T>Infinity;
  let high: T = <T>-Infinity;
  for (let i: usize = 0; i < count; i++) {
    const at = ptr + i * sizeof<T>();
    let v: T;
    if (swap) {
      if (sizeof<T>() == 4) v = reinterpret<T>(bswap<u32>(load<u32>(at)));
      else v = reinterpret<T>(bswap<u64>(load<u64>(at)));
      store<T>(at, v);
    } else {
      v = load<T>(at);
    }
    if (v < low) low = v;
    if (v > high) high = v;
  }
  if (low > high) {
    low = <T>NaN;
    high = <T>NaN;
  }
  writeRange(result, <f64>low, <f64>high);
}

/**
 * Raw samples of `kind` in `layout` → stored values at `dst` (`dst` may equal `src` unless the
 * layout is byte planes), with min/max in `result` (two f64 followed by 32 bytes of scratch).
 * Byte planes exist for 16-bit kinds only.
 */
export function storedValues(src: usize, dst: usize, count: usize, kind: i32, leftShift: i32, rightShift: i32, layout: i32, result: usize): i32 {
  const swap = layout == Layout.BigEndian;
  if (layout == Layout.BytePlanes && kind != SampleKind.Uint16 && kind != SampleKind.Int16) return Status.UNSUPPORTED_LAYOUT;
  switch (kind) {
    case SampleKind.Uint8: storedOf<u8>(src, dst, count, leftShift, rightShift, Layout.LittleEndian, result); break;
    case SampleKind.Int8: storedOf<i8>(src, dst, count, leftShift, rightShift, Layout.LittleEndian, result); break;
    case SampleKind.Uint16: storedOf<u16>(src, dst, count, leftShift, rightShift, layout, result); break;
    case SampleKind.Int16: storedOf<i16>(src, dst, count, leftShift, rightShift, layout, result); break;
    case SampleKind.Uint32: storedOf<u32>(src, dst, count, leftShift, rightShift, layout, result); break;
    case SampleKind.Int32: storedOf<i32>(src, dst, count, leftShift, rightShift, layout, result); break;
    case SampleKind.Float32: if (src != dst) memory.copy(dst, src, count << 2); floatInPlace<f32>(dst, count, swap, result); break;
    case SampleKind.Float64: if (src != dst) memory.copy(dst, src, count << 3); floatInPlace<f64>(dst, count, swap, result); break;
    default: return Status.UNSUPPORTED_LAYOUT;
  }
  return Status.OK;
}

/**
 * Bits Allocated 1 (PS3.5 8.1.1): bit i of the frame is pixel i, least significant bit
 * first. Writes one byte (0 or 1) per pixel.
 */
export function unpackBits(src: usize, dst: usize, count: usize): i32 {
  const whole = count >> 3;
  for (let i: usize = 0; i < whole; i++) {
    const bits = <u64>load<u8>(src + i);
    // Spread 8 bits into 8 bytes: replicate, keep bit k in byte k, turn non-zero bytes into 1.
    const kept = (bits * 0x0101010101010101) & 0x8040201008040201;
    const spread = ((kept + 0x7f7f7f7f7f7f7f7f) >> 7) & 0x0101010101010101;
    store<u64>(dst + (i << 3), spread);
  }
  for (let i = whole << 3; i < count; i++) {
    store<u8>(dst + i, (load<u8>(src + (i >> 3)) >> <u8>(i & 7)) & 1);
  }
  return Status.OK;
}

/**
 * Planar Configuration 1 (C.7.6.3.1.3) → interleaved: plane s holds `pixels` samples of
 * `bytesPerSample` bytes; the output has the samples of each pixel together.
 */
export function interleavePlanes(planes: usize, pixels: usize, dst: usize, samplesPerPixel: u32, bytesPerSample: u32): i32 {
  if (samplesPerPixel == 0 || bytesPerSample == 0) return Status.UNSUPPORTED_LAYOUT;
  const bytesPerPixel = <usize>(samplesPerPixel * bytesPerSample);
  const planeBytes = pixels * bytesPerSample;
  if (samplesPerPixel == 1) {
    memory.copy(dst, planes, planeBytes);
    return Status.OK;
  }
  if (bytesPerSample == 1 && samplesPerPixel == 3) {
    const r = planes;
    const g = planes + planeBytes;
    const b = planes + 2 * planeBytes;
    // 16 pixels at a time: each 16-byte output vector takes R and G with one shuffle, B with a second.
    const vectorEnd = pixels & ~(<usize>15);
    let i: usize = 0;
    for (; i < vectorEnd; i += 16) {
      const red = v128.load(r + i);
      const green = v128.load(g + i);
      const blue = v128.load(b + i);
      const o = dst + i * 3;
      const rg0 = i8x16.shuffle(red, green, 0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5);
      v128.store(o, i8x16.shuffle(rg0, blue, 0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15));
      const rg1 = i8x16.shuffle(red, green, 21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26);
      v128.store(o, i8x16.shuffle(rg1, blue, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15), 16);
      const rg2 = i8x16.shuffle(red, green, 0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0);
      v128.store(o, i8x16.shuffle(rg2, blue, 26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31), 32);
    }
    for (; i < pixels; i++) {
      const o = dst + i * 3;
      store<u8>(o, load<u8>(r + i));
      store<u8>(o, load<u8>(g + i), 1);
      store<u8>(o, load<u8>(b + i), 2);
    }
    return Status.OK;
  }
  for (let s: u32 = 0; s < samplesPerPixel; s++) {
    const plane = planes + <usize>s * planeBytes;
    const out = dst + <usize>(s * bytesPerSample);
    for (let i: usize = 0; i < pixels; i++) {
      memory.copy(out + i * bytesPerPixel, plane + i * bytesPerSample, bytesPerSample);
    }
  }
  return Status.OK;
}

/**
 * Zero-extend unsigned samples of `fromBytes` bytes to `toBytes` bytes (1 → 2, 1 → 4, 2 → 4):
 * a codec that delivers fewer bits than Bits Allocated (a JPEG-LS or JPEG 2000 precision of 8
 * or less in a 16-bit frame) has its samples placed in the low bits, as PS3.5 8.2 expects.
 */
export function widenSamples(src: usize, count: usize, dst: usize, fromBytes: u32, toBytes: u32): i32 {
  if (fromBytes == 1 && toBytes == 2) {
    for (let i: usize = 0; i < count; i++) store<u16>(dst + (i << 1), <u16>load<u8>(src + i));
  } else if (fromBytes == 1 && toBytes == 4) {
    for (let i: usize = 0; i < count; i++) store<u32>(dst + (i << 2), <u32>load<u8>(src + i));
  } else if (fromBytes == 2 && toBytes == 4) {
    for (let i: usize = 0; i < count; i++) store<u32>(dst + (i << 2), <u32>load<u16>(src + (i << 1)));
  } else {
    return Status.UNSUPPORTED_LAYOUT;
  }
  return Status.OK;
}
