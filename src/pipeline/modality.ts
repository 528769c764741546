/**
 * Modality LUT (PS3.3 C.11.1) and the output type rule: stored values → real-world values.
 * The output type depends on the attributes alone, never on pixel values, so every frame of
 * a series gets the same type.
 */
import { check, DecodeError } from '../errors.js';
import type { ModalityLut, OutputTypeName, PixelInfo } from '../types.js';
import type { Kernels } from '../wasm/kernels.js';
import { storedKind, storedRange, type StoredFrame } from './frame.js';
import { outputPixelInfo, type ColorSpace } from './color.js';
import { asStored, holds, outputTypeNamed, outputTypeOfKind, type OutputType } from './output.js';

/** How stored values become output values. */
export type ModalityPlan =
  | { op: 'identity'; output: OutputType }
  | { op: 'rescale'; output: OutputType; slope: number; intercept: number; integer: boolean }
  | { op: 'lut'; output: OutputType; table: Uint16Array; firstMapped: number };

/** Smallest integer types tried for exact integer output, in order. */
const INTEGER_CANDIDATES: readonly OutputTypeName[] = ['Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Int32Array'];
/** Float32 holds every integer up to 2^24 exactly. */
const FLOAT32_EXACT = 2 ** 24;

/** The LUT or rescale that applies, or undefined for identity (colour data has none). */
function effectiveLut(info: PixelInfo, modalityLut: ModalityLut | false | undefined): ModalityLut | undefined {
  if (!modalityLut || info.samplesPerPixel !== 1) return undefined;
  if (modalityLut.lut) return modalityLut;
  const slope = modalityLut.rescaleSlope ?? 1;
  const intercept = modalityLut.rescaleIntercept ?? 0;
  return slope === 1 && intercept === 0 ? undefined : modalityLut;
}

/**
 * Decide the output type and the operation from attributes only.
 * LUT Sequence → Uint8/Uint16 by bits per entry; rescale with integer slope and intercept →
 * the smallest of Uint8/Int8/Uint16/Int16/Int32 holding the mapped stored range; otherwise
 * Float32, or Float64 when Float32 cannot hold the stored values exactly; identity → the
 * stored type.
 */
export function planModality(
  info: PixelInfo,
  modalityLut: ModalityLut | false | undefined,
  requested: OutputTypeName | 'auto' = 'auto',
): ModalityPlan {
  const lut = effectiveLut(info, modalityLut);
  const stored = outputTypeOfKind(storedKind(info));
  const [storedLow, storedHigh] = storedRange(info);
  const pick = (auto: OutputType) => (requested === 'auto' ? auto : outputTypeNamed(requested));

  if (lut?.lut) {
    if (info.pixelDataFormat === 'float' || info.pixelDataFormat === 'double') {
      throw new DecodeError('INVALID_PIXEL_INFO', 'a Modality LUT Sequence cannot apply to float pixel data');
    }
    const output = pick(outputTypeNamed(lut.lut.bitsPerEntry <= 8 ? 'Uint8Array' : 'Uint16Array'));
    return { op: 'lut', output, table: Uint16Array.from(lut.lut.data), firstMapped: lut.lut.firstMapped };
  }
  const slope = lut?.rescaleSlope ?? 1;
  const intercept = lut?.rescaleIntercept ?? 0;
  if (!Number.isFinite(slope) || !Number.isFinite(intercept)) {
    throw new DecodeError('INVALID_PIXEL_INFO', `rescale slope ${slope} and intercept ${intercept} must be finite`);
  }
  const ends = [storedLow * slope + intercept, storedHigh * slope + intercept];
  const low = Math.min(...ends);
  const high = Math.max(...ends);
  const integerMap = Number.isInteger(slope) && Number.isInteger(intercept) && stored.range !== undefined;

  if (!lut) {
    if (requested === 'auto' || requested === stored.name) return { op: 'identity', output: stored };
    const output = outputTypeNamed(requested);
    return { op: 'rescale', output, slope: 1, intercept: 0, integer: integerMap && holds(output, low, high) };
  }
  let auto: OutputType;
  if (info.pixelDataFormat === 'double') auto = outputTypeNamed('Float64Array');
  else if (integerMap && INTEGER_CANDIDATES.some((name) => holds(outputTypeNamed(name), low, high))) {
    auto = outputTypeNamed(INTEGER_CANDIDATES.find((name) => holds(outputTypeNamed(name), low, high))!);
  } else {
    // Integers map to integers: Float32 must hold the mapped range; otherwise the stored range.
    const magnitude = integerMap ? Math.max(Math.abs(low), Math.abs(high)) : Math.max(Math.abs(storedLow), Math.abs(storedHigh));
    const float32Exact = magnitude <= FLOAT32_EXACT;
    auto = outputTypeNamed(float32Exact ? 'Float32Array' : 'Float64Array');
  }
  const output = pick(auto);
  return { op: 'rescale', output, slope, intercept, integer: integerMap && holds(output, low, high) };
}

/**
 * The output type a decode with `outputType: 'auto'` produces; exported for callers that need it
 * before decoding (`outputInfoFor` gives the whole output: type, samples, length). PALETTE
 * COLOR decodes to RGB of the palette's bits unless `colorSpace` is `'native'`.
 */
export function outputTypeFor(info: PixelInfo, modalityLut?: ModalityLut | false, colorSpace: ColorSpace = 'rgb'): OutputTypeName {
  return planModality(outputPixelInfo(info, colorSpace), modalityLut).output.name;
}

/** Output values in kernel memory, with their range. */
export interface ModalityResult {
  ptr: number;
  output: OutputType;
  min: number;
  max: number;
}

/** Apply the plan to stored values; the result is in kernel memory. */
export function applyModality(stored: StoredFrame, plan: ModalityPlan, kernels: Kernels): ModalityResult {
  const { output } = plan;
  if (plan.op === 'identity') return { ptr: stored.ptr, output, min: stored.min, max: stored.max };
  const dst = kernels.alloc(stored.count * output.ctor.BYTES_PER_ELEMENT);
  if (plan.op === 'lut') {
    const { table } = plan;
    const lutPtr = kernels.alloc(table.byteLength);
    new Uint16Array(kernels.fn.memory.buffer, lutPtr, table.length).set(table);
    check(kernels.fn.applyLut(stored.kind, stored.ptr, output.kind, dst, stored.count, lutPtr, table.length, plan.firstMapped, kernels.result));
    const { min, max } = kernels.range();
    return { ptr: dst, output, min: asStored(output, min), max: asStored(output, max) };
  }
  const { slope, intercept } = plan;
  const status = plan.integer
    ? kernels.fn.rescaleInt(stored.kind, stored.ptr, output.kind, dst, stored.count, slope, intercept)
    : kernels.fn.rescale(stored.kind, stored.ptr, output.kind, dst, stored.count, slope, intercept);
  check(status);
  // The map is monotonic, so the output range is the mapped stored range.
  const a = asStored(output, stored.min * slope + intercept);
  const b = asStored(output, stored.max * slope + intercept);
  return { ptr: dst, output, min: Math.min(a, b), max: Math.max(a, b) };
}
