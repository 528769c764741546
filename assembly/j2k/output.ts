// From reconstructed tile-components to samples (ISO/IEC 15444-1 Annex G): the inverse
// multiple component transform, the DC level shift, clamping, and the interleaved store.
import { Status } from '../shared';

/**
 * Inverse RCT (G.2.2) in place on three i32 tile-components, `width` × `height` with `stride`:
 * G = Y0 - floor((Y1 + Y2) / 4), R = Y2 + G, B = Y1 + G.
 */
export function j2kInverseRct(c0: usize, c1: usize, c2: usize, stride: i32, width: i32, height: i32): void {
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
}

/**
 * Inverse ICT (G.3.2) in place on three f32 tile-components, with OpenJPEG's constants:
 * R = Y + 1.402 Cr, G = Y - 0.34413 Cb - 0.71414 Cr, B = Y + 1.772 Cb.
 */
export function j2kInverseIct(c0: usize, c1: usize, c2: usize, stride: i32, width: i32, height: i32): void {
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
}

/**
 * Store one tile-component's samples: `value + shift` (the DC level shift of G.1.2 for unsigned
 * samples) clamped to [low, high], rounded to nearest first when `isFloat` (f32 coefficients),
 * into `dst` as `sampleBytes` (1 or 2) little-endian bytes, `pixelBytes` apart, `rowBytes` per
 * row. `dstEnd` bounds the writes. Returns 0 or Status.J2K_BAD_REGION.
 */
export function j2kStoreComponent(
  src: usize, stride: i32, width: i32, height: i32, isFloat: i32,
  dst: usize, dstEnd: usize, pixelBytes: i32, rowBytes: i32, sampleBytes: i32, shift: i32, low: i32, high: i32,
): i32 {
  if (width <= 0 || height <= 0) return Status.OK;
  const last = <u64>dst + <u64>(height - 1) * <u64>rowBytes + <u64>(width - 1) * <u64>pixelBytes + <u64>sampleBytes;
  if (pixelBytes < sampleBytes || rowBytes < width * pixelBytes || last > <u64>dstEnd || stride < width) return Status.J2K_BAD_REGION;
  for (let y = 0; y < height; y++) {
    let from = src + ((<usize>y * <usize>stride) << 2);
    let to = dst + <usize>y * <usize>rowBytes;
    for (let x = 0; x < width; x++) {
      let sample: i32;
      if (isFloat) {
        // Rounded to nearest (ties to even, as lrintf), clamped before the conversion (NaN: low).
        const value = nearest<f32>(load<f32>(from)) + <f32>shift;
        sample = value >= <f32>low ? (value <= <f32>high ? <i32>value : high) : low;
      } else {
        sample = min(max(load<i32>(from) + shift, low), high);
      }
      if (sampleBytes == 1) store<u8>(to, <u8>sample);
      else store<u16>(to, <u16>sample);
      from += 4;
      to += <usize>pixelBytes;
    }
  }
  return Status.OK;
}
