// Shared kernel helpers: sample kinds and the result area.

// Sample kinds, the same numbering as src/wasm/kernels.ts (SampleKind).
export const KIND_U8: i32 = 0;
export const KIND_I8: i32 = 1;
export const KIND_U16: i32 = 2;
export const KIND_I16: i32 = 3;
export const KIND_U32: i32 = 4;
export const KIND_I32: i32 = 5;
export const KIND_F32: i32 = 6;
export const KIND_F64: i32 = 7;

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
