import type { DecodeOptions, PixelInfo } from '../types.js';
import type { DecoderFamily } from '../uids.js';
import type { Kernels } from '../wasm/kernels.js';
import { DecodeError } from '../errors.js';
import type { RawFrame, RawValues } from '../raw.js';

export interface DecodeContext {
  kernels: Kernels;
  transferSyntaxUID: string;
  options: DecodeOptions;
}

/**
 * One decoder per transfer-syntax family, in two phases (the contract is written on
 * {@link RawFrame} in src/raw.ts):
 * - `prepare` (optional, asynchronous) loads what `decode` needs, such as a codec module; it
 *   may read the frame, and the kernels synchronously, but leaves nothing in the arena that
 *   `decode` relies on;
 * - `decode` (synchronous) runs from the arena's reset to its report without awaiting. A codec
 *   it needs that is not loaded (`prepare` not run, the choice made from the codestream, or the
 *   module discarded since) is a `CodecNotReady` (src/wasm/codecs.ts); the caller loads it,
 *   resets the arena and calls `decode` again.
 */
export interface Decoder {
  /** Family name, for messages and benchmarks; uids.ts says which syntaxes are this family's. */
  readonly name: DecoderFamily;
  /** What decodes the codestream, for people: the kernels of this package or the library named. */
  readonly codec: string;
  prepare?(fragments: readonly Uint8Array[], info: PixelInfo, context: DecodeContext): Promise<unknown> | undefined;
  /** Decode one frame's fragments (native data: one element). */
  decode(fragments: readonly Uint8Array[], info: PixelInfo, context: DecodeContext): RawFrame;
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

/** Samples at High Bit as the attributes say (native and RLE data). */
export const AT_HIGH_BIT: RawValues = { at: 'highBit' };

/**
 * Samples of `bytes` bytes each (1 or 2: what codecs deliver), interleaved, little-endian, in
 * the low bits at the codestream's precision; the frame's geometry unless `geometry` says.
 */
export function codecFrame(
  info: PixelInfo,
  ptr: number,
  bytes: 1 | 2,
  values: RawValues,
  geometry: Partial<Pick<RawFrame, 'rows' | 'columns' | 'samplesPerPixel' | 'photometricInterpretation'>> & { planar?: boolean } = {},
): RawFrame {
  // One literal shape (object spread is slow on this path).
  return {
    ptr,
    rows: geometry.rows ?? info.rows,
    columns: geometry.columns ?? info.columns,
    samplesPerPixel: geometry.samplesPerPixel ?? info.samplesPerPixel,
    photometricInterpretation: geometry.photometricInterpretation ?? info.photometricInterpretation,
    values,
    layout: geometry.planar ? 'planar' : 'interleaved',
    bitsAllocated: bytes === 1 ? 8 : 16,
    byteOrder: 'little',
  };
}

/** Bits Allocated of a validated frame that is not packed bits. */
export function sampleBits(info: PixelInfo): 8 | 16 | 32 | 64 {
  const bits = info.bitsAllocated;
  if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64) throw new DecodeError('INVALID_PIXEL_INFO', `Bits Allocated ${bits} is not 8, 16, 32 or 64`);
  return bits;
}
