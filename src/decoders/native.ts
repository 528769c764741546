import { DecodeError } from '../errors.js';
import { transferSyntax } from '../uids.js';
import type { PixelInfo } from '../types.js';
import type { ByteOrder, RawFrame } from '../raw.js';
import { AT_HIGH_BIT, frameBytes, nativeChromaSubsampled, sampleBits, type Decoder } from './decoder.js';

/**
 * The bytes a native frame with these attributes needs, checked against the `available` bytes:
 * full-size data labelled YBR_FULL_422 and short frames are refused.
 */
export function nativeFrameLayout(info: PixelInfo, available: number, transferSyntaxUID: string): { needed: number; chromaSubsampled: boolean } {
  const chromaSubsampled = nativeChromaSubsampled(info);
  if (chromaSubsampled && (info.rows * info.columns) % 2 !== 0) {
    throw new DecodeError(
      'INVALID_PIXEL_INFO',
      `YBR_FULL_422 stores pixels in pairs; ${info.rows} x ${info.columns} is an odd number of pixels`,
      transferSyntaxUID,
    );
  }
  const needed = frameBytes(info, { chromaSubsampled });
  if (chromaSubsampled && available === frameBytes(info)) {
    throw new DecodeError(
      'INVALID_PIXEL_INFO',
      `the frame holds ${available} bytes, the size of full-size data; YBR_FULL_422 stores ${needed} (two chroma samples per two pixels)`,
      transferSyntaxUID,
    );
  }
  if (available < needed) {
    throw new DecodeError('TRUNCATED', `the frame needs ${needed} bytes, ${available} given`, transferSyntaxUID);
  }
  return { needed, chromaSubsampled };
}

/**
 * Native samples at `ptr` as the attributes lay them out (PS3.5 8.1, PS3.3 C.7.6.3.1):
 * packed bits, subsampled YBR_FULL_422 pairs, planes (Planar Configuration 1) or interleaved.
 */
export function nativeFrame(info: PixelInfo, ptr: number, chromaSubsampled: boolean, byteOrder: ByteOrder, transferSyntaxUID: string): RawFrame {
  const { rows, columns, samplesPerPixel, photometricInterpretation } = info;
  // Literals of one shape per layout (object spread is slow on this path).
  if (info.bitsAllocated === 1) {
    return { ptr, rows, columns, samplesPerPixel: 1, photometricInterpretation, values: AT_HIGH_BIT, layout: 'packedBits', bitsAllocated: 1 };
  }
  const bitsAllocated = sampleBits(info);
  if (chromaSubsampled) {
    if (bitsAllocated !== 8 && bitsAllocated !== 16) {
      throw new DecodeError('INVALID_PIXEL_INFO', `YBR_FULL_422 samples of ${bitsAllocated} bits (8 or 16 are supported)`, transferSyntaxUID);
    }
    // Subsampled pairs are interleaved whatever Planar Configuration says (C.7.6.3.1.2 allows 0 only).
    return { ptr, rows, columns, samplesPerPixel, photometricInterpretation, values: AT_HIGH_BIT, layout: 'ybr422', bitsAllocated, byteOrder };
  }
  const layout = samplesPerPixel > 1 && info.planarConfiguration === 1 ? 'planar' : 'interleaved';
  return { ptr, rows, columns, samplesPerPixel, photometricInterpretation, values: AT_HIGH_BIT, layout, bitsAllocated, byteOrder };
}

/**
 * Native (uncompressed) pixel data, PS3.5 8.1: Implicit/Explicit VR Little Endian,
 * Deflated Explicit VR Little Endian (inflated by the Part 10 reader) and Explicit VR Big Endian.
 */
export const nativeDecoder: Decoder = {
  name: 'native',
  codec: 'dicom-pixels',
  decode(fragments, info, { kernels, transferSyntaxUID }): RawFrame {
    const available = fragments.reduce((sum, part) => sum + part.length, 0);
    const { needed, chromaSubsampled } = nativeFrameLayout(info, available, transferSyntaxUID);
    const parts = available === needed || fragments.length > 1 ? fragments : [fragments[0]!.subarray(0, needed)];
    const { ptr } = kernels.copyInAll(parts);
    return nativeFrame(info, ptr, chromaSubsampled, transferSyntax(transferSyntaxUID)?.bigEndian ? 'big' : 'little', transferSyntaxUID);
  },
};
