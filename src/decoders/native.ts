import { DecodeError } from '../errors.js';
import { transferSyntax } from '../uids.js';
import { frameBytes, nativeChromaSubsampled, rawFrame, type Decoder, type RawFrame } from './decoder.js';

/**
 * Native (uncompressed) pixel data, PS3.5 8.1: Implicit/Explicit VR Little Endian,
 * Deflated Explicit VR Little Endian (inflated by the Part 10 reader) and Explicit VR Big Endian.
 */
export const nativeDecoder: Decoder = {
  name: 'native',
  uids: ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2'],
  decode(fragments, info, { kernels, transferSyntaxUID }): RawFrame {
    const chromaSubsampled = nativeChromaSubsampled(info);
    if (chromaSubsampled && (info.rows * info.columns) % 2 !== 0) {
      throw new DecodeError(
        'INVALID_PIXEL_INFO',
        `YBR_FULL_422 stores pixels in pairs; ${info.rows} x ${info.columns} is an odd number of pixels`,
        transferSyntaxUID,
      );
    }
    const needed = frameBytes(info, { chromaSubsampled });
    const available = fragments.reduce((sum, part) => sum + part.length, 0);
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
    const parts = available === needed || fragments.length > 1 ? fragments : [fragments[0]!.subarray(0, needed)];
    const { ptr } = kernels.copyInAll(parts);
    return rawFrame(info, ptr, {
      bigEndian: transferSyntax(transferSyntaxUID)?.bigEndian === true,
      // Subsampled pairs are interleaved whatever Planar Configuration says (C.7.6.3.1.2 allows 0 only).
      planar: !chromaSubsampled && info.samplesPerPixel > 1 && info.planarConfiguration === 1,
      chromaSubsampled,
    });
  },
};
