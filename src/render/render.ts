/**
 * A decoded frame → 8-bit grey or RGB for display: VOI LUT (PS3.3 C.11.2), MONOCHROME1 and
 * Presentation LUT Shape INVERSE (C.7.6.3.1.2, C.11.6.1.2), area-averaging downscale.
 * Synchronous; the kernels run above the arena's top, so a decode waiting on a codec keeps its
 * memory.
 */
import { check as checkStatus, DecodeError } from '../errors.js';
import type { DecodedFrame, PixelArray, VoiLut } from '../types.js';
import { outputTypeOfArray, outputTypeOfKind } from '../pipeline/output.js';
import { invalidValue } from '../validate.js';
import { VoiFunction } from '../wasm/kernels.generated.js';
import { discardKernels, kernelsSync, SampleKind, type Kernels } from '../wasm/kernels.js';

/** Options of {@link renderFrame}. */
export interface RenderOptions {
  /**
   * VOI LUT for grey frames: its VOI LUT Sequence (`lut`) when present, as pydicom prefers, else
   * its window (`windowCenter`, `windowWidth`, `function`, default LINEAR). Default, and for an
   * unusable window (width below 1 for LINEAR, not above 0 otherwise): a min/max window over
   * the frame. Colour frames use only the window, sample by sample; default: 0..2^n − 1, n ≥ 8
   * the fewest bits that hold `maxValue`.
   */
  voiLut?: VoiLut | undefined;
  /**
   * Invert the grey levels (lowest value white). Default: the frame is MONOCHROME1 or
   * `presentationLutShape` is INVERSE.
   */
  invert?: boolean | undefined;
  /** Presentation LUT Shape (2050,0020) of the image; INVERSE inverts (C.11.6.1.2). */
  presentationLutShape?: string | undefined;
  /** Longest side of the output in pixels; never upscaled. Default: the frame's own size. */
  size?: number | undefined;
  /**
   * Pixel Spacing (row spacing, column spacing): when given, the output has the physical
   * aspect ratio. Default: square pixels.
   */
  pixelSpacing?: readonly [number, number] | undefined;
}

/** An 8-bit image for display: rows of `width` pixels of `channels` interleaved samples. */
export interface RenderedFrame {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}


type Mapping =
  | { op: 'window'; fn: number; center: number; width: number }
  | { op: 'lut'; lut: NonNullable<VoiLut['lut']> };

const invalid = (name: string, expected: string, actual: unknown) => invalidValue('INVALID_OPTIONS', name, expected, actual);

/** A usable window, or undefined (C.11.2.1.2: LINEAR needs a width of at least 1, the others above 0). */
function windowOf(voiLut: VoiLut | undefined): Mapping | undefined {
  if (!voiLut) return undefined;
  const { windowCenter: center, windowWidth: width } = voiLut;
  const fn = VoiFunction[voiLut.function ?? 'LINEAR'];
  if (fn === undefined || center === undefined || width === undefined || !Number.isFinite(center) || !Number.isFinite(width)) {
    return undefined;
  }
  if (fn === VoiFunction.LINEAR ? width < 1 : width <= 0) return undefined;
  return { op: 'window', fn, center, width };
}

/** low..high mapped linearly onto 0..255 (a LINEAR_EXACT window); one value maps to 0. */
function rangeWindow(low: number, high: number): Mapping {
  if (!(high > low)) return { op: 'window', fn: VoiFunction.LINEAR_EXACT, center: (Number.isFinite(low) ? low : 0) + 0.5, width: 1 };
  return { op: 'window', fn: VoiFunction.LINEAR_EXACT, center: (low + high) / 2, width: high - low };
}

function mappingFor(frame: KernelFrame, voiLut: VoiLut | undefined, colourBits: number | undefined): Mapping {
  if (frame.samplesPerPixel === 3) {
    // C.11.2 applies VOI to grey images; colour samples only get scaled to 8 bits.
    const bits = colourBits ?? Math.max(8, Number.isFinite(frame.maxValue) && frame.maxValue > 0 ? Math.ceil(Math.log2(frame.maxValue + 1)) : 8);
    return windowOf(voiLut) ?? rangeWindow(0, 2 ** bits - 1);
  }
  if (voiLut?.lut && voiLut.lut.data.length > 0) return { op: 'lut', lut: voiLut.lut };
  return windowOf(voiLut) ?? rangeWindow(frame.minValue, frame.maxValue);
}

