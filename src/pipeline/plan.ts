/**
 * One frame plan: the attributes and options interpreted once, before anything is decoded.
 * Every stage (stored values, colour, Modality LUT, copy-out) reads the plan together with the
 * decoder's report (src/raw.ts), and derives nothing from the attributes itself.
 */
import { DecodeError } from '../errors.js';
import type { DecodeOptions, OutputTypeName, PixelInfo } from '../types.js';
import { SampleKind } from '../wasm/kernels.js';
import { validateOptions, validatePixelInfo } from '../validate.js';
import { storedKind } from './frame.js';
import { outputPixelInfo, palettePlan, type ColorSpace, type PalettePlan } from './color.js';
import { planModality, type ModalityPlan } from './modality.js';

/** Default of {@link DecodeOptions.maxFrameBytes}: 1 GiB. */
export const DEFAULT_MAX_FRAME_BYTES = 2 ** 30;

/** How one frame's samples become output values. */
export interface FramePlan {
  /** The validated attributes. */
  info: PixelInfo;
  options: DecodeOptions;
  colorSpace: ColorSpace;
  /** The stored values (PS3.5 8.2): their kind, and where they sit in native and RLE samples. */
  stored: {
    kind: SampleKind;
    /** Bits per stored sample in memory: Bits Allocated, and 8 for unpacked 1-bit data. */
    bitsAllocated: number;
    highBit: number;
    bitsStored: number;
    float: boolean;
  };
  /** PALETTE COLOR to RGB: the checked tables (with `colorSpace: 'rgb'`). */
  palette?: PalettePlan;
  /** Bytes of the frame's stored samples (1-bit samples counted as bytes, as they are unpacked). */
  storedBytes: number;
  /** The attributes of what comes out after colour conversion. */
  output: PixelInfo;
  modality: ModalityPlan;
  modalityLutApplied: boolean;
}

/**
 * Validate and plan a frame's decode.
 * @throws {DecodeError} INVALID_PIXEL_INFO, INVALID_OPTIONS, FRAME_TOO_LARGE.
 */
export function planFrame(info: PixelInfo, options: DecodeOptions): FramePlan {
  validateOptions(options);
  validatePixelInfo(info);
  const colorSpace = options.colorSpace ?? 'rgb';
  // Colour conversion changes the samples per pixel (palettes) and the type the plan starts from.
  const output = outputPixelInfo(info, colorSpace);
  const modality = planModality(output, options.modalityLut, options.outputType ?? 'auto');
  const storedBytes = info.rows * info.columns * info.samplesPerPixel * Math.max(1, info.bitsAllocated / 8);
  checkFrameSize(info, storedBytes, output.samplesPerPixel, modality.output.ctor.BYTES_PER_ELEMENT, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  if (options.into !== undefined && !(options.into instanceof modality.output.ctor)) {
    throw new DecodeError('INVALID_OPTIONS', `expected into to be a ${modality.output.name}, got ${options.into.constructor.name}`);
  }
  const kind = storedKind(info);
  const plan: FramePlan = {
    info,
    options,
    colorSpace,
    stored: {
      kind,
      bitsAllocated: info.bitsAllocated === 1 ? 8 : info.bitsAllocated,
      highBit: info.highBit ?? info.bitsStored - 1,
      bitsStored: info.bitsStored,
      float: kind === SampleKind.Float32 || kind === SampleKind.Float64,
    },
    storedBytes,
    output,
    modality,
    modalityLutApplied: !!options.modalityLut && output.samplesPerPixel === 1,
  };
  const palette = colorSpace === 'rgb' ? palettePlan(info) : undefined;
  if (palette) plan.palette = palette;
  return plan;
}

/**
 * Refuse a frame whose stored or output samples would exceed `limit` bytes, before anything is
 * allocated: attributes are claims (65535 × 65535 × 3 fits in the tags, not in a browser tab).
 */
function checkFrameSize(info: PixelInfo, storedBytes: number, outputSamplesPerPixel: number, outputBytesPerSample: number, limit: number): void {
  const outputBytes = info.rows * info.columns * outputSamplesPerPixel * outputBytesPerSample;
  const bytes = Math.max(storedBytes, outputBytes);
  if (bytes > limit) {
    throw new DecodeError(
      'FRAME_TOO_LARGE',
      `${info.columns}×${info.rows}×${info.samplesPerPixel} needs ${bytes} bytes, the limit (maxFrameBytes) is ${limit}`,
    );
  }
}

/** What a decode with these attributes and options outputs (see {@link outputInfoFor}). */
export interface OutputInfo {
  outputType: OutputTypeName;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  /** rows × columns × samples per pixel: the elements an `into` buffer needs. */
  length: number;
}

/**
 * What `decodeFrame(data, transferSyntaxUID, info, options)` will output, from the attributes
 * and options alone: to size an `into` buffer, or to allocate a series' volume before decoding.
 * (The photometric interpretation is the decode's to report: a codec may convert colour.)
 * At full resolution: with `resolutionLevel` the frame comes out smaller (as the codestream's
 * decomposition levels allow), so this is the most it can need.
 *
 * @throws {DecodeError} INVALID_PIXEL_INFO, INVALID_OPTIONS, FRAME_TOO_LARGE, as decodeFrame.
 * @example
 * const { outputType, length } = outputInfoFor(info, { modalityLut });
 * const volume = new Int16Array(length * frames);   // outputType is 'Int16Array'
 */
export function outputInfoFor(info: PixelInfo, options: DecodeOptions = {}): OutputInfo {
  const { output, modality } = planFrame(info, options);
  return {
    outputType: modality.output.name,
    rows: info.rows,
    columns: info.columns,
    samplesPerPixel: output.samplesPerPixel,
    length: info.rows * info.columns * output.samplesPerPixel,
  };
}
