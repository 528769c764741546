/** Early validation of caller input, with uniform messages. */
import { DecodeError } from './errors.js';
import type { DecodeOptions, PixelInfo } from './types.js';
import { OUTPUT_TYPES } from './pipeline/output.js';

/** The one message shape for a bad attribute or option: "expected NAME to be EXPECTED, got ACTUAL". */
export function invalidValue(code: 'INVALID_PIXEL_INFO' | 'INVALID_OPTIONS', name: string, expected: string, actual: unknown): DecodeError {
  const shown = typeof actual === 'string' ? `'${actual}'` : Array.isArray(actual) ? (actual.length <= 4 ? `[${actual.map(String).join(', ')}]` : `[${actual.length} items]`) : String(actual);
  return new DecodeError(code, `expected ${name} to be ${expected}, got ${shown}`);
}

const invalid = invalidValue;

const isPositiveInteger = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

/** Check the Image Pixel Module attributes a decode relies on (PS3.3 C.7.6.3). */
export function validatePixelInfo(info: PixelInfo): void {
  if (typeof info !== 'object' || info === null) throw invalid('INVALID_PIXEL_INFO', 'info', 'a PixelInfo object', info);
  const { rows, columns, bitsAllocated, bitsStored, samplesPerPixel, pixelRepresentation, pixelDataFormat } = info;
  const highBit = info.highBit ?? bitsStored - 1;
  if (!isPositiveInteger(rows) || rows > 65535) throw invalid('INVALID_PIXEL_INFO', 'rows', 'an integer in 1..65535', rows);
  if (!isPositiveInteger(columns) || columns > 65535) throw invalid('INVALID_PIXEL_INFO', 'columns', 'an integer in 1..65535', columns);
  if (![1, 8, 16, 32, 64].includes(bitsAllocated)) throw invalid('INVALID_PIXEL_INFO', 'bitsAllocated', '1, 8, 16, 32 or 64', bitsAllocated);
  if (!Number.isInteger(bitsStored) || bitsStored < 1 || bitsStored > bitsAllocated) {
    throw invalid('INVALID_PIXEL_INFO', 'bitsStored', `an integer in 1..${bitsAllocated}`, bitsStored);
  }
  if (!Number.isInteger(highBit) || highBit < bitsStored - 1 || highBit > bitsAllocated - 1) {
    throw invalid('INVALID_PIXEL_INFO', 'highBit', `an integer in ${bitsStored - 1}..${bitsAllocated - 1}`, highBit);
  }
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) throw invalid('INVALID_PIXEL_INFO', 'pixelRepresentation', '0 or 1', pixelRepresentation);
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) throw invalid('INVALID_PIXEL_INFO', 'samplesPerPixel', '1 or 3', samplesPerPixel);
  if (typeof info.photometricInterpretation !== 'string') {
    throw invalid('INVALID_PIXEL_INFO', 'photometricInterpretation', 'a string', info.photometricInterpretation);
  }
  if (pixelDataFormat === 'float' && bitsAllocated !== 32) throw invalid('INVALID_PIXEL_INFO', 'bitsAllocated of float pixel data', '32', bitsAllocated);
  if (pixelDataFormat === 'double' && bitsAllocated !== 64) throw invalid('INVALID_PIXEL_INFO', 'bitsAllocated of double float pixel data', '64', bitsAllocated);
  if (bitsAllocated === 64 && pixelDataFormat !== 'double') {
    throw invalid('INVALID_PIXEL_INFO', 'pixelDataFormat with Bits Allocated 64', "'double'", pixelDataFormat);
  }
  if (bitsAllocated === 1 && samplesPerPixel !== 1) throw invalid('INVALID_PIXEL_INFO', 'samplesPerPixel with Bits Allocated 1', '1', samplesPerPixel);
  if (info.palette !== undefined) {
    const palette: unknown = info.palette;
    if (typeof palette !== 'object' || palette === null) throw invalid('INVALID_PIXEL_INFO', 'palette', '{ red, green, blue } LUTs', palette);
    for (const colour of ['red', 'green', 'blue'] as const) {
      validateLutData('INVALID_PIXEL_INFO', `palette.${colour}`, (palette as Record<string, unknown>)[colour]);
    }
  }
}

/** A LUT (Modality LUT, palette, VOI LUT): integer first mapped, 1-16 bits, non-empty 8/16-bit data (PS3.3 C.11.1.1). */
export function validateLutData(code: 'INVALID_PIXEL_INFO' | 'INVALID_OPTIONS', name: string, lut: unknown): void {
  if (typeof lut !== 'object' || lut === null) throw invalid(code, name, 'a LUT { firstMapped, bitsPerEntry, data }', lut);
  const { firstMapped, bitsPerEntry, data } = lut as Record<string, unknown>;
  if (!Number.isInteger(firstMapped)) throw invalid(code, `${name}.firstMapped`, 'an integer', firstMapped);
  if (!Number.isInteger(bitsPerEntry) || (bitsPerEntry as number) < 1 || (bitsPerEntry as number) > 16) {
    throw invalid(code, `${name}.bitsPerEntry`, 'an integer in 1..16', bitsPerEntry);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint16Array) || data.length === 0) {
    throw invalid(code, `${name}.data`, 'a non-empty Uint8Array or Uint16Array', data instanceof Object ? data.constructor.name : data);
  }
}

const OUTPUT_NAMES = ['auto', ...OUTPUT_TYPES.map((type) => type.name)];

/** Check decode options before any work is done. */
export function validateOptions(options: DecodeOptions): void {
  if (typeof options !== 'object' || options === null) throw invalid('INVALID_OPTIONS', 'options', 'an object', options);
  const { outputType, colorSpace, resolutionLevel, into, modalityLut } = options;
  if (outputType !== undefined && !OUTPUT_NAMES.includes(outputType)) {
    throw invalid('INVALID_OPTIONS', 'outputType', OUTPUT_NAMES.join(' | '), outputType);
  }
  if (colorSpace !== undefined && colorSpace !== 'rgb' && colorSpace !== 'native') throw invalid('INVALID_OPTIONS', 'colorSpace', "'rgb' or 'native'", colorSpace);
  if (resolutionLevel !== undefined && (!Number.isInteger(resolutionLevel) || resolutionLevel < 0)) {
    throw invalid('INVALID_OPTIONS', 'resolutionLevel', 'a non-negative integer', resolutionLevel);
  }
  if (into !== undefined && (!ArrayBuffer.isView(into) || into instanceof DataView)) throw invalid('INVALID_OPTIONS', 'into', 'a typed array', into);
  if (options.maxFrameBytes !== undefined && !isPositiveInteger(options.maxFrameBytes)) {
    throw invalid('INVALID_OPTIONS', 'maxFrameBytes', 'a positive integer', options.maxFrameBytes);
  }
  if (modalityLut !== undefined && modalityLut !== false && (typeof modalityLut !== 'object' || modalityLut === null)) {
    throw invalid('INVALID_OPTIONS', 'modalityLut', 'a ModalityLut object or false', modalityLut);
  }
  // The Modality LUT is an attribute module (PS3.3 C.11.1): a bad one is bad pixel information.
  if (modalityLut && modalityLut.lut !== undefined) validateLutData('INVALID_PIXEL_INFO', 'modalityLut.lut', modalityLut.lut);
}
