/**
 * Raw decoder output → stored values, once for every codec (PS3.3 C.7.6.3.1): 1-bit
 * unpacking, YBR_FULL_422 chroma upsampling, planar → interleaved, byte order, masking to Bits
 * Stored at High Bit and sign extension when Pixel Representation is 1. Colour conversion
 * follows in pipeline/color.ts.
 */
import { DecodeError, kernelError } from '../errors.js';
import type { PixelInfo } from '../types.js';
import type { RawFrame } from '../decoders/decoder.js';
import { SampleKind, type Kernels } from '../wasm/kernels.js';

/** Stored values of one frame in kernel memory. */
export interface StoredFrame {
  ptr: number;
  kind: SampleKind;
  /** Number of samples (rows × columns × samples per pixel). */
  count: number;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  /** Smallest and largest stored value. */
  min: number;
  max: number;
}

/** The sample kind of stored values: by Bits Allocated, Pixel Representation, and float formats. */
export function storedKind(info: PixelInfo): SampleKind {
  if (info.pixelDataFormat === 'float') return SampleKind.Float32;
  if (info.pixelDataFormat === 'double') return SampleKind.Float64;
  // Colour samples are unsigned whatever Pixel Representation says.
  const signed = info.pixelRepresentation === 1 && info.samplesPerPixel === 1;
  switch (info.bitsAllocated) {
    case 1:
      return SampleKind.Uint8;
    case 8:
      return signed ? SampleKind.Int8 : SampleKind.Uint8;
    case 16:
      return signed ? SampleKind.Int16 : SampleKind.Uint16;
    case 32:
      return signed ? SampleKind.Int32 : SampleKind.Uint32;
    default:
      throw new DecodeError('INVALID_PIXEL_INFO', `Bits Allocated ${info.bitsAllocated} needs Float or Double Float Pixel Data`);
  }
}

/** The smallest and largest stored value the attributes allow. */
export function storedRange(info: PixelInfo): [number, number] {
  if (info.bitsAllocated === 1) return [0, 1];
  const bits = info.bitsStored;
  if (info.pixelRepresentation === 1 && info.samplesPerPixel === 1) return [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
  return [0, 2 ** bits - 1];
}

/**
 * Where the stored value sits in the raw samples and how wide it is (PS3.5 8.2, DESIGN
 * "Stored values first"): native and RLE data at High Bit with Bits Stored bits; codec output
 * in the low bits at the codestream's precision P. Where P exceeds Bits Stored, a lossless
 * decode is masked to Bits Stored (the extra bits are the native data's bits above High Bit),
 * a lossy one keeps all P bits (2047 may come back as 2048; masking would wrap it to -2048).
 * Signed data is sign-extended at that width: a JPEG 2000 codec's signed samples are already,
 * JPEG and JPEG-LS samples (which have no sign) are the two's-complement pattern.
 */
export function storedBits(raw: RawFrame, info: PixelInfo): { highBit: number; bits: number } {
  const precision = raw.precision;
  if (precision === undefined) return { highBit: info.highBit ?? info.bitsStored - 1, bits: info.bitsStored };
  const bits = precision <= info.bitsStored || raw.lossy ? precision : info.bitsStored;
  return { highBit: bits - 1, bits };
}

export function toStored(raw: RawFrame, info: PixelInfo, kernels: Kernels): StoredFrame {
  const kind = storedKind(info);
  const count = raw.rows * raw.columns * raw.samplesPerPixel;
  // Bits Allocated 1 is unpacked to one byte per sample; a codec delivers it as bytes already.
  const targetBits = info.bitsAllocated === 1 ? 8 : info.bitsAllocated;
  let ptr = raw.ptr;
  let bitsAllocated = raw.bitsAllocated;
  if (bitsAllocated === 1) {
    const unpacked = kernels.alloc(count);
    check(kernels.fn.unpackBits(ptr, unpacked, count));
    ptr = unpacked;
    bitsAllocated = 8;
  } else if (bitsAllocated !== targetBits && !isFloatKind(kind)) {
    // A codec may deliver fewer bits per sample than Bits Allocated (JPEG-LS / JPEG 2000 with a
    // precision of 8 in a 16-bit frame): its samples go in the low bits (PS3.5 8.2).
    if (bitsAllocated > targetBits) {
      throw new DecodeError('INVALID_PIXEL_INFO', `the codec delivered ${bitsAllocated}-bit samples, Bits Allocated is ${info.bitsAllocated}`);
    }
    const widened = kernels.alloc(count * (targetBits / 8));
    check(kernels.fn.widenSamples(ptr, count, widened, bitsAllocated / 8, targetBits / 8));
    ptr = widened;
    bitsAllocated = targetBits;
  }
  const bytesPerSample = bitsAllocated / 8;
  if (raw.chromaSubsampled) {
    // Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): repeat each pixel pair's Cb Cr to full size.
    const full = kernels.alloc(count * bytesPerSample);
    check(kernels.fn.upsampleYbr422(ptr, full, (raw.rows * raw.columns) / 2, bytesPerSample));
    ptr = full;
  }
  if (raw.planar) {
    const interleaved = kernels.alloc(count * bytesPerSample);
    check(kernels.fn.interleavePlanes(ptr, raw.rows * raw.columns, interleaved, raw.samplesPerPixel, bytesPerSample));
    ptr = interleaved;
  }
  const isFloat = isFloatKind(kind);
  const { highBit, bits } = storedBits(raw, info);
  // (v << (BA - HB - 1)) >> (BA - BS): keep bits [HB - BS + 1, HB], sign-extend if signed.
  const fixed = isFloat || raw.bitsAllocated === 1;
  const leftShift = fixed ? 0 : bitsAllocated - highBit - 1;
  const rightShift = fixed ? 0 : bitsAllocated - bits;
  // Byte planes are interleaved into a new region in the same pass; other layouts in place.
  const layout = raw.bytePlanes ? Layout.BytePlanes : raw.bigEndian ? Layout.BigEndian : Layout.LittleEndian;
  if (raw.bytePlanes && (bytesPerSample !== 2 || raw.samplesPerPixel !== 1 || raw.planar)) {
    throw new DecodeError('INVALID_PIXEL_INFO', 'byte planes are 16-bit single-sample data');
  }
  if (leftShift < 0 || rightShift < 0) {
    throw new DecodeError('INVALID_PIXEL_INFO', `${bits}-bit samples at high bit ${highBit} do not fit in ${bitsAllocated} bits`);
  }
  const source = ptr;
  if (raw.bytePlanes) ptr = kernels.alloc(count * bytesPerSample);
  check(kernels.fn.storedValues(source, ptr, count, kind, leftShift, rightShift, layout, kernels.result));
  const { min, max } = kernels.range();
  return {
    ptr,
    kind,
    count,
    rows: raw.rows,
    columns: raw.columns,
    samplesPerPixel: raw.samplesPerPixel,
    photometricInterpretation: raw.photometricInterpretation,
    min,
    max,
  };
}

/** Raw sample layouts, numbered as in assembly/unpack.ts. */
const Layout = { LittleEndian: 0, BigEndian: 1, BytePlanes: 2 } as const;

function isFloatKind(kind: SampleKind): boolean {
  return kind === SampleKind.Float32 || kind === SampleKind.Float64;
}

function check(status: number): void {
  if (status < 0) throw kernelError(status);
}
