// Modality LUT (PS3.3 C.11.1): rescale and LUT Sequence, from stored values of any kind
// to an output of any kind.
import { forKinds, highest, lowest, OP_PARAMS, writeRange } from './common';
import { Status } from './shared';

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

/** sv * slope + intercept in f64 (rescaleTo). */
@final @unmanaged class Rescale {
  slope: f64;
  intercept: f64;
  @inline apply<S, D>(src: usize, dst: usize, count: usize): i32 {
    rescaleTo<S, D>(src, dst, count, this.slope, this.intercept);
    return Status.OK;
  }
}

/** sv * slope + intercept in i32 (rescaleIntTo), integer kinds only. */
@final @unmanaged class RescaleInt {
  slope: i32;
  intercept: i32;
  @inline apply<S, D>(src: usize, dst: usize, count: usize): i32 {
    if (isFloat<S>() || isFloat<D>()) return Status.UNSUPPORTED_LAYOUT;
    rescaleIntTo<S, D>(src, dst, count, this.slope, this.intercept);
    return Status.OK;
  }
}

/** A LUT Sequence (lutTo), integer stored kinds only. */
@final @unmanaged class Lut {
  lut: usize;
  result: usize;
  entries: i32;
  firstMapped: i32;
  @inline apply<S, D>(src: usize, dst: usize, count: usize): i32 {
    if (isFloat<S>()) return Status.UNSUPPORTED_LAYOUT;
    lutTo<S, D>(src, dst, count, this.lut, this.entries, this.firstMapped, this.result);
    return Status.OK;
  }
}

/** Rescale in f64: any stored kind → any output kind (also plain type conversion with 1, 0). */
export function rescale(srcKind: i32, src: usize, dstKind: i32, dst: usize, count: usize, slope: f64, intercept: f64): i32 {
  const op = changetype<Rescale>(OP_PARAMS);
  op.slope = slope;
  op.intercept = intercept;
  return forKinds<Rescale>(op, srcKind, src, dstKind, dst, count);
}

/** Rescale in i32, for integer slope and intercept whose output range fits the output kind. */
export function rescaleInt(srcKind: i32, src: usize, dstKind: i32, dst: usize, count: usize, slope: i32, intercept: i32): i32 {
  const op = changetype<RescaleInt>(OP_PARAMS);
  op.slope = slope;
  op.intercept = intercept;
  return forKinds<RescaleInt>(op, srcKind, src, dstKind, dst, count);
}

/** Apply a LUT of `entries` u16 values starting at stored value `firstMapped`. */
export function applyLut(srcKind: i32, src: usize, dstKind: i32, dst: usize, count: usize, lut: usize, entries: i32, firstMapped: i32, result: usize): i32 {
  if (entries <= 0) return Status.UNSUPPORTED_LAYOUT;
  const op = changetype<Lut>(OP_PARAMS);
  op.lut = lut;
  op.result = result;
  op.entries = entries;
  op.firstMapped = firstMapped;
  return forKinds<Lut>(op, srcKind, src, dstKind, dst, count);
}
