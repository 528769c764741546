// VOI LUT (PS3.3 C.11.2) for display: window functions and the VOI LUT Sequence, from
// modality values of any kind to 8-bit grey levels, optionally inverted (MONOCHROME1,
// Presentation LUT Shape INVERSE).
import { OK, UNSUPPORTED_LAYOUT } from './status';
import { KIND_U8, KIND_I8, KIND_U16, KIND_I16, KIND_U32, KIND_I32, KIND_F32, KIND_F64 } from './common';

// VOI LUT Function (0028,1056), numbered as in src/render/render.ts (VOI_FUNCTION).
const LINEAR: i32 = 0;
const LINEAR_EXACT: i32 = 1;
const SIGMOID: i32 = 2;

/** Round half up and clamp to 0..255; NaN becomes 0. */
@inline function toGrey(value: f64): u32 {
  const rounded = Math.floor(value + 0.5);
  return rounded >= 255 ? 255 : rounded > 0 ? <u32>rounded : 0;
}

/**
 * y = 255 · f(x) with f the window function of C.11.2.1.2 (LINEAR: c' = c − 0.5, w' = w − 1;
 * x ≤ c' − w'/2 → 0, x > c' + w'/2 → 1, else (x − c')/w' + 0.5), C.11.2.1.3.2 (LINEAR_EXACT: the
 * same with c and w) or C.11.2.1.3.1 (SIGMOID: 1 / (1 + exp(−4 (x − c) / w))). `c` and `w` are
 * c', w' for LINEAR.
 */
@inline function windowGrey(x: f64, sigmoid: bool, c: f64, w: f64): u32 {
  if (sigmoid) return toGrey(255 / (1 + Math.exp(-4 * (x - c) / w)));
  if (x <= c - w / 2) return 0;
  if (x > c + w / 2) return 255;
  return toGrey((x - c) * (255 / w) + 127.5);
}

function windowFrom<S>(src: usize, dst: usize, count: usize, sigmoid: bool, c: f64, w: f64, flip: u32): void {
  for (let i: usize = 0; i < count; i++) {
    store<u8>(dst + i, <u8>(windowGrey(<f64>load<S>(src + i * sizeof<S>()), sigmoid, c, w) ^ flip));
  }
}

/**
 * Integer samples in [low, low + entries): the window of every value once into `table`, then a
 * lookup per sample (clamped to the table, so wrong bounds give wrong grey levels, not a fault).
 */
function windowTableFrom<S>(src: usize, dst: usize, count: usize, sigmoid: bool, c: f64, w: f64, flip: u32, table: usize, low: i32, entries: i32): void {
  for (let k = 0; k < entries; k++) store<u8>(table + <usize>k, <u8>(windowGrey(<f64>(low + k), sigmoid, c, w) ^ flip));
  const last = entries - 1;
  for (let i: usize = 0; i < count; i++) {
    let index = <i32>load<S>(src + i * sizeof<S>()) - low;
    index = index < 0 ? 0 : index > last ? last : index;
    store<u8>(dst + i, load<u8>(table + <usize>index));
  }
}

/**
 * VOI LUT Sequence (C.11.2.1.1): y = lut[clamp(x − firstMapped, 0, entries − 1)] · scale, with
 * scale = 255 / (2^bits − 1). Non-integer x takes the entry of floor(x − firstMapped).
 */
function lutFrom<S>(src: usize, dst: usize, count: usize, lut: usize, entries: i32, firstMapped: f64, scale: f64, flip: u32): void {
  const last = <f64>(entries - 1);
  for (let i: usize = 0; i < count; i++) {
    let index = Math.floor(<f64>load<S>(src + i * sizeof<S>()) - firstMapped);
    index = index > 0 ? (index < last ? index : last) : 0; // NaN → 0
    const value = <f64>load<u16>(lut + (<usize>index << 1));
    store<u8>(dst + i, <u8>(toGrey(value * scale) ^ flip));
  }
}

