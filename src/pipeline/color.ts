/**
 * Colour, once for every codec, on stored values (PS3.3 C.7.6.3.1.2, C.7.6.3.1.5-6): YBR_FULL
 * → RGB (YBR_FULL_422 arrives here at full size: pipeline/frame.ts upsampled native data, RLE
 * stores full-size planes, JPEG codecs upsample) and PALETTE COLOR → RGB through the palette.
 * `colorSpace: 'native'` keeps the stored colour space.
 */
import { check, DecodeError } from '../errors.js';
import type { DecodeOptions, LutData, PixelInfo } from '../types.js';
import { SampleKind, type Kernels } from '../wasm/kernels.js';
import type { StoredFrame } from './frame.js';
import type { FramePlan } from './plan.js';

export type ColorSpace = NonNullable<DecodeOptions['colorSpace']>;

type Palette = NonNullable<PixelInfo['palette']>;

const YBR_FULL = new Set(['YBR_FULL', 'YBR_FULL_422']);

const isPaletteColor = (info: { photometricInterpretation: string; samplesPerPixel: number }) =>
  info.photometricInterpretation === 'PALETTE COLOR' && info.samplesPerPixel === 1;

/**
 * The palette of a PALETTE COLOR frame, checked: the three LUTs must map the same indices
 * (C.7.6.3.1.5: their descriptors' first two values are equal).
 */
function checkedPalette(info: PixelInfo): Palette {
  const palette = info.palette;
  if (!palette) {
    throw new DecodeError('INVALID_PIXEL_INFO', "PALETTE COLOR needs info.palette (or colorSpace 'native' for the indices)");
  }
  const { red, green, blue } = palette;
  for (const lut of [green, blue]) {
    if (lut.data.length !== red.data.length || lut.firstMapped !== red.firstMapped) {
      throw new DecodeError(
        'INVALID_PIXEL_INFO',
        `the palette's red, green and blue LUTs differ: ${describe(red)}, ${describe(green)}, ${describe(blue)}`,
      );
    }
  }
  if (red.data.length === 0) throw new DecodeError('INVALID_PIXEL_INFO', 'the palette has no entries');
  return palette;
}

function describe(lut: LutData): string {
  return `${lut.data.length} entries from ${lut.firstMapped}`;
}

/** Bits of the RGB a palette produces: 8 when every table holds bytes, else 16 (as pydicom). */
function paletteBits(palette: Palette): 8 | 16 {
  return [palette.red, palette.green, palette.blue].every((lut) => lut.data instanceof Uint8Array) ? 8 : 16;
}

/**
 * The Image Pixel Module of what a decode outputs after colour conversion: PALETTE COLOR becomes
 * three unsigned samples of the palette's bits, YBR_FULL(_422) becomes RGB. The output type and
 * the Modality LUT (none for colour) are planned on this.
 *
 * @throws {DecodeError} INVALID_PIXEL_INFO for PALETTE COLOR without a usable palette.
 */
export function outputPixelInfo(info: PixelInfo, colorSpace: ColorSpace = 'rgb'): PixelInfo {
  if (colorSpace === 'native') return info;
  if (isPaletteColor(info)) {
    const bits = paletteBits(checkedPalette(info));
    const { palette: _palette, ...attributes } = info;
    return {
      ...attributes,
      samplesPerPixel: 3,
      photometricInterpretation: 'RGB',
      bitsAllocated: bits,
      bitsStored: bits,
      highBit: bits - 1,
      pixelRepresentation: 0,
      planarConfiguration: 0,
    };
  }
  if (YBR_FULL.has(info.photometricInterpretation) && info.samplesPerPixel === 3) {
    return { ...info, photometricInterpretation: 'RGB' };
  }
  return info;
}

/** PALETTE COLOR → RGB, planned: the three tables one after another, as the kernel reads them. */
export interface PalettePlan {
  tables: Uint16Array;
  entries: number;
  firstMapped: number;
  /** Bytes per output sample: 1 when every table holds bytes, else 2. */
  bytes: 1 | 2;
}

/** The palette plan of a PALETTE COLOR frame (checked), or undefined for other frames. */
export function palettePlan(info: PixelInfo): PalettePlan | undefined {
  if (!isPaletteColor(info)) return undefined;
  const palette = checkedPalette(info);
  const entries = palette.red.data.length;
  const tables = new Uint16Array(3 * entries);
  tables.set(palette.red.data, 0);
  tables.set(palette.green.data, entries);
  tables.set(palette.blue.data, 2 * entries);
  return { tables, entries, firstMapped: palette.red.firstMapped, bytes: paletteBits(palette) === 8 ? 1 : 2 };
}

/**
 * Convert stored colour values in kernel memory. YBR_FULL → RGB in place; PALETTE COLOR → a new
 * RGB region of the palette's bits. Other frames, and every frame with `colorSpace: 'native'`,
 * pass through (full-size YBR_FULL_422 is then labelled YBR_FULL, which it now is). What the
 * samples are is the decoder's report (a codec may have converted them); how to convert, the plan.
 *
 * @throws {DecodeError} INVALID_PIXEL_INFO when the samples cannot be converted (YBR deeper than
 *   16 bits, a palette that does not fit the indices' kind).
 */
export function applyColor(stored: StoredFrame, plan: FramePlan, kernels: Kernels): StoredFrame {
  const { photometricInterpretation } = stored;
  if (YBR_FULL.has(photometricInterpretation) && stored.samplesPerPixel === 3) {
    if (plan.colorSpace === 'native') return converted(stored, stored.ptr, stored.kind, 3, 'YBR_FULL', stored.min, stored.max);
    const bytesPerSample = stored.kind === SampleKind.Uint8 ? 1 : stored.kind === SampleKind.Uint16 ? 2 : 0;
    const pixels = stored.rows * stored.columns;
    check(kernels.fn.ybrFullToRgb(stored.ptr, stored.ptr, pixels, bytesPerSample, Math.min(plan.stored.bitsStored, 8 * bytesPerSample), kernels.result));
    const { min, max } = kernels.range();
    return converted(stored, stored.ptr, stored.kind, 3, 'RGB', min, max);
  }
  const { palette } = plan;
  if (palette && isPaletteColor(stored)) {
    const tables = kernels.alloc(palette.tables.byteLength);
    new Uint16Array(kernels.fn.memory.buffer, tables, palette.tables.length).set(palette.tables);
    const dst = kernels.alloc(stored.count * 3 * palette.bytes);
    check(kernels.fn.paletteToRgb(stored.kind, stored.ptr, stored.count, tables, palette.entries, palette.firstMapped, dst, palette.bytes, kernels.result));
    const { min, max } = kernels.range();
    return converted(stored, dst, palette.bytes === 1 ? SampleKind.Uint8 : SampleKind.Uint16, 3, 'RGB', min, max);
  }
  return stored;
}

/** The frame after a colour step, as one literal shape (object spread is slow on this path). */
function converted(stored: StoredFrame, ptr: number, kind: SampleKind, samplesPerPixel: number, photometricInterpretation: string, min: number, max: number): StoredFrame {
  const pixels = stored.rows * stored.columns;
  return { ptr, kind, count: pixels * samplesPerPixel, rows: stored.rows, columns: stored.columns, samplesPerPixel, photometricInterpretation, min, max };
}
