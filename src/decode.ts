/** decodeFrame: one frame's bytes → decoder → stored values → colour → modality LUT → typed array. */
import { DecodeError, withContext } from './errors.js';
import type { DecodedFrame, DecodeOptions, PixelArray, PixelInfo } from './types.js';
import { decoderFor } from './decoders/registry.js';
import type { Decoder } from './decoders/decoder.js';
import { toStored, type StoredFrame } from './pipeline/frame.js';
import { applyColor } from './pipeline/color.js';
import { applyModality } from './pipeline/modality.js';
import type { OutputType } from './pipeline/output.js';
import { planFrame, type FramePlan } from './pipeline/plan.js';
import { CodecNotReady, recycleCodecs } from './wasm/codecs.js';
import { discardKernels, kernels, loadedKernels, type Kernels } from './wasm/kernels.js';

export { DEFAULT_MAX_FRAME_BYTES } from './pipeline/plan.js';

/**
 * Decode one frame to a typed array of real-world values.
 *
 * @param data The frame: native bytes, or the encapsulated frame's fragment(s).
 * @param transferSyntaxUID The transfer syntax of `data`.
 * @param info The Image Pixel Module attributes of the frame.
 * @param options See {@link DecodeOptions}; here the Modality LUT is applied only when given.
 * @returns The decoded frame with its min/max.
 * @throws {DecodeError} UNSUPPORTED_TRANSFER_SYNTAX, INVALID_PIXEL_INFO, INVALID_OPTIONS,
 *   FRAME_TOO_LARGE, TRUNCATED, CORRUPT_DATA, OUT_OF_MEMORY.
 * @example
 * const frame = await decodeFrame(fragment, '1.2.840.10008.1.2.5', info,
 *   { modalityLut: { rescaleSlope: 1, rescaleIntercept: -1024 } });
 * frame.pixels; // Int16Array of Hounsfield units
 */
export function decodeFrame(
  data: Uint8Array | readonly Uint8Array[],
  transferSyntaxUID: string,
  info: PixelInfo,
  options: DecodeOptions = {},
): Promise<DecodedFrame> {
  return decodeWith(data, transferSyntaxUID, info, options, copyOut);
}

/** One decoded frame's output values, still in kernel memory (`count` output samples). */
export type FrameResult = Omit<StoredFrame, 'kind'> & { output: OutputType };

/** Reads a decoded frame out of kernel memory, synchronously (the arena is the decode's until it returns). */
export type FrameSink<T> = (kernels: Kernels, result: FrameResult, plan: FramePlan) => T;

/** How often a decode starts again when what it loaded vanished (a trap elsewhere discarded it). */
const ATTEMPTS = 3;

/**
 * Decode one frame and hand the result, in kernel memory, to `sink`: decodeFrame copies it out,
 * thumbnails render it where it is. Everything asynchronous (kernels, codec modules) happens
 * before the arena is reset; from there to `sink`'s return the work is synchronous, so decodes
 * in one realm need no queue.
 */
export function decodeWith<T>(
  data: Uint8Array | readonly Uint8Array[],
  transferSyntaxUID: string,
  info: PixelInfo,
  options: DecodeOptions,
  sink: FrameSink<T>,
): Promise<T> {
  try {
    const plan = planFrame(info, options);
    const fragments = data instanceof Uint8Array ? [data] : Array.from(data);
    if (fragments.length === 0 || !fragments.every((part) => part instanceof Uint8Array)) {
      throw new DecodeError('INVALID_OPTIONS', 'expected data to be a Uint8Array or a non-empty array of them');
    }
    const decoder = decoderFor(transferSyntaxUID);
    return run(decoder, fragments, transferSyntaxUID, plan, sink);
  } catch (error) {
    return Promise.reject(error instanceof DecodeError ? withContext(error, { transferSyntaxUID }) : error);
  }
}

