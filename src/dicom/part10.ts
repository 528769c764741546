/**
 * DICOM Part 10 file → pixel attributes, LUTs and frame bytes, ready for the decoders.
 */
import { DecodeError } from '../errors.js';
import type { DicomImage, ModalityLut, PixelInfo, VoiLut } from '../types.js';
import { transferSyntax } from '../uids.js';
import {
  readFunctionalGroupRescale,
  readFunctionalGroupVoiLut,
  readModalityLut,
  readNumberOfFrames,
  readPixelInfo,
  readVoiLut,
  TAG,
  type ReadContext,
} from './attributes.js';
import type { DataSet } from './dicomParser.js';
import { EncapsulatedFrames, nativeFrame, nativeFrameBits, type NativeFrameSource } from './frames.js';
import { readDataset } from './read.js';
import { elementBytes, readString, sequenceItem } from './values.js';

/** A parsed DICOM instance: what a DicomImage shows, without its decode (src/file.ts adds it). */
export type ParsedDicom = Omit<DicomImage, 'decodeFrame'>;

/**
 * Parse a DICOM Part 10 file, or a dataset written without File Meta (Implicit or Explicit VR
 * Little Endian), down to what pixel decoding needs. Nothing is copied except deflated
 * datasets (inflated once), LUTs, and frames that need re-aligning or un-swapping.
 *
 * @param bytes the whole file.
 * @throws {DecodeError} NOT_DICOM when the bytes are not DICOM; NO_PIXEL_DATA when there is no
 *   Pixel Data, Float Pixel Data or Double Float Pixel Data; INVALID_PIXEL_INFO when the Image
 *   Pixel Module (or a Modality LUT or palette) is missing required values or contradicts
 *   itself; CORRUPT_DATA when a deflated dataset does not inflate.
 * @example
 * const dicom = parseDicom(new Uint8Array(await readFile('ct.dcm')));
 * const data = dicom.frameData(0);     // Uint8Array (native) or Uint8Array[] (fragments)
 */
export function parseDicom(bytes: Uint8Array): ParsedDicom {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('NOT_DICOM', 'expected a Uint8Array');
  const read = readDataset(bytes);
  const { dataSet, transferSyntaxUID } = read;

  const pixelDataTag = [TAG.pixelData, TAG.floatPixelData, TAG.doubleFloatPixelData].find((tag) => dataSet.elements[tag]);
  if (pixelDataTag === undefined) {
    throw new DecodeError(
      'NO_PIXEL_DATA',
      read.stoppedEarly === undefined
        ? 'no (7FE0,0010), (7FE0,0008) or (7FE0,0009) element'
        : 'no pixel data element before the dataset stopped parsing',
      transferSyntaxUID,
      read.stoppedEarly === undefined ? undefined : { cause: read.stoppedEarly },
    );
  }
  const described = describeImage(dataSet, pixelDataTag, read.littleEndian, transferSyntaxUID);
  const frameData = makeFrameReader(dataSet, pixelDataTag, described.info, described.numberOfFrames, transferSyntaxUID, read.pixelDataError);
  const { checkIndex, ...image } = described;
  return {
    ...image,
    frameData(index) {
      checkIndex(index);
      return frameData(index);
    },
  };
}

/** What a dataset says about its pixels: a DicomImage without its frames. */
export type ImageDescription = Omit<ParsedDicom, 'frameData'> & {
  /** FRAME_OUT_OF_RANGE unless `index` is one of the image's frames. */
  checkIndex(index: number): void;
};

/**
 * The pixel attributes, frame count and LUTs of a dataset (a Part 10 file's, or one made from
 * DICOM JSON metadata): the one place where the Image Pixel, Modality LUT, VOI LUT and
 * functional-group rules are applied to a whole instance.
 *
 * @param pixelDataTag which of Pixel Data / Float / Double Float Pixel Data holds the pixels.
 * @throws {DecodeError} INVALID_PIXEL_INFO as readPixelInfo and readModalityLut.
 */
