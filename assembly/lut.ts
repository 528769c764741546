// Modality LUT (PS3.3 C.11.1): rescale and LUT Sequence, from stored values of any kind
// to an output of any kind.
import { OK, UNSUPPORTED_LAYOUT } from './status';
import { writeRange, lowest, highest, KIND_U8, KIND_I8, KIND_U16, KIND_I16, KIND_U32, KIND_I32, KIND_F32, KIND_F64 } from './common';

@inline function loadAsF64<S>(at: usize): f64 {
  return <f64>load<S>(at);
}

/** Saturate an f64 (already integral or rounded) into the range of integer type D. */
@inline function saturate<D>(value: f64): D {
  const low = <f64>lowest<D>();
  const high = <f64>highest<D>();
  return <D>(value < low ? low : value > high ? high : value);
}

@inline function storeResult<D>(at: usize, value: f64): void {
  if (isFloat<D>()) store<D>(at, <D>value);
  else store<D>(at, saturate<D>(Math.round(value)));
}

/**
 * out = sv * slope + intercept in f64, exact for integer inputs below 2^53; float outputs
 * round once to D, integer outputs round to nearest and saturate.
 */
function rescaleTo<S, D>(src: usize, dst: usize, count: usize, slope: f64, intercept: f64): void {
  for (let i: usize = 0; i < count; i++) {
    const value = loadAsF64<S>(src + i * sizeof<S>()) * slope + intercept;
    storeResult<D>(dst + i * sizeof<D>(), value);
  }
}

/** Integer rescale (integer slope and intercept, range known to fit D): i32 arithmetic. */
function rescaleIntTo<S, D>(src: usize, dst: usize, count: usize, slope: i32, intercept: i32): void {
  for (let i: usize = 0; i < count; i++) {
    store<D>(dst + i * sizeof<D>(), <D>(<i32>load<S>(src + i * sizeof<S>()) * slope + intercept));
  }
}

/** out = lut[clamp(sv - firstMapped, 0, n - 1)] (C.11.1.1.1); min/max of the output to `result`. */
function lutTo<S, D>(src: usize, dst: usize, count: usize, lut: usize, entries: i32, firstMapped: i32, result: usize): void {
  let low: i32 = i32.MAX_VALUE;
  let high: i32 = i32.MIN_VALUE;
  const last = entries - 1;
  for (let i: usize = 0; i < count; i++) {
    let index = <i32>load<S>(src + i * sizeof<S>()) - firstMapped;
    index = index < 0 ? 0 : index > last ? last : index;
    const value = <i32>load<u16>(lut + (<usize>index << 1));
    if (value < low) low = value;
    if (value > high) high = value;
    storeResult<D>(dst + i * sizeof<D>(), <f64>value);
  }
  writeRange(result, count == 0 ? 0 : <f64>low, count == 0 ? 0 : <f64>high);
}

// Dispatch on the output kind for a given stored kind S. `op`: 0 float rescale,
// 1 integer rescale, 2 LUT.
function toOutput<S>(op: i32, src: usize, dstKind: i32, dst: usize, count: usize, a: f64, b: f64, lut: usize, entries: i32, result: usize): i32 {
  switch (dstKind) {
    case KIND_U8: return run<S, u8>(op, src, dst, count, a, b, lut, entries, result);
    case KIND_I8: return run<S, i8>(op, src, dst, count, a, b, lut, entries, result);
    case KIND_U16: return run<S, u16>(op, src, dst, count, a, b, lut, entries, result);
    case KIND_I16: return run<S, i16>(op, src, dst, count, a, b, lut, entries, result);
    case KIND_U32: return run<S, u32>(op, src, dst, count, a, b, lut, entries, result);
    case KIND_I32: return run<S, i32>(op, src, dst, count, a, b, lut, entries, result);
    case KIND_F32: return run<S, f32>(op, src, dst, count, a, b, lut, entries, result);
    case KIND_F64: return run<S, f64>(op, src, dst, count, a, b, lut, entries, result);
  }
  return UNSUPPORTED_LAYOUT;
}

@inline function run<S, D>(op: i32, src: usize, dst: usize, count: usize, a: f64, b: f64, lut: usize, entries: i32, result: usize): i32 {
  if (op == 0) {
    rescaleTo<S, D>(src, dst, count, a, b);
  } else if (op == 1) {
    if (isFloat<S>() || isFloat<D>()) return UNSUPPORTED_LAYOUT;
    rescaleIntTo<S, D>(src, dst, count, <i32>a, <i32>b);
  } else {
    if (isFloat<S>()) return UNSUPPORTED_LAYOUT;
    lutTo<S, D>(src, dst, count, lut, entries, <i32>b, result);
  }
  return OK;
}

function dispatch(op: i32, srcKind: i32, src: usize, dstKind: i32, dst: usize, count: usize, a: f64, b: f64, lut: usize, entries: i32, result: usize): i32 {
  switch (srcKind) {
    case KIND_U8: return toOutput<u8>(op, src, dstKind, dst, count, a, b, lut, entries, result);
    case KIND_I8: return toOutput<i8>(op, src, dstKind, dst, count, a, b, lut, entries, result);
    case KIND_U16: return toOutput<u16>(op, src, dstKind, dst, count, a, b, lut, entries, result);
    case KIND_I16: return toOutput<i16>(op, src, dstKind, dst, count, a, b, lut, entries, result);
    case KIND_U32: return toOutput<u32>(op, src, dstKind, dst, count, a, b, lut, entries, result);
    case KIND_I32: return toOutput<i32>(op, src, dstKind, dst, count, a, b, lut, entries, result);
    case KIND_F32: return toOutput<f32>(op, src, dstKind, dst, count, a, b, lut, entries, result);
    case KIND_F64: return toOutput<f64>(op, src, dstKind, dst, count, a, b, lut, entries, result);
  }
  return UNSUPPORTED_LAYOUT;
}

/** Rescale in f64: any stored kind → any output kind (also plain type conversion with 1, 0). */
export function rescale(srcKind: i32, src: usize, dstKind: i32, dst: usize, count: usize, slope: f64, intercept: f64): i32 {
  return dispatch(0, srcKind, src, dstKind, dst, count, slope, intercept, 0, 0, 0);
}

/** Rescale in i32, for integer slope and intercept whose output range fits the output kind. */
export function rescaleInt(srcKind: i32, src: usize, dstKind: i32, dst: usize, count: usize, slope: i32, intercept: i32): i32 {
  return dispatch(1, srcKind, src, dstKind, dst, count, slope, intercept, 0, 0, 0);
}

/** Apply a LUT of `entries` u16 values starting at stored value `firstMapped`. */
export function applyLut(srcKind: i32, src: usize, dstKind: i32, dst: usize, count: usize, lut: usize, entries: i32, firstMapped: i32, result: usize): i32 {
  if (entries <= 0) return UNSUPPORTED_LAYOUT;
  return dispatch(2, srcKind, src, dstKind, dst, count, 0, firstMapped, lut, entries, result);
}
