/**
 * Image Pixel Module (PS3.3 C.7.6.3), Modality LUT and VOI LUT Modules (PS3.3 C.11.1, C.11.2)
 * and their functional-group forms (PS3.3 C.7.6.16.2.9-10) read from a parsed dataset.
 */
import { DecodeError } from '../errors.js';
import type { LutData, ModalityLut, PixelInfo, VoiLut } from '../types.js';
import type { DataSet } from './dicomParser.js';
import { readLutData, readLutDescriptor, readSegmentedLutData } from './lut.js';
import { readDecimal, readInteger, readString, readUint16, sequenceItem } from './values.js';

/** Tags in dicom-parser's `xGGGGEEEE` form. */
export const TAG = {
  transferSyntaxUID: 'x00020010',
  sopInstanceUID: 'x00080018',
  studyInstanceUID: 'x0020000d',
  seriesInstanceUID: 'x0020000e',
  samplesPerPixel: 'x00280002',
  photometricInterpretation: 'x00280004',
  planarConfiguration: 'x00280006',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  rescaleType: 'x00281054',
  voiLutFunction: 'x00281056',
  redPaletteDescriptor: 'x00281101',
  greenPaletteDescriptor: 'x00281102',
  bluePaletteDescriptor: 'x00281103',
  redPaletteData: 'x00281201',
  greenPaletteData: 'x00281202',
  bluePaletteData: 'x00281203',
  segmentedRedPaletteData: 'x00281221',
  segmentedGreenPaletteData: 'x00281222',
  segmentedBluePaletteData: 'x00281223',
  modalityLutSequence: 'x00283000',
  lutDescriptor: 'x00283002',
  modalityLutType: 'x00283004',
  lutData: 'x00283006',
  voiLutSequence: 'x00283010',
  frameVoiLutSequence: 'x00289132',
  pixelValueTransformationSequence: 'x00289145',
  sharedFunctionalGroupsSequence: 'x52009229',
  perFrameFunctionalGroupsSequence: 'x52009230',
  presentationLutShape: 'x20500020',
  extendedOffsetTable: 'x7fe00001',
  extendedOffsetTableLengths: 'x7fe00002',
  floatPixelData: 'x7fe00008',
  doubleFloatPixelData: 'x7fe00009',
  pixelData: 'x7fe00010',
} as const;

/** How the dataset's binary values are read; LUT first-mapped signedness follows the pixels. */
export interface ReadContext {
  littleEndian: boolean;
  pixelRepresentation: 0 | 1;
}

function invalid(detail: string): DecodeError {
  return new DecodeError('INVALID_PIXEL_INFO', detail);
}

function requiredPositive(dataSet: DataSet, tag: string, name: string): number {
  const value = readUint16(dataSet, tag);
  if (value === undefined || value === 0) throw invalid(`${name} is ${value === 0 ? 'zero' : 'missing'}`);
  return value;
}

/**
 * The Image Pixel Module of the dataset, with the defaults pydicom and DCMTK apply to
 * missing optional attributes.
 *
 * @param pixelDataTag which of Pixel Data / Float / Double Float Pixel Data holds the pixels.
 * @throws {DecodeError} INVALID_PIXEL_INFO when Rows, Columns or Bits Allocated is missing or
 *   zero, or the attributes contradict each other.
 */
