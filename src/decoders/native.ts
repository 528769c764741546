import { DecodeError } from '../errors.js';
import { transferSyntax } from '../uids.js';
import type { PixelInfo } from '../types.js';
import { frameBytes, nativeChromaSubsampled, rawFrame, type Decoder, type RawFrame } from './decoder.js';

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

/** A native frame already in kernel memory at `ptr`, as the pipeline reads it. */
export function nativeRawFrame(info: PixelInfo, ptr: number, chromaSubsampled: boolean, bigEndian: boolean): RawFrame {
  return rawFrame(info, ptr, {
    bigEndian,
    // Subsampled pairs are interleaved whatever Planar Configuration says (C.7.6.3.1.2 allows 0 only).
    planar: !chromaSubsampled && info.samplesPerPixel > 1 && info.planarConfiguration === 1,
    chromaSubsampled,
  });
}

/**
 * Native (uncompressed) pixel data, PS3.5 8.1: Implicit/Explicit VR Little Endian,
 * Deflated Explicit VR Little Endian (inflated by the Part 10 reader) and Explicit VR Big Endian.
 */
export const nativeDecoder: Decoder = {
  name: 'native',
  decode(fragments, info, { kernels, transferSyntaxUID }): RawFrame {
    const available = fragments.reduce((sum, part) => sum + part.length, 0);
    const { needed, chromaSubsampled } = nativeFrameLayout(info, available, transferSyntaxUID);
    const parts = available === needed || fragments.length > 1 ? fragments : [fragments[0]!.subarray(0, needed)];
    const { ptr } = kernels.copyInAll(parts);
    return nativeRawFrame(info, ptr, chromaSubsampled, transferSyntax(transferSyntaxUID)?.bigEndian === true);
  },
};
