// The kernels' exported surface: numbers in, numbers out. JS owns the memory layout.
export { rleDecodeToPlanes, rlePlanesToSamples, rleDecodeSingleSegment } from './rle';
export { storedValues, unpackBits, interleavePlanes, widenSamples } from './unpack';
export { rescale, rescaleInt, applyLut } from './lut';
export { ybrFullToRgb, upsampleYbr422, paletteToRgb } from './color';
export { voiWindow, voiWindowTable, voiLut } from './voi';
export { boxDownscale, boxScratchBytes } from './resize';
export { j2kBlockWorkBytes, j2kDecodeBlocks } from './j2k/t1';
export { j2kDwtWorkBytes, j2kInverseDwt } from './j2k/dwt';
export { j2kInverseRct, j2kInverseIct, j2kStoreComponent, j2kStoreComponents3 } from './j2k/output';
export { jpegScratchBytes, jpegReadHeader, jpegFrameField, jpegIsYCbCr, jpegColorMarked, jpegWorkBytes, jpegDecode } from './jpeg/decode';

/** First byte free for the JS-managed arena. */
export function heapBase(): usize {
  return __heap_base;
}