export function describeImage(dataSet: DataSet, pixelDataTag: string, littleEndian: boolean, transferSyntaxUID: string): ImageDescription {
  const info = readPixelInfo(dataSet, pixelDataTag, littleEndian);
  const numberOfFrames = readNumberOfFrames(dataSet);
  const context: ReadContext = { littleEndian, pixelRepresentation: info.pixelRepresentation };

  const shared = sequenceItem(dataSet, TAG.sharedFunctionalGroupsSequence);
  const perFrame = (index: number): DataSet | undefined => sequenceItem(dataSet, TAG.perFrameFunctionalGroupsSequence, index);
  const modalityLut = readFunctionalGroupRescale(shared) ?? readModalityLut(dataSet, context);
  const topLevelVoiLut = readVoiLut(dataSet, context);
  const sharedVoiLut = readFunctionalGroupVoiLut(shared, context);
  const voiLut = topLevelVoiLut ?? sharedVoiLut ?? readFunctionalGroupVoiLut(perFrame(0), context);

  const checkIndex = (index: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= numberOfFrames) {
      throw new DecodeError(
        'FRAME_OUT_OF_RANGE',
        `frame ${index} requested, the image has ${numberOfFrames} frame${numberOfFrames === 1 ? '' : 's'}`,
        transferSyntaxUID,
      );
    }
  };

  const described: ImageDescription = {
    transferSyntaxUID,
    numberOfFrames,
    info,
    checkIndex,
    frameModalityLut(index) {
      checkIndex(index);
      return readFunctionalGroupRescale(perFrame(index)) ?? modalityLut;
    },
    frameVoiLut(index) {
      checkIndex(index);
      return readFunctionalGroupVoiLut(perFrame(index), context) ?? sharedVoiLut ?? topLevelVoiLut;
    },
  };
  if (modalityLut) described.modalityLut = modalityLut;
  if (voiLut) described.voiLut = voiLut;
  const presentationLutShape = readString(dataSet, TAG.presentationLutShape)?.toUpperCase();
  if (presentationLutShape === 'IDENTITY' || presentationLutShape === 'INVERSE') described.presentationLutShape = presentationLutShape;
  return described;
}

/** The per-frame byte reader for native or encapsulated Pixel Data. */
function makeFrameReader(
  dataSet: DataSet,
  pixelDataTag: string,
  info: PixelInfo,
  numberOfFrames: number,
  transferSyntaxUID: string,
  pixelDataError: unknown,
): (index: number) => Uint8Array | Uint8Array[] {
  const element = dataSet.elements[pixelDataTag]!;
  const elementEncapsulated = element.encapsulatedPixelData === true || element.hadUndefinedLength === true;
  const syntax = transferSyntax(transferSyntaxUID);
  const encapsulated = syntax?.encapsulated ?? elementEncapsulated;

  if (encapsulated !== elementEncapsulated || (encapsulated && pixelDataTag !== 'x7fe00010')) {
    const error = new DecodeError(
      'CORRUPT_DATA',
      elementEncapsulated
        ? 'Pixel Data is encapsulated (undefined length) but the transfer syntax is native'
        : 'Pixel Data has a defined length but the transfer syntax is encapsulated',
      transferSyntaxUID,
    );
    return () => {
      throw error;
    };
  }

  if (encapsulated) {
    const frames = new EncapsulatedFrames(dataSet, element, numberOfFrames, transferSyntaxUID, pixelDataError);
    return (index) => frames.frame(index);
  }

  const fullSize = numberOfFrames * info.rows * info.columns * info.samplesPerPixel * (info.bitsAllocated / 8);
  if (nativeFrameBits(info) / 8 < fullSize / numberOfFrames && (element.length === fullSize || element.length === fullSize + 1)) {
    // Native YBR_FULL_422 is two thirds of the full size (PS3.3 C.7.6.3.1.2); this data is the
    // full size, so the label or the data is wrong, and reading it either way would guess.
    const error = new DecodeError(
      'INVALID_PIXEL_INFO',
      `Pixel Data holds ${element.length} bytes, the size of full-size data; YBR_FULL_422 stores ` +
        `${(numberOfFrames * nativeFrameBits(info)) / 8} (two chroma samples per two pixels)`,
      transferSyntaxUID,
    );
    return () => {
      throw error;
    };
  }
  const bigEndian = syntax?.bigEndian === true;
  const source: NativeFrameSource = {
    pixelData: elementBytes(dataSet, element),
    declaredLength: element.length,
    swappedWords: bigEndian && info.bitsAllocated <= 8 && element.vr === 'OW' && pixelDataTag === TAG.pixelData,
    transferSyntaxUID,
  };
  return (index) => nativeFrame(source, info, index);
}

/** The UIDs that name an instance in DICOMweb URLs (PS3.18 10.4.1). */
export interface InstanceUids {
  studyInstanceUID: string | undefined;
  seriesInstanceUID: string | undefined;
  sopInstanceUID: string | undefined;
}

/**
 * Study, Series and SOP Instance UIDs of a file.
 *
 * @throws {DecodeError} NOT_DICOM when the bytes are not DICOM.
 */
export function readInstanceUids(bytes: Uint8Array): InstanceUids {
  const { dataSet } = readDataset(bytes);
  return {
    studyInstanceUID: readString(dataSet, TAG.studyInstanceUID),
    seriesInstanceUID: readString(dataSet, TAG.seriesInstanceUID),
    sopInstanceUID: readString(dataSet, TAG.sopInstanceUID),
  };
}