async function run<T>(decoder: Decoder, fragments: Uint8Array[], transferSyntaxUID: string, plan: FramePlan, sink: FrameSink<T>): Promise<T> {
  const failed = (error: unknown, instance: Kernels) =>
    withContext(asDecodeError(error, instance, transferSyntaxUID), { transferSyntaxUID, codec: decoder.name });
  for (let attempt = 1; ; attempt++) {
    let prepared = loadedKernels();
    if (!prepared) {
      try {
        prepared = await kernels();
      } catch (error) {
        throw error instanceof DecodeError ? withContext(error, { transferSyntaxUID, codec: decoder.name }) : error;
      }
    }
    const prepareContext = { kernels: prepared, transferSyntaxUID, options: plan.options };
    try {
      const pending = decoder.prepare?.(fragments, plan.info, prepareContext);
      if (pending) await pending;
    } catch (error) {
      throw failed(error, prepared);
    }
    // The synchronous part: from here to the sink's return nothing else touches the arena.
    const instance = loadedKernels();
    if (!instance) {
      // A trap elsewhere discarded the kernels while a codec loaded: start again, a few times.
      if (attempt >= ATTEMPTS) throw new DecodeError('CORRUPT_DATA', 'the kernels were discarded while this frame waited for a codec', transferSyntaxUID, { codec: decoder.name });
      continue;
    }
    try {
      instance.reset();
      const raw = decoder.decode(fragments, plan.info, { kernels: instance, transferSyntaxUID, options: plan.options });
      const stored = applyColor(toStored(raw, plan, instance), plan, instance);
      const result = applyModality(stored, plan.modality, instance);
      return sink(instance, {
        ptr: result.ptr,
        output: result.output,
        count: stored.count,
        rows: stored.rows,
        columns: stored.columns,
        samplesPerPixel: stored.samplesPerPixel,
        photometricInterpretation: stored.photometricInterpretation,
        min: result.min,
        max: result.max,
      }, plan);
    } catch (error) {
      if (!(error instanceof CodecNotReady) || attempt >= ATTEMPTS) throw failed(error, instance);
      try {
        await error.load();
      } catch (cause) {
        throw failed(cause, instance);
      }
    } finally {
      // Whatever a codec produced is in kernel memory or gone: a codec heap grown too large can go.
      recycleCodecs(plan.storedBytes);
    }
  }
}

/** The result as decodeFrame returns it: into the caller's buffer, or a new array (never `slice`). */
function copyOut(instance: Kernels, result: FrameResult, plan: FramePlan): DecodedFrame {
  const { output, count } = result;
  const view = new output.ctor(instance.fn.memory.buffer, result.ptr, count);
  const into = plan.options.into as PixelArray | undefined;
  // Copy-constructing from the view skips the zero fill of `new T(count)` + `set`.
  const pixels = into === undefined ? new output.ctor(view) : placeInto(into, view);
  return {
    pixels,
    rows: result.rows,
    columns: result.columns,
    samplesPerPixel: result.samplesPerPixel,
    photometricInterpretation: result.photometricInterpretation,
    minValue: result.min,
    maxValue: result.max,
    modalityLutApplied: plan.modalityLutApplied,
  };
}

/**
 * Copy `values` to the start of `into` (of the same type, already checked by the plan); the result
 * is `into`, or its start when it is longer.
 */
export function placeInto(into: PixelArray, values: PixelArray): PixelArray {
  if (into.length < values.length) {
    throw new DecodeError('INVALID_OPTIONS', `expected into to be a ${values.constructor.name} of at least ${values.length} elements, got ${into.constructor.name}(${into.length})`);
  }
  (into as { set(array: ArrayLike<number>): void }).set(values);
  return into.length === values.length ? into : into.subarray(0, values.length);
}

/** Anything thrown inside a decode becomes a DecodeError; a trapped module is replaced. */
function asDecodeError(error: unknown, instance: Kernels, transferSyntaxUID: string): DecodeError {
  if (error instanceof DecodeError) return error;
  discardKernels(instance);
  const detail = error instanceof Error ? error.message : String(error);
  return new DecodeError('CORRUPT_DATA', detail, transferSyntaxUID, { cause: error });
}
