// Colour (PS3.3 C.7.6.3.1.2, C.7.6.3.1.5-6): YBR_FULL → RGB, YBR_FULL_422 chroma upsampling,
// PALETTE COLOR → RGB through the palette. In place or into a separate region; min/max of the
// output to `result`.
import { writeRange } from './common';
import { SampleKind, Status } from './shared';

// BT.601 full range (C.7.6.3.1.2), the coefficients of ITU-T T.871 computed in f64 and rounded
// once to f32, as pydicom's convert_color_space multiplies them (GDCM agrees). The f64 step must
// be explicit: in an f32 context the literals would be folded in f32, one or two ulps off.
const CB_TO_G_EXACT: f64 = -0.114 * 1.772 / 0.587;
const CR_TO_G_EXACT: f64 = -0.299 * 1.402 / 0.587;
const CR_TO_R: f32 = <f32>1.402;
const CB_TO_G: f32 = <f32>CB_TO_G_EXACT;
const CR_TO_G: f32 = <f32>CR_TO_G_EXACT;
const CB_TO_B: f32 = <f32>1.772;

/** floor(v + 0.5) clamped to [0, 255], in f32 as pydicom rounds. */
@inline function toSample8(value: f32): u32 {
  const rounded = Mathf.floor(value + 0.5);
  return rounded <= 0 ? 0 : rounded >= 255 ? 255 : <u32>rounded;
}

/** floor(v + 0.5) clamped to [0, top]. */
@inline function toSample(value: f64, top: f64): u32 {
  const rounded = Math.floor(value + 0.5);
  return rounded <= 0 ? 0 : rounded >= top ? <u32>top : <u32>rounded;
}

/**
 * YBR_FULL → RGB (C.7.6.3.1.2) for `pixels` interleaved triplets of T (u8 or u16):
 * R = Y + 1.402 Cr', G = Y − 0.3441 Cb' − 0.7141 Cr', B = Y + 1.772 Cb', with Cb' = Cb − 2^(BS−1),
 * Cr' = Cr − 2^(BS−1), floor(x + 0.5), clipped to 0..2^BS − 1. 8-bit samples are computed in f32,
 * each product and sum rounded in that order: the same bits as pydicom 2.3 and GDCM for every one
 * of the 2^24 inputs. 16-bit samples use f64 (the 8-bit equations scaled to the depth, as GDCM).
 */
function ybrToRgb<T>(src: usize, dst: usize, pixels: usize, bitsStored: i32, result: usize): void {
  const eight = sizeof<T>() == 1;
  const offset = <f64>(1 << (bitsStored - 1));
  const top = <f64>((1 << bitsStored) - 1);
  let low: u32 = u32.MAX_VALUE;
  let high: u32 = 0;
  for (let i: usize = 0; i < pixels; i++) {
    const at = i * 3 * sizeof<T>();
    let r: u32, g: u32, b: u32;
    if (eight) {
      const y = <f32>load<T>(src + at);
      const cb = <f32>load<T>(src + at + 1) - 128;
      const cr = <f32>load<T>(src + at + 2) - 128;
      r = toSample8(y + cr * CR_TO_R);
      g = toSample8((y + cb * CB_TO_G) + cr * CR_TO_G);
      b = toSample8(y + cb * CB_TO_B);
    } else {
      const y = <f64>load<T>(src + at);
      const cb = <f64>load<T>(src + at + sizeof<T>()) - offset;
      const cr = <f64>load<T>(src + at + 2 * sizeof<T>()) - offset;
      r = toSample(y + cr * 1.402, top);
      g = toSample(y + cb * CB_TO_G_EXACT + cr * CR_TO_G_EXACT, top);
      b = toSample(y + cb * 1.772, top);
    }
    store<T>(dst + at, <T>r);
    store<T>(dst + at + sizeof<T>(), <T>g);
    store<T>(dst + at + 2 * sizeof<T>(), <T>b);
    const lo = min(r, min(g, b));
    const hi = max(r, max(g, b));
    if (lo < low) low = lo;
    if (hi > high) high = hi;
  }
  writeRange(result, pixels == 0 ? 0 : <f64>low, pixels == 0 ? 0 : <f64>high);
}

/**
 * YBR_FULL → RGB for `pixels` interleaved pixels of `bytesPerSample` (1 or 2) bytes per sample;
 * `src` and `dst` may be the same region. Writes min and max of the RGB samples to `result`.
 */
export function ybrFullToRgb(src: usize, dst: usize, pixels: usize, bytesPerSample: i32, bitsStored: i32, result: usize): i32 {
  if (bytesPerSample == 1) {
    ybrToRgb<u8>(src, dst, pixels, 8, result);
    return Status.OK;
  }
  if (bytesPerSample == 2 && bitsStored >= 2 && bitsStored <= 16) {
    ybrToRgb<u16>(src, dst, pixels, bitsStored, result);
    return Status.OK;
  }
  return Status.UNSUPPORTED_LAYOUT;
}