/** Output size: the physical aspect ratio, longest side at most `size`, never above the frame's. */
function outputSize(rows: number, columns: number, options: RenderOptions): { width: number; height: number } {
  const [rowSpacing, columnSpacing] = options.pixelSpacing ?? [1, 1];
  const physicalWidth = columns * columnSpacing;
  const physicalHeight = rows * rowSpacing;
  const limit = options.size ?? Infinity;
  const scale = Math.min(limit / Math.max(physicalWidth, physicalHeight), columns / physicalWidth, rows / physicalHeight);
  return {
    width: Math.min(columns, Math.max(1, Math.round(physicalWidth * scale))),
    height: Math.min(rows, Math.max(1, Math.round(physicalHeight * scale))),
  };
}

function validate(frame: DecodedFrame, options: RenderOptions): SampleKind {
  validateOptions(options);
  if (typeof frame !== 'object' || frame === null) throw invalid('frame', 'a DecodedFrame', frame);
  const kind = outputTypeOfArray(frame.pixels)?.kind;
  if (kind === undefined) throw invalid('frame.pixels', 'a typed array of a decode', frame.pixels);
  const { rows, columns, samplesPerPixel } = frame;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(columns) || columns < 1) {
    throw invalid('frame.rows and frame.columns', 'positive integers', `${rows} x ${columns}`);
  }
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) throw invalid('frame.samplesPerPixel', '1 or 3', samplesPerPixel);
  if (frame.pixels.length < rows * columns * samplesPerPixel) {
    throw invalid('frame.pixels.length', `at least ${rows * columns * samplesPerPixel}`, frame.pixels.length);
  }
  const ybr = frame.photometricInterpretation === 'YBR_FULL' || frame.photometricInterpretation === 'YBR_FULL_422';
  if (samplesPerPixel === 3 && ybr && kind !== SampleKind.Uint8) {
    throw new DecodeError('INVALID_OPTIONS', `render ${frame.photometricInterpretation} frames of more than 8 bits decoded with colorSpace 'rgb'`);
  }
  return kind;
}

function validateOptions(options: RenderOptions): void {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  if (options.size !== undefined && (!Number.isInteger(options.size) || options.size < 1)) {
    throw invalid('size', 'a positive integer', options.size);
  }
  const spacing = options.pixelSpacing;
  if (spacing !== undefined && !(spacing.length === 2 && spacing.every((value) => Number.isFinite(value) && value > 0))) {
    throw invalid('pixelSpacing', 'two positive numbers', spacing);
  }
}

/**
 * Render a decoded frame as an 8-bit grey or RGB image: VOI LUT Sequence or window (LINEAR,
 * LINEAR_EXACT, SIGMOID; PS3.3 C.11.2.1.2-3) on grey frames, else a min/max window; MONOCHROME1
 * and Presentation LUT Shape INVERSE inverted; YBR_FULL converted to RGB; area-averaging
 * downscale to `size`, aspect ratio kept. Synchronous: in a browser's main thread, await a
 * decode first (the kernels then exist; compiling them synchronously is refused there).
 *
 * @param frame A frame from decodeFrame / decodeFile, usually with its Modality LUT applied
 *   (windows are in modality units).
 * @param options See {@link RenderOptions}.
 * @returns `data` (width × height × channels bytes), `width`, `height`, `channels`.
 * @throws {DecodeError} INVALID_OPTIONS for a malformed frame or option.
 * @example
 * const image = openDicom(bytes);
 * const frame = await image.decodeFrame(0);
 * const { data, width, height } = renderFrame(frame, { voiLut: image.frameVoiLut(0), size: 256 });
 */
export function renderFrame(frame: DecodedFrame, options: RenderOptions = {}): RenderedFrame {
  const kind = validate(frame, options);
  const kernels = kernelsSync();
  try {
    kernels.reset();
    const count = frame.rows * frame.columns * frame.samplesPerPixel;
    const type = outputTypeOfKind(kind);
    const ptr = kernels.alloc(count * type.ctor.BYTES_PER_ELEMENT);
    new type.ctor(kernels.fn.memory.buffer, ptr, count).set((frame.pixels as PixelArray).subarray(0, count));
    return renderInKernels(kernels, { ...frame, ptr, kind }, options);
  } catch (error) {
    throw asRenderError(error, kernels);
  }
}

