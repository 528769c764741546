/**
 * Raw decoder output → stored values, once for every codec (PS3.3 C.7.6.3.1): 1-bit
 * unpacking, YBR_FULL_422 chroma upsampling, planar → interleaved, byte order, masking to Bits
 * Stored at High Bit and sign extension when Pixel Representation is 1. Colour conversion
 * follows in pipeline/color.ts.
 */
import { check, DecodeError } from '../errors.js';
import type { PixelInfo } from '../types.js';
import type { RawFrame, RawValues } from '../raw.js';
import type { FramePlan } from './plan.js';
import { SampleKind, type Kernels } from '../wasm/kernels.js';
import { Layout } from '../wasm/kernels.generated.js';

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
export function storedBits(values: RawValues, stored: Pick<FramePlan['stored'], 'highBit' | 'bitsStored'>): { highBit: number; bits: number } {
  if (values.at === 'highBit') return { highBit: stored.highBit, bits: stored.bitsStored };
  const { precision } = values;
  const bits = precision <= stored.bitsStored || values.lossy ? precision : stored.bitsStored;
  return { highBit: bits - 1, bits };
}

/** Raw samples → stored values in kernel memory, one pass per layout step the report needs. */
export function toStored(raw: RawFrame, plan: FramePlan, kernels: Kernels): StoredFrame {
  const { kind, float } = plan.stored;
  const count = raw.rows * raw.columns * raw.samplesPerPixel;
  const pixels = raw.rows * raw.columns;
  let ptr = raw.ptr;
  let layout: Layout = Layout.LittleEndian;
  let bitsAllocated: number;
  let shifts = true;
  switch (raw.layout) {
    case 'packedBits': {
      // Unpacked to one byte per sample, 0 or 1: nothing to mask.
      const unpacked = kernels.alloc(count);
      check(kernels.fn.unpackBits(ptr, unpacked, count));
      ptr = unpacked;
      bitsAllocated = 8;
      shifts = false;
      break;
    }
    case 'bytePlanes':
      // Interleaved into a new region in the pass that masks and sign-extends.
      layout = Layout.BytePlanes;
      bitsAllocated = 16;
      break;
    case 'ybr422':
    case 'planar':
    case 'interleaved': {
      bitsAllocated = raw.bitsAllocated;
      if (raw.byteOrder === 'big') layout = Layout.BigEndian;
      const target = plan.stored.bitsAllocated;
      if (bitsAllocated !== target && !float) {
        // A codec may deliver fewer bits per sample than Bits Allocated (JPEG-LS / JPEG 2000 with a
        // precision of 8 in a 16-bit frame): its samples go in the low bits (PS3.5 8.2).
        if (bitsAllocated > target || raw.byteOrder === 'big') {
          throw new DecodeError('INVALID_PIXEL_INFO', `the codec delivered ${bitsAllocated}-bit samples, Bits Allocated is ${plan.info.bitsAllocated}`);
        }
        const widened = kernels.alloc(count * (target / 8));
        check(kernels.fn.widenSamples(ptr, count, widened, bitsAllocated / 8, target / 8));
        ptr = widened;
        bitsAllocated = target;
      }
      const bytesPerSample = bitsAllocated / 8;
      if (raw.layout === 'ybr422') {
        // Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): repeat each pixel pair's Cb Cr to full size.
        const full = kernels.alloc(count * bytesPerSample);
        check(kernels.fn.upsampleYbr422(ptr, full, pixels / 2, bytesPerSample));
        ptr = full;
      } else if (raw.layout === 'planar') {
        const interleaved = kernels.alloc(count * bytesPerSample);
        check(kernels.fn.interleavePlanes(ptr, pixels, interleaved, raw.samplesPerPixel, bytesPerSample));
        ptr = interleaved;
      }
      shifts = !float;
      break;
    }
  }
  const { highBit, bits } = storedBits(raw.values, plan.stored);
  // (v << (BA - HB - 1)) >> (BA - BS): keep bits [HB - BS + 1, HB], sign-extend if signed.
  const leftShift = shifts ? bitsAllocated - highBit - 1 : 0;
  const rightShift = shifts ? bitsAllocated - bits : 0;
  if (leftShift < 0 || rightShift < 0) {
    throw new DecodeError('INVALID_PIXEL_INFO', `${bits}-bit samples at high bit ${highBit} do not fit in ${bitsAllocated} bits`);
  }
  const source = ptr;
  if (layout === Layout.BytePlanes) ptr = kernels.alloc(count * 2);
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
