import { DecodeError } from '../errors.js';
import type { PixelInfo } from '../types.js';
import { charls, decodeFragments, type CodecFrameInfo } from '../wasm/codecs.js';
import { rawFrame, type Decoder, type RawFrame } from './decoder.js';

/**
 * JPEG-LS Lossless and Near-Lossless (PS3.5 A.4.3, ISO/IEC 14495-1), decoded by CharLS.
 * JPEG-LS has no sign: the codec's samples are the stored bits, and pipeline/frame.ts
 * sign-extends them from Pixel Representation and Bits Stored.
 */
export const jpeglsDecoder: Decoder = {
  name: 'jpeg-ls',
  uids: ['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81'],
  async decode(fragments, info, { kernels, transferSyntaxUID }): Promise<RawFrame> {
    // CharLS calls a cut stream "structurally invalid"; without its EOI marker it was cut.
    const { decoder, value: frameInfo } = await decodeFragments(charls, fragments, transferSyntaxUID, (jls) => jls.getFrameInfo());
    const bitsAllocated = checkFrame(frameInfo, info, transferSyntaxUID);
    // getDecodedBuffer() hands back a copy of the codec's output; one more copy into our memory.
    const decoded = decoder.getDecodedBuffer();
    const expected = info.rows * info.columns * info.samplesPerPixel * (bitsAllocated / 8);
    if (decoded.length !== expected) {
      throw new DecodeError('CORRUPT_DATA', `CharLS decoded ${decoded.length} bytes, the frame needs ${expected}`, transferSyntaxUID);
    }
    const ptr = kernels.alloc(expected);
    kernels.bytes(ptr, expected).set(decoded);
    // Interleave mode 0 (ILV=0, by component) comes out one plane after another.
    return { ...rawFrame(info, ptr, { planar: info.samplesPerPixel > 1 && decoder.getInterleaveMode() === 0 }), bitsAllocated };
  },
};

/** The codestream must describe the frame the attributes describe; returns the sample width. */
function checkFrame(frame: CodecFrameInfo, info: PixelInfo, transferSyntaxUID: string): number {
  if (frame.width !== info.columns || frame.height !== info.rows || frame.componentCount !== info.samplesPerPixel) {
    throw new DecodeError(
      'INVALID_PIXEL_INFO',
      `the JPEG-LS frame is ${frame.width}×${frame.height} with ${frame.componentCount} component(s), ` +
        `the attributes say ${info.columns}×${info.rows} with ${info.samplesPerPixel}`,
      transferSyntaxUID,
    );
  }
  const bitsAllocated = frame.bitsPerSample <= 8 ? 8 : 16;
  if (frame.bitsPerSample > 16 || bitsAllocated > info.bitsAllocated) {
    throw new DecodeError(
      'INVALID_PIXEL_INFO',
      `the JPEG-LS sample precision is ${frame.bitsPerSample} bits, Bits Allocated is ${info.bitsAllocated}`,
      transferSyntaxUID,
    );
  }
  return bitsAllocated;
}