// op 0: window, 1: VOI LUT, 2: window through a table. `sigmoid`, `c`, `w` as windowGrey takes them.
function dispatch(op: i32, kind: i32, src: usize, dst: usize, count: usize, sigmoid: bool, c: f64, w: f64, table: usize, entries: i32, low: i32, scale: f64, flip: u32): i32 {
  switch (kind) {
    case KIND_U8: return run<u8>(op, src, dst, count, sigmoid, c, w, table, entries, low, scale, flip);
    case KIND_I8: return run<i8>(op, src, dst, count, sigmoid, c, w, table, entries, low, scale, flip);
    case KIND_U16: return run<u16>(op, src, dst, count, sigmoid, c, w, table, entries, low, scale, flip);
    case KIND_I16: return run<i16>(op, src, dst, count, sigmoid, c, w, table, entries, low, scale, flip);
    case KIND_U32: return run<u32>(op, src, dst, count, sigmoid, c, w, table, entries, low, scale, flip);
    case KIND_I32: return run<i32>(op, src, dst, count, sigmoid, c, w, table, entries, low, scale, flip);
    case KIND_F32: return op == 2 ? UNSUPPORTED_LAYOUT : run<f32>(op, src, dst, count, sigmoid, c, w, table, entries, low, scale, flip);
    case KIND_F64: return op == 2 ? UNSUPPORTED_LAYOUT : run<f64>(op, src, dst, count, sigmoid, c, w, table, entries, low, scale, flip);
  }
  return UNSUPPORTED_LAYOUT;
}

@inline function run<S>(op: i32, src: usize, dst: usize, count: usize, sigmoid: bool, c: f64, w: f64, table: usize, entries: i32, low: i32, scale: f64, flip: u32): i32 {
  if (op == 0) windowFrom<S>(src, dst, count, sigmoid, c, w, flip);
  else if (op == 1) lutFrom<S>(src, dst, count, table, entries, <f64>low, scale, flip);
  else windowTableFrom<S>(src, dst, count, sigmoid, c, w, flip, table, low, entries);
  return OK;
}

/** C.11.2.1.2: LINEAR needs a width of at least 1, LINEAR_EXACT and SIGMOID above 0. */
@inline function validWindow(fn: i32, width: f64): bool {
  if (fn < LINEAR || fn > SIGMOID) return false;
  return fn == LINEAR ? width >= 1 : width > 0;
}

/**
 * Window `count` samples of `kind` at `src` to 8-bit grey levels at `dst` (which may be `src`
 * only for 8-bit input). `fn`: 0 LINEAR, 1 LINEAR_EXACT, 2 SIGMOID.
 */
export function voiWindow(kind: i32, src: usize, dst: usize, count: usize, fn: i32, center: f64, width: f64, invert: bool): i32 {
  if (!validWindow(fn, width)) return UNSUPPORTED_LAYOUT;
  const linear = fn == LINEAR;
  return dispatch(0, kind, src, dst, count, fn == SIGMOID, linear ? center - 0.5 : center, linear ? width - 1 : width, 0, 0, 0, 0, invert ? 255 : 0);
}

/**
 * voiWindow for integer samples in [low, low + entries): each value is windowed once into the
 * `entries` bytes at `table`, then looked up (faster when there are fewer values than samples).
 */
export function voiWindowTable(kind: i32, src: usize, dst: usize, count: usize, fn: i32, center: f64, width: f64, invert: bool, table: usize, low: i32, entries: i32): i32 {
  if (entries <= 0 || !validWindow(fn, width)) return UNSUPPORTED_LAYOUT;
  const linear = fn == LINEAR;
  return dispatch(2, kind, src, dst, count, fn == SIGMOID, linear ? center - 0.5 : center, linear ? width - 1 : width, table, entries, low, 0, invert ? 255 : 0);
}

/** Apply a VOI LUT of `entries` u16 values starting at `firstMapped`, scaled by `scale`. */
export function voiLut(kind: i32, src: usize, dst: usize, count: usize, lut: usize, entries: i32, firstMapped: i32, scale: f64, invert: bool): i32 {
  if (entries <= 0) return UNSUPPORTED_LAYOUT;
  return dispatch(1, kind, src, dst, count, false, 0, 0, lut, entries, firstMapped, scale, invert ? 255 : 0);
}