export function readPixelInfo(dataSet: DataSet, pixelDataTag: string, littleEndian: boolean): PixelInfo {
  const rows = requiredPositive(dataSet, TAG.rows, 'Rows (0028,0010)');
  const columns = requiredPositive(dataSet, TAG.columns, 'Columns (0028,0011)');
  const bitsAllocated = requiredPositive(dataSet, TAG.bitsAllocated, 'Bits Allocated (0028,0100)');
  if (bitsAllocated !== 1 && (bitsAllocated % 8 !== 0 || bitsAllocated > 64)) {
    throw invalid(`Bits Allocated (0028,0100) is ${bitsAllocated}, not 1 or a multiple of 8 up to 64`);
  }
  const bitsStored = readUint16(dataSet, TAG.bitsStored) || bitsAllocated;
  if (bitsStored > bitsAllocated) {
    throw invalid(`Bits Stored (0028,0101) ${bitsStored} exceeds Bits Allocated ${bitsAllocated}`);
  }
  const highBit = readUint16(dataSet, TAG.highBit) ?? bitsStored - 1;
  if (highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw invalid(`High Bit (0028,0102) ${highBit} does not fit Bits Stored ${bitsStored} in Bits Allocated ${bitsAllocated}`);
  }
  const pixelRepresentation = readUint16(dataSet, TAG.pixelRepresentation) ?? 0;
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) {
    throw invalid(`Pixel Representation (0028,0103) is ${pixelRepresentation}`);
  }
  const samplesPerPixel = readUint16(dataSet, TAG.samplesPerPixel) || 1;
  const planarConfiguration = readUint16(dataSet, TAG.planarConfiguration) ?? 0;
  if (planarConfiguration !== 0 && planarConfiguration !== 1) {
    throw invalid(`Planar Configuration (0028,0006) is ${planarConfiguration}`);
  }
  const photometricInterpretation =
    readString(dataSet, TAG.photometricInterpretation)?.toUpperCase() ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2');

  const info: PixelInfo = {
    rows,
    columns,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation,
    samplesPerPixel,
    photometricInterpretation,
    planarConfiguration,
    pixelDataFormat: 'int',
  };
  if (pixelDataTag === TAG.floatPixelData || pixelDataTag === TAG.doubleFloatPixelData) {
    const double = pixelDataTag === TAG.doubleFloatPixelData;
    if (bitsAllocated !== (double ? 64 : 32)) {
      throw invalid(`${double ? 'Double Float' : 'Float'} Pixel Data with Bits Allocated ${bitsAllocated}`);
    }
    info.pixelDataFormat = double ? 'double' : 'float';
  }
  if (photometricInterpretation === 'PALETTE COLOR') {
    info.palette = readPalette(dataSet, { littleEndian, pixelRepresentation });
  }
  return info;
}

/**
 * Red, green and blue Palette Color LUTs (PS3.3 C.7.6.3.1.5-6), normal or segmented (C.7.9.2).
 *
 * @throws {DecodeError} INVALID_PIXEL_INFO when a descriptor or its data is missing or short.
 */
export function readPalette(dataSet: DataSet, context: ReadContext): { red: LutData; green: LutData; blue: LutData } {
  const channel = (name: string, descriptorTag: string, dataTag: string, segmentedTag: string): LutData => {
    const descriptor = readLutDescriptor(dataSet, descriptorTag, context.pixelRepresentation === 1);
    if (!descriptor) throw invalid(`PALETTE COLOR without a ${name} Palette Color Lookup Table Descriptor`);
    const what = `${name} Palette Color Lookup Table`;
    if (dataSet.elements[dataTag]) return readLutData(dataSet, dataTag, descriptor, context.littleEndian, what);
    if (dataSet.elements[segmentedTag]) {
      return readSegmentedLutData(dataSet, segmentedTag, descriptor, context.littleEndian, `Segmented ${what}`);
    }
    throw invalid(`PALETTE COLOR without ${what} Data`);
  };
  return {
    red: channel('Red', TAG.redPaletteDescriptor, TAG.redPaletteData, TAG.segmentedRedPaletteData),
    green: channel('Green', TAG.greenPaletteDescriptor, TAG.greenPaletteData, TAG.segmentedGreenPaletteData),
    blue: channel('Blue', TAG.bluePaletteDescriptor, TAG.bluePaletteData, TAG.segmentedBluePaletteData),
  };
}

/**
 * The Modality LUT Module of one dataset (top level or a functional-group item): the first
 * Modality LUT Sequence item, which wins, else Rescale Slope/Intercept/Type.
 *
 * @throws {DecodeError} INVALID_PIXEL_INFO when a Modality LUT Sequence item is malformed.
 */
