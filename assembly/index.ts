// The kernels' exported surface: numbers in, numbers out. JS owns the memory layout.
export { rleDecodeToPlanes, rlePlanesToSamples } from './rle';
export { storedValues, unpackBits, interleavePlanes } from './unpack';
export { rescale, rescaleInt, applyLut } from './lut';

/** First byte free for the JS-managed arena. */
export function heapBase(): usize {
  return __heap_base;
}
