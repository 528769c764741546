import type { DecodeOptions, PixelInfo } from '../types.js';
import type { DecoderFamily } from '../uids.js';
import type { Kernels } from '../wasm/kernels.js';

/**
 * What a decoder produced, in kernel memory, and how it is laid out. Decoders report;
 * pipeline/frame.ts fixes up (byte order, planar, bits, sign) once for every codec.
 */
export interface RawFrame {
  /** Address of the samples in kernel memory. */
  ptr: number;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  /** Bits per sample in memory: 1 (packed, LSB first), 8, 16, 32 or 64. */
  bitsAllocated: number;
  /** Samples are big-endian (native Explicit VR Big Endian). */
  bigEndian: boolean;
  /** Colour-by-plane (Planar Configuration 1) rather than interleaved. */
  planar: boolean;
  /**
   * Native YBR_FULL_422 as stored (PS3.3 C.7.6.3.1.2): each pair of pixels is Y1 Y2 Cb Cr, two
   * thirds of the full size; pipeline/frame.ts upsamples the chroma.
   */
  chromaSubsampled?: boolean;
  /**
   * 16-bit single-sample data as two byte planes, most significant first (RLE segments,
   * PS3.5 G.2); pipeline/frame.ts interleaves them in the same pass that masks and sign-extends.
   */
  bytePlanes?: boolean;
  /** Photometric interpretation of these samples (a codec may have converted colour). */
  photometricInterpretation: string;
  /**
   * Sample precision of the codestream (JPEG P, JPEG-LS P, JPEG 2000 Ssiz) with its samples in
   * the low bits; absent for native and RLE data, which sit at High Bit as the attributes say.
   */
  precision?: number;
  /** The codestream's samples are signed (JPEG 2000 Ssiz); absent when the format has no sign. */
  signed?: boolean;
  /**
   * The decode is not exact (irreversible wavelet, JPEG-LS NEAR > 0, DCT, reduced resolution):
   * values may overshoot the range of Bits Stored and must not be masked to it.
   */
  lossy?: boolean;
}

export interface DecodeContext {
  kernels: Kernels;
  transferSyntaxUID: string;
  options: DecodeOptions;
}

/** One decoder per transfer-syntax family. */
export interface Decoder {
  /** Family name, for messages and benchmarks; uids.ts says which syntaxes are this family's. */
  readonly name: DecoderFamily;
  /** Decode one frame's fragments (native data: one element). */
  decode(fragments: readonly Uint8Array[], info: PixelInfo, context: DecodeContext): RawFrame | Promise<RawFrame>;
}

/**
 * Bytes of one frame's samples as the attributes describe them; with `chromaSubsampled`, the
 * two thirds of native YBR_FULL_422 (see {@link nativeChromaSubsampled}).
 */
export function frameBytes(info: PixelInfo, layout: { chromaSubsampled?: boolean } = {}): number {
  const samples = info.rows * info.columns * info.samplesPerPixel;
  const bytes = info.bitsAllocated === 1 ? Math.ceil(samples / 8) : samples * (info.bitsAllocated / 8);
  return layout.chromaSubsampled ? (bytes / 3) * 2 : bytes;
}

/**
 * Whether native (uncompressed) data with these attributes stores YBR_FULL_422 subsampled:
 * two Y samples per Cb Cr pair (PS3.3 C.7.6.3.1.2). Encapsulated syntaxes decode to full size
 * (RLE writers store full-size planes; JPEG codecs upsample).
 */
export function nativeChromaSubsampled(info: PixelInfo): boolean {
  return info.photometricInterpretation === 'YBR_FULL_422' && info.samplesPerPixel === 3 && info.bitsAllocated >= 8;
}

/** A RawFrame with the frame's own geometry and photometric interpretation. */
export function rawFrame(
  info: PixelInfo,
  ptr: number,
  layout: { bigEndian?: boolean; planar?: boolean; chromaSubsampled?: boolean; bytePlanes?: boolean } = {},
): RawFrame {
  const frame: RawFrame = {
    ptr,
    rows: info.rows,
    columns: info.columns,
    samplesPerPixel: info.samplesPerPixel,
    bitsAllocated: info.bitsAllocated,
    bigEndian: layout.bigEndian ?? false,
    planar: layout.planar ?? false,
    photometricInterpretation: info.photometricInterpretation,
  };
  if (layout.chromaSubsampled) frame.chromaSubsampled = true;
  if (layout.bytePlanes) frame.bytePlanes = true;
  return frame;
}
