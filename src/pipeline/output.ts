/** Output array types: names, kernel kinds, constructors and integer ranges, in one table. */
import type { OutputTypeName, PixelArray } from '../types.js';
import { SampleKind } from '../wasm/kernels.js';

type PixelArrayConstructor = {
  new (length: number): PixelArray;
  new (source: ArrayLike<number>): PixelArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): PixelArray;
  readonly BYTES_PER_ELEMENT: number;
};

export interface OutputType {
  name: OutputTypeName;
  kind: SampleKind;
  ctor: PixelArrayConstructor;
  /** Integer range, or undefined for floats. */
  range?: [number, number];
}

export const OUTPUT_TYPES: readonly OutputType[] = [
  { name: 'Uint8Array', kind: SampleKind.Uint8, ctor: Uint8Array, range: [0, 255] },
  { name: 'Int8Array', kind: SampleKind.Int8, ctor: Int8Array, range: [-128, 127] },
  { name: 'Uint16Array', kind: SampleKind.Uint16, ctor: Uint16Array, range: [0, 65535] },
  { name: 'Int16Array', kind: SampleKind.Int16, ctor: Int16Array, range: [-32768, 32767] },
  { name: 'Uint32Array', kind: SampleKind.Uint32, ctor: Uint32Array, range: [0, 4294967295] },
  { name: 'Int32Array', kind: SampleKind.Int32, ctor: Int32Array, range: [-2147483648, 2147483647] },
  { name: 'Float32Array', kind: SampleKind.Float32, ctor: Float32Array },
  { name: 'Float64Array', kind: SampleKind.Float64, ctor: Float64Array },
];

const BY_NAME = new Map(OUTPUT_TYPES.map((type) => [type.name, type]));
const BY_KIND = new Map(OUTPUT_TYPES.map((type) => [type.kind, type]));
const BY_CONSTRUCTOR = new Map<unknown, OutputType>(OUTPUT_TYPES.map((type) => [type.ctor, type]));

export function outputTypeNamed(name: OutputTypeName): OutputType {
  return BY_NAME.get(name)!;
}

export function outputTypeOfKind(kind: SampleKind): OutputType {
  return BY_KIND.get(kind)!;
}

/** The output type of a typed array (exactly its class), or undefined for anything else. */
export function outputTypeOfArray(array: unknown): OutputType | undefined {
  return typeof array === 'object' && array !== null ? BY_CONSTRUCTOR.get(array.constructor) : undefined;
}

/** Whether an integer type holds every value in [low, high]. */
export function holds(type: OutputType, low: number, high: number): boolean {
  return type.range !== undefined && low >= type.range[0] && high <= type.range[1];
}

/** A value as the output type stores it: rounded and saturated for integers, rounded to f32. */
export function asStored(type: OutputType, value: number): number {
  if (Number.isNaN(value)) return value;
  if (type.range) return Math.min(type.range[1], Math.max(type.range[0], Math.round(value)));
  return type.kind === SampleKind.Float32 ? Math.fround(value) : value;
}