/** A frame's output values in kernel memory, with what rendering needs to know of them. */
export type KernelFrame = Pick<DecodedFrame, 'rows' | 'columns' | 'samplesPerPixel' | 'photometricInterpretation' | 'minValue' | 'maxValue'> & {
  ptr: number;
  kind: SampleKind;
};

/**
 * Render values already in kernel memory (renderFrame after copying them in; thumbnails straight
 * from the decode). Allocates above them in the arena of the caller's synchronous turn.
 * `colourBits`: the bits colour samples span (default: from `maxValue`, see RenderOptions.voiLut).
 */
export function renderInKernels(kernels: Kernels, frame: KernelFrame, options: RenderOptions, colourBits?: number): RenderedFrame {
  const { rows, columns, kind } = frame;
  const channels = frame.samplesPerPixel as 1 | 3;
  const mapping = mappingFor(frame, options.voiLut, colourBits);
  const grey = channels === 1;
  const invert = options.invert ?? (grey && (frame.photometricInterpretation === 'MONOCHROME1' || options.presentationLutShape === 'INVERSE'));
  const { width, height } = outputSize(rows, columns, options);
  const count = rows * columns * channels;
  const src = frame.ptr;
  if (!grey && (frame.photometricInterpretation === 'YBR_FULL' || frame.photometricInterpretation === 'YBR_FULL_422')) {
    check(kernels.fn.ybrFullToRgb(src, src, rows * columns, 1, 8, kernels.result));
  }
  const mapped = kind === SampleKind.Uint8 ? src : kernels.alloc(count);
  if (mapping.op === 'lut') {
    const { lut } = mapping;
    const table = kernels.alloc(lut.data.length * 2);
    new Uint16Array(kernels.fn.memory.buffer, table, lut.data.length).set(lut.data);
    const bits = Math.min(16, Math.max(1, lut.bitsPerEntry));
    check(kernels.fn.voiLut(kind, src, mapped, count, table, lut.data.length, lut.firstMapped, 255 / (2 ** bits - 1), invert));
  } else {
    const values = integerValues(kind, frame, count);
    if (values) {
      // Fewer distinct values than samples: window each value once, then look them up.
      const table = kernels.alloc(values.entries);
      check(kernels.fn.voiWindowTable(kind, src, mapped, count, mapping.fn, mapping.center, mapping.width, invert, table, values.low, values.entries));
    } else {
      check(kernels.fn.voiWindow(kind, src, mapped, count, mapping.fn, mapping.center, mapping.width, invert));
    }
  }
  let out = mapped;
  if (width !== columns || height !== rows) {
    const scratch = kernels.alloc(kernels.fn.boxScratchBytes(columns, rows, channels, width));
    out = kernels.alloc(width * height * channels);
    check(kernels.fn.boxDownscale(mapped, columns, rows, channels, out, width, height, scratch));
  }
  const data = new Uint8Array(width * height * channels);
  data.set(kernels.bytes(out, data.length));
  return { data, width, height, channels };
}

/**
 * The integer values a frame holds, [low, low + entries), when a table of them is smaller than
 * the frame: 8-bit samples always, wider integers by the frame's min/max (the kernel clamps, so
 * a wrong min/max cannot read outside the table).
 */
function integerValues(kind: SampleKind, frame: KernelFrame, count: number): { low: number; entries: number } | undefined {
  if (kind === SampleKind.Uint8) return { low: 0, entries: 256 };
  if (kind === SampleKind.Int8) return { low: -128, entries: 256 };
  if (kind === SampleKind.Float32 || kind === SampleKind.Float64) return undefined;
  const { minValue: low, maxValue: high } = frame;
  if (!Number.isInteger(low) || !Number.isInteger(high) || high < low) return undefined;
  const entries = high - low + 1;
  return entries <= 65536 && entries < count && low >= -(2 ** 31) && high < 2 ** 31 ? { low, entries } : undefined;
}

/** A render kernel that refuses its input was given a frame no decode makes. */
const check = (status: number) => checkStatus(status, undefined, 'INVALID_OPTIONS');

/** A trap inside a kernel discards the instance (the next user gets a fresh one). */
function asRenderError(error: unknown, kernels: Kernels): DecodeError {
  if (error instanceof DecodeError) return error;
  discardKernels(kernels);
  return new DecodeError('CORRUPT_DATA', `rendering failed: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
}
