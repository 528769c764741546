import { DecodeError } from '../errors.js';
import { transferSyntax } from '../uids.js';
import { frameBytes, rawFrame, type Decoder, type RawFrame } from './decoder.js';

/**
 * Native (uncompressed) pixel data, PS3.5 8.1: Implicit/Explicit VR Little Endian,
 * Deflated Explicit VR Little Endian (inflated by the Part 10 reader) and Explicit VR Big Endian.
 */
export const nativeDecoder: Decoder = {
  name: 'native',
  uids: ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2'],
  decode(fragments, info, { kernels, transferSyntaxUID }): RawFrame {
    const needed = frameBytes(info);
    const available = fragments.reduce((sum, part) => sum + part.length, 0);
    if (available < needed) {
      throw new DecodeError('TRUNCATED', `the frame needs ${needed} bytes, ${available} given`, transferSyntaxUID);
    }
    const parts = available === needed || fragments.length > 1 ? fragments : [fragments[0]!.subarray(0, needed)];
    const { ptr } = kernels.copyInAll(parts);
    return rawFrame(info, ptr, {
      bigEndian: transferSyntax(transferSyntaxUID)?.bigEndian === true,
      planar: info.samplesPerPixel > 1 && info.planarConfiguration === 1,
    });
  },
};
