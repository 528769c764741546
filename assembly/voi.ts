// VOI LUT (PS3.3 C.11.2) for display: window functions and the VOI LUT Sequence, from
// modality values of any kind to 8-bit grey levels, optionally inverted (MONOCHROME1,
// Presentation LUT Shape INVERSE).
import { forKind, OP_PARAMS } from './common';
import { Status, VoiFunction } from './shared';

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

/** A window function (windowFrom); `sigmoid`, `c`, `w` as windowGrey takes them. */
@final @unmanaged class Window {
  c: f64;
  w: f64;
  flip: u32;
  sigmoid: bool;
  @inline apply<S>(src: usize, dst: usize, count: usize): i32 {
    windowFrom<S>(src, dst, count, this.sigmoid, this.c, this.w, this.flip);
    return Status.OK;
  }
}

/** A window through a table of the values in [low, low + entries) (windowTableFrom), integers only. */
@final @unmanaged class WindowTable {
  c: f64;
  w: f64;
  flip: u32;
  sigmoid: bool;
  table: usize;
  low: i32;
  entries: i32;
  @inline apply<S>(src: usize, dst: usize, count: usize): i32 {
    if (isFloat<S>()) return Status.UNSUPPORTED_LAYOUT;
    windowTableFrom<S>(src, dst, count, this.sigmoid, this.c, this.w, this.flip, this.table, this.low, this.entries);
    return Status.OK;
  }
}

/** A VOI LUT Sequence (lutFrom). */
@final @unmanaged class VoiTable {
  firstMapped: f64;
  scale: f64;
  lut: usize;
  entries: i32;
  flip: u32;
  @inline apply<S>(src: usize, dst: usize, count: usize): i32 {
    lutFrom<S>(src, dst, count, this.lut, this.entries, this.firstMapped, this.scale, this.flip);
    return Status.OK;
  }
}

/** C.11.2.1.2: LINEAR needs a width of at least 1, LINEAR_EXACT and SIGMOID above 0. */
@inline function validWindow(fn: i32, width: f64): bool {
  if (fn < VoiFunction.LINEAR || fn > VoiFunction.SIGMOID) return false;
  return fn == VoiFunction.LINEAR ? width >= 1 : width > 0;
}

/** A Window or WindowTable in OP_PARAMS with the window's fields set (c', w' for LINEAR). */
@inline function windowOp<Op>(fn: i32, center: f64, width: f64, invert: bool): Op {
  const linear = fn == VoiFunction.LINEAR;
  const op = changetype<Op>(OP_PARAMS);
  op.sigmoid = fn == VoiFunction.SIGMOID;
  op.c = linear ? center - 0.5 : center;
  op.w = linear ? width - 1 : width;
  op.flip = invert ? 255 : 0;
  return op;
}

/**
 * Window `count` samples of `kind` at `src` to 8-bit grey levels at `dst` (which may be `src`
 * only for 8-bit input). `fn`: 0 LINEAR, 1 LINEAR_EXACT, 2 SIGMOID.
 */
export function voiWindow(kind: i32, src: usize, dst: usize, count: usize, fn: i32, center: f64, width: f64, invert: bool): i32 {
  if (!validWindow(fn, width)) return Status.UNSUPPORTED_LAYOUT;
  return forKind<Window>(windowOp<Window>(fn, center, width, invert), kind, src, dst, count);
}

/**
 * voiWindow for integer samples in [low, low + entries): each value is windowed once into the
 * `entries` bytes at `table`, then looked up (faster when there are fewer values than samples).
 */
export function voiWindowTable(kind: i32, src: usize, dst: usize, count: usize, fn: i32, center: f64, width: f64, invert: bool, table: usize, low: i32, entries: i32): i32 {
  if (entries <= 0 || !validWindow(fn, width)) return Status.UNSUPPORTED_LAYOUT;
  const op = windowOp<WindowTable>(fn, center, width, invert);
  op.table = table;
  op.low = low;
  op.entries = entries;
  return forKind<WindowTable>(op, kind, src, dst, count);
}

/** Apply a VOI LUT of `entries` u16 values starting at `firstMapped`, scaled by `scale`. */
export function voiLut(kind: i32, src: usize, dst: usize, count: usize, lut: usize, entries: i32, firstMapped: i32, scale: f64, invert: bool): i32 {
  if (entries <= 0) return Status.UNSUPPORTED_LAYOUT;
  const op = changetype<VoiTable>(OP_PARAMS);
  op.firstMapped = <f64>firstMapped;
  op.scale = scale;
  op.lut = lut;
  op.entries = entries;
  op.flip = invert ? 255 : 0;
  return forKind<VoiTable>(op, kind, src, dst, count);
}