/**
 * Native YBR_FULL_422 (C.7.6.3.1.2): each pair of pixels is stored Y1 Y2 Cb Cr; write
 * Y1 Cb Cr Y2 Cb Cr, i.e. the pair's chroma repeated (what pydicom, GDCM and DCMTK do).
 * `pairs` pixel pairs of `bytesPerSample` bytes per sample; `dst` must not overlap `src`.
 */
export function upsampleYbr422(src: usize, dst: usize, pairs: usize, bytesPerSample: u32): i32 {
  if (bytesPerSample == 1) {
    for (let i: usize = 0; i < pairs; i++) {
      const packed = load<u32>(src + (i << 2));      // Y1 Y2 Cb Cr, little endian
      const y1 = packed & 0xff;
      const y2 = (packed >> 8) & 0xff;
      const chroma = packed >> 16;                    // Cb | Cr << 8
      const o = dst + i * 6;
      store<u16>(o, <u16>(y1 | ((chroma & 0xff) << 8)));
      store<u32>(o + 2, (chroma >> 8) | (y2 << 8) | (chroma << 16));
    }
    return Status.OK;
  }
  if (bytesPerSample == 0 || bytesPerSample > 8) return Status.UNSUPPORTED_LAYOUT;
  const n = <usize>bytesPerSample;
  for (let i: usize = 0; i < pairs; i++) {
    const s = src + i * 4 * n;
    const o = dst + i * 6 * n;
    memory.copy(o, s, n);                 // Y1
    memory.copy(o + n, s + 2 * n, 2 * n); // Cb Cr
    memory.copy(o + 3 * n, s + n, n);     // Y2
    memory.copy(o + 4 * n, s + 2 * n, 2 * n);
  }
  return Status.OK;
}

/**
 * PALETTE COLOR → RGB (C.7.6.3.1.5-6): out = table[clamp(index − firstMapped, 0, entries − 1)]
 * for the red, green and blue tables, each `entries` u16 values one after another at `tables`.
 * Writes 3 samples per index, of 1 or 2 bytes (`dstBytes`).
 */
function paletteFrom<S>(src: usize, count: usize, tables: usize, entries: i32, firstMapped: i32, dst: usize, dstBytes: u32, result: usize): void {
  const last = entries - 1;
  const green = tables + (<usize>entries << 1);
  const blue = green + (<usize>entries << 1);
  let low: u32 = u32.MAX_VALUE;
  let high: u32 = 0;
  for (let i: usize = 0; i < count; i++) {
    let index = <i32>load<S>(src + i * sizeof<S>()) - firstMapped;
    index = index < 0 ? 0 : index > last ? last : index;
    const at = <usize>index << 1;
    const r = <u32>load<u16>(tables + at);
    const g = <u32>load<u16>(green + at);
    const b = <u32>load<u16>(blue + at);
    if (dstBytes == 1) {
      const o = dst + i * 3;
      store<u8>(o, <u8>r);
      store<u8>(o, <u8>g, 1);
      store<u8>(o, <u8>b, 2);
    } else {
      const o = dst + i * 6;
      store<u16>(o, <u16>r);
      store<u16>(o, <u16>g, 2);
      store<u16>(o, <u16>b, 4);
    }
    const lo = min(r, min(g, b));
    const hi = max(r, max(g, b));
    if (lo < low) low = lo;
    if (hi > high) high = hi;
  }
  writeRange(result, count == 0 ? 0 : <f64>low, count == 0 ? 0 : <f64>high);
}

/**
 * Apply a palette to `count` stored indices of `srcKind` (integer kinds). `dst` must not overlap
 * `src`; entries must fit the output (`dstBytes` 1: values below 256).
 */
export function paletteToRgb(srcKind: i32, src: usize, count: usize, tables: usize, entries: i32, firstMapped: i32, dst: usize, dstBytes: u32, result: usize): i32 {
  if (entries <= 0 || (dstBytes != 1 && dstBytes != 2)) return Status.UNSUPPORTED_LAYOUT;
  switch (srcKind) {
    case SampleKind.Uint8: paletteFrom<u8>(src, count, tables, entries, firstMapped, dst, dstBytes, result); break;
    case SampleKind.Int8: paletteFrom<i8>(src, count, tables, entries, firstMapped, dst, dstBytes, result); break;
    case SampleKind.Uint16: paletteFrom<u16>(src, count, tables, entries, firstMapped, dst, dstBytes, result); break;
    case SampleKind.Int16: paletteFrom<i16>(src, count, tables, entries, firstMapped, dst, dstBytes, result); break;
    case SampleKind.Uint32: paletteFrom<u32>(src, count, tables, entries, firstMapped, dst, dstBytes, result); break;
    case SampleKind.Int32: paletteFrom<i32>(src, count, tables, entries, firstMapped, dst, dstBytes, result); break;
    default: return Status.UNSUPPORTED_LAYOUT;
  }
  return Status.OK;
}
