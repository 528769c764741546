/**
 * The contract between decoders/ and pipeline/ (both import it; they never import each other):
 * what a decoder leaves in kernel memory and how it is laid out. Decoders report; the pipeline
 * fixes up (bits, byte order, planes, sign, colour) once for every codec.
 *
 * A decoder may assume:
 * - the frame's attributes (`PixelInfo`) and the options were validated, and the frame fits
 *   `maxFrameBytes`;
 * - the arena was reset for this frame; every region it allocates stays valid until the
 *   pipeline has copied the result out, and nothing else allocates in between;
 * - the codec modules its `prepare` asked for are loaded (it still checks: `CodecNotReady`).
 *
 * A decoder must:
 * - run `decode` synchronously, from its first allocation to its return (no awaiting);
 * - check its codestream against the attributes before it allocates for the codestream's claims;
 * - report the samples as one of the layouts below, with the frame's geometry (a reduced
 *   resolution level has fewer rows and columns) and the photometric interpretation of the
 *   samples it delivers (a codec may have converted colour);
 * - fail with a DecodeError (TRUNCATED, CORRUPT_DATA, INVALID_PIXEL_INFO) whose context the
 *   caller completes; anything else it throws is treated as a trap of the module.
 */

/** Where the stored value sits in each raw sample. */
export type RawValues =
  /** As the attributes say: Bits Stored bits at High Bit (native and RLE data). */
  | { at: 'highBit' }
  /**
   * The codestream's own precision P in the low bits (JPEG P, JPEG-LS P, JPEG 2000 Ssiz).
   * `lossy`: the decode is not exact (irreversible wavelet, JPEG-LS NEAR > 0, DCT, a reduced
   * resolution), so values may overshoot Bits Stored and must not be masked to it.
   * `signed`: the codestream says its samples are signed (JPEG 2000); undefined when the
   * format has no sign (JPEG, JPEG-LS).
   */
  | { at: 'lowBits'; precision: number; lossy: boolean; signed?: boolean };

interface RawCommon {
  /** Address of the samples in kernel memory. */
  ptr: number;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  /** Photometric interpretation of these samples (a codec may have converted colour). */
  photometricInterpretation: string;
  values: RawValues;
}

/** Byte order of samples wider than a byte. */
export type ByteOrder = 'little' | 'big';

/** One frame's samples in kernel memory, in one of the layouts the pipeline reads. */
export type RawFrame = RawCommon &
  (
    | {
        /**
         * `interleaved`: pixel after pixel, each pixel's samples together (one sample per pixel:
         * in order). `planar`: all of sample 0, then 1, then 2 (Planar Configuration 1, JPEG-LS
         * by component).
         */
        layout: 'interleaved' | 'planar';
        bitsAllocated: 8 | 16 | 32 | 64;
        byteOrder: ByteOrder;
      }
    | {
        /**
         * Native YBR_FULL_422 as stored (PS3.3 C.7.6.3.1.2): each pair of pixels is Y1 Y2 Cb Cr,
         * two thirds of the full size; the pipeline repeats the chroma.
         */
        layout: 'ybr422';
        bitsAllocated: 8 | 16;
        byteOrder: ByteOrder;
      }
    | {
        /**
         * 16-bit single-sample data as two byte planes, most significant first (RLE segments,
         * PS3.5 G.2); the pipeline interleaves them in the pass that masks and sign-extends.
         */
        layout: 'bytePlanes';
        bitsAllocated: 16;
        samplesPerPixel: 1;
      }
    | {
        /** Bits Allocated 1: one sample per pixel, packed, least significant bit first. */
        layout: 'packedBits';
        bitsAllocated: 1;
        samplesPerPixel: 1;
      }
  );

export type RawLayout = RawFrame['layout'];
