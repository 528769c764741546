import type { DecodeOptions, PixelInfo } from '../types.js';
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
  /** Photometric interpretation of these samples (a codec may have converted colour). */
  photometricInterpretation: string;
}

export interface DecodeContext {
  kernels: Kernels;
  transferSyntaxUID: string;
  options: DecodeOptions;
}

/** One decoder per transfer-syntax family. */
export interface Decoder {
  /** Family name, for messages and benchmarks. */
  readonly name: string;
  /** Transfer syntax UIDs this decoder handles. */
  readonly uids: readonly string[];
  /** Decode one frame's fragments (native data: one element). */
  decode(fragments: readonly Uint8Array[], info: PixelInfo, context: DecodeContext): RawFrame | Promise<RawFrame>;
}

/** Bytes of one frame's samples as the attributes describe them. */
export function frameBytes(info: PixelInfo): number {
  const samples = info.rows * info.columns * info.samplesPerPixel;
  return info.bitsAllocated === 1 ? Math.ceil(samples / 8) : samples * (info.bitsAllocated / 8);
}

/** A RawFrame with the frame's own geometry and photometric interpretation. */
export function rawFrame(info: PixelInfo, ptr: number, layout: { bigEndian?: boolean; planar?: boolean } = {}): RawFrame {
  return {
    ptr,
    rows: info.rows,
    columns: info.columns,
    samplesPerPixel: info.samplesPerPixel,
    bitsAllocated: info.bitsAllocated,
    bigEndian: layout.bigEndian ?? false,
    planar: layout.planar ?? false,
    photometricInterpretation: info.photometricInterpretation,
  };
}
