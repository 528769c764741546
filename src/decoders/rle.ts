import { DecodeError, kernelError } from '../errors.js';
import { rawFrame, type Decoder, type RawFrame } from './decoder.js';

/** RLE Lossless, PS3.5 Annex G, decoded by the AssemblyScript kernels. */
export const rleDecoder: Decoder = {
  name: 'rle',
  uids: ['1.2.840.10008.1.2.5'],
  decode(fragments, info, { kernels, transferSyntaxUID }): RawFrame {
    if (info.bitsAllocated === 1) {
      throw new DecodeError('INVALID_PIXEL_INFO', 'RLE Lossless does not encode Bits Allocated 1', transferSyntaxUID);
    }
    const bytesPerSample = info.bitsAllocated / 8;
    const pixels = info.rows * info.columns;
    const segments = bytesPerSample * info.samplesPerPixel;
    if (segments > 15) {
      throw new DecodeError('INVALID_PIXEL_INFO', `RLE holds at most 15 segments, this layout needs ${segments}`, transferSyntaxUID);
    }
    // A frame is one fragment (PS3.5 A.4.2); fragments split by a writer are joined.
    const src = kernels.copyInAll(fragments);
    const planes = kernels.alloc(pixels * segments);
    let status = kernels.fn.rleDecodeToPlanes(src.ptr, src.length, planes, pixels, segments);
    if (status < 0) throw kernelError(status, transferSyntaxUID);
    // 16-bit grey: the pipeline interleaves the two planes while masking (one pass).
    if (bytesPerSample === 2 && info.samplesPerPixel === 1) return rawFrame(info, planes, { bytePlanes: true });
    let ptr = planes;
    if (segments > 1) {
      ptr = kernels.alloc(pixels * segments);
      status = kernels.fn.rlePlanesToSamples(planes, pixels, ptr, info.samplesPerPixel, bytesPerSample);
      if (status < 0) throw kernelError(status, transferSyntaxUID);
    }
    // Annex G output is interleaved whatever Planar Configuration says.
    return rawFrame(info, ptr);
  },
};