export function readModalityLut(dataSet: DataSet, context: ReadContext): ModalityLut | undefined {
  const item = sequenceItem(dataSet, TAG.modalityLutSequence);
  if (item) {
    const descriptor = readLutDescriptor(item, TAG.lutDescriptor, context.pixelRepresentation === 1);
    if (!descriptor) throw invalid('Modality LUT Sequence item without a LUT Descriptor');
    const lut = readLutData(item, TAG.lutData, descriptor, context.littleEndian, 'Modality LUT');
    const modalityLut: ModalityLut = { lut };
    const rescaleType = readString(item, TAG.modalityLutType);
    if (rescaleType !== undefined) modalityLut.rescaleType = rescaleType;
    return modalityLut;
  }
  return readRescale(dataSet);
}

/** Rescale Slope, Intercept and Type; each may be missing (meaning identity). */
function readRescale(dataSet: DataSet): ModalityLut | undefined {
  const rescaleSlope = readDecimal(dataSet, TAG.rescaleSlope);
  const rescaleIntercept = readDecimal(dataSet, TAG.rescaleIntercept);
  const rescaleType = readString(dataSet, TAG.rescaleType);
  if (rescaleSlope === undefined && rescaleIntercept === undefined) return undefined;
  const modalityLut: ModalityLut = {};
  if (rescaleSlope !== undefined) modalityLut.rescaleSlope = rescaleSlope;
  if (rescaleIntercept !== undefined) modalityLut.rescaleIntercept = rescaleIntercept;
  if (rescaleType !== undefined) modalityLut.rescaleType = rescaleType;
  return modalityLut;
}

/** The Pixel Value Transformation of a functional-groups item (Shared or one Per-frame item). */
export function readFunctionalGroupRescale(groups: DataSet | undefined): ModalityLut | undefined {
  const item = groups && sequenceItem(groups, TAG.pixelValueTransformationSequence);
  return item && readRescale(item);
}

const VOI_LUT_FUNCTIONS = new Set(['LINEAR', 'LINEAR_EXACT', 'SIGMOID']);

/**
 * The VOI LUT Module of one dataset (top level or a Frame VOI LUT Sequence item): the first
 * Window Center / Width values, the VOI LUT Function and the first VOI LUT Sequence item.
 * A malformed VOI LUT is left out rather than failing the file: it only affects display.
 */
export function readVoiLut(dataSet: DataSet, context: ReadContext): VoiLut | undefined {
  const voiLut: VoiLut = {};
  const windowCenter = readDecimal(dataSet, TAG.windowCenter);
  const windowWidth = readDecimal(dataSet, TAG.windowWidth);
  if (windowCenter !== undefined) voiLut.windowCenter = windowCenter;
  if (windowWidth !== undefined) voiLut.windowWidth = windowWidth;
  const voiFunction = readString(dataSet, TAG.voiLutFunction)?.toUpperCase();
  if (voiFunction !== undefined && VOI_LUT_FUNCTIONS.has(voiFunction)) {
    voiLut.function = voiFunction as NonNullable<VoiLut['function']>;
  }
  const item = sequenceItem(dataSet, TAG.voiLutSequence);
  if (item) {
    // A VOI LUT maps Modality LUT output, whose sign follows the stored values (C.11.2.1.1).
    const descriptor = readLutDescriptor(item, TAG.lutDescriptor, context.pixelRepresentation === 1);
    if (descriptor) {
      try {
        voiLut.lut = readLutData(item, TAG.lutData, descriptor, context.littleEndian, 'VOI LUT');
      } catch {
        // Display-only data: a short VOI LUT is dropped, windowing still applies.
      }
    }
  }
  return Object.keys(voiLut).length > 0 ? voiLut : undefined;
}

/** The Frame VOI LUT of a functional-groups item (Shared or one Per-frame item). */
export function readFunctionalGroupVoiLut(groups: DataSet | undefined, context: ReadContext): VoiLut | undefined {
  const item = groups && sequenceItem(groups, TAG.frameVoiLutSequence);
  return item && readVoiLut(item, context);
}

/** Number of Frames (IS); missing, malformed or below 1 means one frame, as in pydicom. */
export function readNumberOfFrames(dataSet: DataSet): number {
  const numberOfFrames = readInteger(dataSet, TAG.numberOfFrames);
  return numberOfFrames !== undefined && numberOfFrames >= 1 ? numberOfFrames : 1;
}
