import { check, DecodeError, kernelError } from '../errors.js';
import type { PixelInfo } from '../types.js';
import type { Kernels } from '../wasm/kernels.js';
import type { RawFrame } from '../raw.js';
import { AT_HIGH_BIT, codecFrame, sampleBits, type Decoder } from './decoder.js';
import { nativeFrame } from './native.js';

/**
 * Bits Allocated 1 (one sample per pixel, one segment). Writers disagree on what the segment
 * holds: the frame's bits packed as native data packs them (LSB first, from bit 0 of the first
 * byte; DCMTK-style and pydicom 2), or one byte per pixel (pydicom 3's encoder). The decoded
 * length tells them apart: ceil(pixels / 8) bytes (and a pad byte) or `pixels` bytes.
 */
function decodeBits(fragments: readonly Uint8Array[], info: PixelInfo, kernels: Kernels, transferSyntaxUID: string): RawFrame {
  if (info.samplesPerPixel !== 1) {
    throw new DecodeError('INVALID_PIXEL_INFO', `Bits Allocated 1 with ${info.samplesPerPixel} samples per pixel`, transferSyntaxUID);
  }
  const pixels = info.rows * info.columns;
  const packed = Math.ceil(pixels / 8);
  const src = kernels.copyInAll(fragments);
  const dst = kernels.alloc(pixels);
  const written = kernels.fn.rleDecodeSingleSegment(src.ptr, src.length, dst, pixels);
  if (written < 0) throw kernelError(written, transferSyntaxUID);
  if (written === pixels && pixels > 1) {
    // One byte per pixel: the pipeline keeps bit 0 of each (precision 1 at Bits Stored 1).
    return codecFrame(info, dst, 1, { at: 'lowBits', precision: 1, lossy: false });
  }
  if (written === packed || written === packed + 1) return nativeFrame(info, dst, false, 'little', transferSyntaxUID);
  const code = written < packed ? 'TRUNCATED' : 'CORRUPT_DATA';
  throw new DecodeError(code, `the 1-bit RLE segment decodes to ${written} bytes: neither ${packed} (packed bits) nor ${pixels} (a byte per pixel)`, transferSyntaxUID);
}

/** RLE Lossless, PS3.5 Annex G, decoded by the AssemblyScript kernels. */
export const rleDecoder: Decoder = {
  name: 'rle',
  codec: 'dicom-pixels',
  decode(fragments, info, { kernels, transferSyntaxUID }): RawFrame {
    if (info.bitsAllocated === 1) return decodeBits(fragments, info, kernels, transferSyntaxUID);
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
    check(status, transferSyntaxUID);
    // 16-bit grey: the pipeline interleaves the two planes while masking (one pass).
    if (bytesPerSample === 2 && info.samplesPerPixel === 1) {
      const { rows, columns, photometricInterpretation } = info;
      return { ptr: planes, rows, columns, samplesPerPixel: 1, photometricInterpretation, values: AT_HIGH_BIT, layout: 'bytePlanes', bitsAllocated: 16 };
    }
    let ptr = planes;
    if (segments > 1) {
      ptr = kernels.alloc(pixels * segments);
      status = kernels.fn.rlePlanesToSamples(planes, pixels, ptr, info.samplesPerPixel, bytesPerSample);
      check(status, transferSyntaxUID);
    }
    // Annex G output is interleaved whatever Planar Configuration says.
    const { rows, columns, samplesPerPixel, photometricInterpretation } = info;
    return { ptr, rows, columns, samplesPerPixel, photometricInterpretation, values: AT_HIGH_BIT, layout: 'interleaved', bitsAllocated: sampleBits(info), byteOrder: 'little' };
  },
};
