/** decodeFrame: one frame's bytes → decoder → stored values → modality LUT → typed array. */
import { DecodeError, withContext } from './errors.js';
import type { DecodedFrame, DecodeOptions, PixelArray, PixelInfo } from './types.js';
import { decoderFor } from './decoders/registry.js';
import { toStored } from './pipeline/frame.js';
import { applyColor, outputPixelInfo } from './pipeline/color.js';
import { applyModality, planModality } from './pipeline/modality.js';
import type { OutputType } from './pipeline/output.js';
import { discardKernels, kernels, type Kernels } from './wasm/kernels.js';
import { validateOptions, validatePixelInfo } from './validate.js';

/** Decodes share one kernel arena, so they run one at a time. */
let queue: Promise<unknown> = Promise.resolve();

function serialized<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Decode one frame to a typed array of real-world values.
 *
 * @param data The frame: native bytes, or the encapsulated frame's fragment(s).
 * @param transferSyntaxUID The transfer syntax of `data`.
 * @param info The Image Pixel Module attributes of the frame.
 * @param options `modalityLut` (default: none), `outputType` (default `'auto'`), `colorSpace`
 *   (default `'rgb'`: YBR_FULL, YBR_FULL_422 and PALETTE COLOR become RGB), `into`.
 * @returns The decoded frame with its min/max.
 * @throws {DecodeError} UNSUPPORTED_TRANSFER_SYNTAX, INVALID_PIXEL_INFO, INVALID_OPTIONS,
 *   TRUNCATED, CORRUPT_DATA.
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
  try {
    validateOptions(options);
    validatePixelInfo(info);
    const fragments = data instanceof Uint8Array ? [data] : Array.from(data);
    if (fragments.length === 0 || !fragments.every((part) => part instanceof Uint8Array)) {
      throw new DecodeError('INVALID_OPTIONS', 'expected data to be a Uint8Array or a non-empty array of them');
    }
    const decoder = decoderFor(transferSyntaxUID);
    const colorSpace = options.colorSpace ?? 'rgb';
    // Colour conversion changes the samples per pixel (palettes) and the type the plan starts from.
    const output = outputPixelInfo(info, colorSpace);
    const plan = planModality(output, options.modalityLut, options.outputType ?? 'auto');
    checkFrameSize(info, output.samplesPerPixel, plan.output.ctor.BYTES_PER_ELEMENT, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    if (options.into !== undefined && !(options.into instanceof plan.output.ctor)) {
      throw new DecodeError('INVALID_OPTIONS', `expected into to be a ${plan.output.name}, got ${options.into.constructor.name}`);
    }
    return serialized(async () => {
      const instance = await kernels();
      try {
        instance.reset();
        const raw = await decoder.decode(fragments, info, { kernels: instance, transferSyntaxUID, options });
        const stored = applyColor(toStored(raw, info, instance), info, colorSpace, instance);
        const result = applyModality(stored, plan, instance);
        const pixels = copyOut(instance, result.ptr, result.output, stored.count, options.into);
        return {
          pixels,
          rows: stored.rows,
          columns: stored.columns,
          samplesPerPixel: stored.samplesPerPixel,
          photometricInterpretation: stored.photometricInterpretation,
          minValue: result.min,
          maxValue: result.max,
          modalityLutApplied: !!options.modalityLut && output.samplesPerPixel === 1,
        };
      } catch (error) {
        throw withContext(asDecodeError(error, instance, transferSyntaxUID), { transferSyntaxUID, codec: decoder.name });
      }
    });
  } catch (error) {
    return Promise.reject(error instanceof DecodeError ? withContext(error, { transferSyntaxUID }) : error);
  }
}

/** Default of {@link DecodeOptions.maxFrameBytes}: 1 GiB. */
export const DEFAULT_MAX_FRAME_BYTES = 2 ** 30;

/**
 * Refuse a frame whose stored or output samples would exceed `limit` bytes, before anything is
 * allocated: attributes are claims (65535 × 65535 × 3 fits in the tags, not in a browser tab).
 */
function checkFrameSize(info: PixelInfo, outputSamplesPerPixel: number, outputBytesPerSample: number, limit: number): void {
  const pixels = info.rows * info.columns;
  const storedBytes = pixels * info.samplesPerPixel * Math.max(1, info.bitsAllocated / 8);
  const outputBytes = pixels * outputSamplesPerPixel * outputBytesPerSample;
  const bytes = Math.max(storedBytes, outputBytes);
  if (bytes > limit) {
    throw new DecodeError(
      'FRAME_TOO_LARGE',
      `${info.columns}×${info.rows}×${info.samplesPerPixel} needs ${bytes} bytes, the limit (maxFrameBytes) is ${limit}`,
    );
  }
}

/** Copy a result out of kernel memory: into the caller's buffer, or a new array (never `slice`). */
function copyOut(instance: Kernels, ptr: number, output: OutputType, count: number, into: ArrayBufferView | undefined): PixelArray {
  const view = new output.ctor(instance.fn.memory.buffer, ptr, count);
  // Copy-constructing from the view skips the zero fill of `new T(count)` + `set`.
  if (into === undefined) return new output.ctor(view);
  if ((into as PixelArray).length < count) {
    const actual = `${into.constructor.name}(${(into as PixelArray).length ?? into.byteLength})`;
    throw new DecodeError('INVALID_OPTIONS', `expected into to be a ${output.name} of at least ${count} elements, got ${actual}`);
  }
  const target = into as PixelArray;
  target.set(view);
  return target.length === count ? target : target.subarray(0, count);
}

/** Anything thrown inside a decode becomes a DecodeError; a trapped module is replaced. */
function asDecodeError(error: unknown, instance: Kernels, transferSyntaxUID: string): DecodeError {
  if (error instanceof DecodeError) return error;
  discardKernels(instance);
  const detail = error instanceof Error ? error.message : String(error);
  return new DecodeError('CORRUPT_DATA', detail, transferSyntaxUID, { cause: error });
}
