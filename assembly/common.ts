// Shared kernel helpers: integer limits, the result area, the per-kind dispatch and the block
// its operations take their parameters from (the constants TS shares: shared.ts).
import { SampleKind, Status } from './shared';

/**
 * Parameters of the kernel call in progress: an exported kernel writes its operation's fields
 * here (an @unmanaged class over this block) and hands the operation to forKind / forKinds, so
 * the dispatch takes (op, kinds, pointers, count) instead of every operation's arguments.
 */
export const OP_PARAMS: usize = memory.data(64, 16);

/**
 * `op.apply<S>(src, dst, count)` for the sample type of `kind`; UNSUPPORTED_LAYOUT for an unknown
 * kind. An operation refuses a type it cannot take (float samples into a table) itself.
 */
@inline export function forKind<Op>(op: Op, kind: i32, src: usize, dst: usize, count: usize): i32 {
  switch (kind) {
    case SampleKind.Uint8: return op.apply<u8>(src, dst, count);
    case SampleKind.Int8: return op.apply<i8>(src, dst, count);
    case SampleKind.Uint16: return op.apply<u16>(src, dst, count);
    case SampleKind.Int16: return op.apply<i16>(src, dst, count);
    case SampleKind.Uint32: return op.apply<u32>(src, dst, count);
    case SampleKind.Int32: return op.apply<i32>(src, dst, count);
    case SampleKind.Float32: return op.apply<f32>(src, dst, count);
    case SampleKind.Float64: return op.apply<f64>(src, dst, count);
  }
  return Status.UNSUPPORTED_LAYOUT;
}

/** `op.apply<S, D>(src, dst, count)` for the types of `srcKind` and `dstKind`. */
@inline export function forKinds<Op>(op: Op, srcKind: i32, src: usize, dstKind: i32, dst: usize, count: usize): i32 {
  switch (srcKind) {
    case SampleKind.Uint8: return forOutput<Op, u8>(op, src, dstKind, dst, count);
    case SampleKind.Int8: return forOutput<Op, i8>(op, src, dstKind, dst, count);
    case SampleKind.Uint16: return forOutput<Op, u16>(op, src, dstKind, dst, count);
    case SampleKind.Int16: return forOutput<Op, i16>(op, src, dstKind, dst, count);
    case SampleKind.Uint32: return forOutput<Op, u32>(op, src, dstKind, dst, count);
    case SampleKind.Int32: return forOutput<Op, i32>(op, src, dstKind, dst, count);
    case SampleKind.Float32: return forOutput<Op, f32>(op, src, dstKind, dst, count);
    case SampleKind.Float64: return forOutput<Op, f64>(op, src, dstKind, dst, count);
  }
  return Status.UNSUPPORTED_LAYOUT;
}

function forOutput<Op, S>(op: Op, src: usize, dstKind: i32, dst: usize, count: usize): i32 {
  switch (dstKind) {
    case SampleKind.Uint8: return op.apply<S, u8>(src, dst, count);
    case SampleKind.Int8: return op.apply<S, i8>(src, dst, count);
    case SampleKind.Uint16: return op.apply<S, u16>(src, dst, count);
    case SampleKind.Int16: return op.apply<S, i16>(src, dst, count);
    case SampleKind.Uint32: return op.apply<S, u32>(src, dst, count);
    case SampleKind.Int32: return op.apply<S, i32>(src, dst, count);
    case SampleKind.Float32: return op.apply<S, f32>(src, dst, count);
    case SampleKind.Float64: return op.apply<S, f64>(src, dst, count);
  }
  return Status.UNSUPPORTED_LAYOUT;
}

/** Smallest value of an integer type T. */
@inline export function lowest<T>(): T {
  return isSigned<T>() ? <T>(<T>1 << <T>(sizeof<T>() * 8 - 1)) : <T>0;
}

/** Largest value of an integer type T. */
@inline export function highest<T>(): T {
  return ~lowest<T>();
}

/** The result area: min at +0 and max at +8 (f64), then 32 bytes of scratch. */
@inline export function writeRange(result: usize, low: f64, high: f64): void {
  store<f64>(result, low);
  store<f64>(result, high, 8);
}
