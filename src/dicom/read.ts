/**
 * Byte stream → dicom-parser DataSet: File Meta Information (PS3.10 7.1), the dataset in its
 * transfer syntax's encoding, Deflated Explicit VR Little Endian (PS3.5 A.5), and raw datasets
 * written without a Part 10 header.
 *
 * dicom-parser reads the elements; this module drives it element by element so that a
 * truncated stream still yields everything before the cut, and so that the 64-bit VRs it does
 * not know (OV, SV, UV, e.g. the Extended Offset Table) are read with their 32-bit length.
 */
import { inflateSync, unzlibSync } from 'fflate';
import { DecodeError } from '../errors.js';
import {
  bigEndianByteArrayParser,
  ByteStream,
  DataSetClass,
  findEndOfEncapsulatedElement,
  littleEndianByteArrayParser,
  readDicomElementExplicit,
  readDicomElementImplicit,
  readTag,
  type DataSet,
  type Element,
} from './dicomParser.js';
import { TAG } from './attributes.js';
import { readString } from './values.js';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
} from '../uids.js';


/** Every VR of PS3.5 Table 6.2-1. */
const VRS = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV',
  'OW', 'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
]);

/** VRs with a 32-bit length (PS3.5 7.1.2) that dicom-parser 1.8 reads with a 16-bit one. */
const LONG_VRS_UNKNOWN_TO_PARSER = new Set(['OV', 'SV', 'UV']);

export interface ReadDataset {
  /** Transfer Syntax UID, trimmed; the encoding actually used when there was no File Meta. */
  transferSyntaxUID: string;
  dataSet: DataSet;
  littleEndian: boolean;
  /** Why the element walk stopped before the end of the data, if it did. */
  stoppedEarly?: unknown;
  /** Why the Pixel Data element itself could not be read, if it could not. */
  pixelDataError?: unknown;
}

/** The two characters at `position` when they form a VR. */
function vrAt(bytes: Uint8Array, position: number): string | undefined {
  if (position + 2 > bytes.length) return undefined;
  const vr = String.fromCharCode(bytes[position]!, bytes[position + 1]!);
  return VRS.has(vr) ? vr : undefined;
}

function uint16LE(bytes: Uint8Array, position: number): number {
  return bytes[position]! | (bytes[position + 1]! << 8);
}

function hasPreamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** A File Meta group written without the 128-byte preamble and "DICM" (pydicom reads these). */
function startsWithFileMeta(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && uint16LE(bytes, 0) === 0x0002 && vrAt(bytes, 4) !== undefined;
}

/**
 * Read a byte stream into a dataset.
 *
 * @throws {DecodeError} NOT_DICOM when the bytes are neither a Part 10 file nor a plausible raw
 *   dataset; CORRUPT_DATA when a deflated dataset does not inflate.
 */
export function readDataset(bytes: Uint8Array): ReadDataset {
  try {
    if (hasPreamble(bytes)) return readPart10(bytes, 132);
    if (startsWithFileMeta(bytes)) return readPart10(bytes, 0);
    return readRawDataset(bytes);
  } catch (cause) {
    if (cause instanceof DecodeError) throw cause;
    throw new DecodeError('NOT_DICOM', 'the dataset cannot be read', undefined, { cause });
  }
}

function readPart10(bytes: Uint8Array, metaStart: number): ReadDataset {
  if (metaStart + 12 > bytes.length) throw new DecodeError('NOT_DICOM', 'the file ends before its File Meta Information');
  const metaElements: Record<string, Element> = {};
  const stream = new ByteStream(littleEndianByteArrayParser, bytes, metaStart);
  try {
    // File Meta Information is always Explicit VR Little Endian (PS3.10 7.1).
    while (stream.position + 8 <= bytes.length && uint16LE(bytes, stream.position) === 0x0002) {
      const element = readDicomElementExplicit(stream, []);
      element.parser = littleEndianByteArrayParser;
      metaElements[element.tag] = element;
    }
  } catch (cause) {
    throw new DecodeError('NOT_DICOM', 'the File Meta Information cannot be read', undefined, { cause });
  }
  if (stream.position > bytes.length) throw new DecodeError('NOT_DICOM', 'the File Meta Information is truncated');
  const meta = new DataSetClass(littleEndianByteArrayParser, bytes, metaElements);
  const declared = readString(meta, TAG.transferSyntaxUID);
  const datasetStart = stream.position;

  if (declared === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) {
    const inflated = inflateDataset(bytes.subarray(datasetStart));
    const read = readElements(inflated, 0, true, true);
    return { ...read, transferSyntaxUID: declared };
  }

  const littleEndian = declared !== EXPLICIT_VR_BIG_ENDIAN;
  let explicitVR = declared !== IMPLICIT_VR_LITTLE_ENDIAN;
  // Like pydicom, trust the bytes over the File Meta when the VR of the first element says
  // otherwise (writers that label implicit data explicit, and the reverse).
  if (littleEndian && datasetStart + 8 <= bytes.length) {
    const looksExplicit = vrAt(bytes, datasetStart + 4) !== undefined;
    if (declared === undefined || looksExplicit !== explicitVR) explicitVR = looksExplicit;
  }
  const read = readElements(bytes, datasetStart, littleEndian, explicitVR);
  return {
    ...read,
    transferSyntaxUID:
      declared ?? (explicitVR ? EXPLICIT_VR_LITTLE_ENDIAN : IMPLICIT_VR_LITTLE_ENDIAN),
  };
}

/** Raw DEFLATE (RFC 1951) as PS3.5 A.5 requires; a zlib-wrapped stream is accepted too. */
function inflateDataset(deflated: Uint8Array): Uint8Array {
  try {
    return inflateSync(deflated);
  } catch (rawError) {
    try {
      return unzlibSync(deflated);
    } catch {
      throw new DecodeError('CORRUPT_DATA', 'the deflated dataset does not inflate', DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, {
        cause: rawError,
      });
    }
  }
}

/**
 * A dataset without File Meta: Implicit VR Little Endian (the default transfer syntax), or
 * Explicit VR Little Endian when the first element carries a VR. To tell it from arbitrary
 * bytes, the first tag must be a plausible dataset group and the top-level tags must ascend.
 */
function readRawDataset(bytes: Uint8Array): ReadDataset {
  const notDicom = (detail: string, cause?: unknown) =>
    new DecodeError('NOT_DICOM', detail, undefined, cause === undefined ? undefined : { cause });
  if (bytes.length < 8) throw notDicom(`${bytes.length} bytes is too short`);
  const group = uint16LE(bytes, 0);
  if (group < 0x0008 || group > 0x7fe0 || (group & 1) === 1) {
    throw notDicom('no "DICM" prefix at byte 128 and the data does not start like a dataset');
  }
  const explicitVR = vrAt(bytes, 4) !== undefined;
  if (!explicitVR) {
    const length = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16)) + bytes[7]! * 0x1000000;
    if (length !== 0xffffffff && length > bytes.length - 8) {
      throw notDicom('no "DICM" prefix at byte 128 and the first element overruns the data');
    }
  }
  const read = readElements(bytes, 0, true, explicitVR);
  const tags = Object.keys(read.dataSet.elements);
  if (tags.length === 0) throw notDicom('no element could be read', read.stoppedEarly);
  for (let i = 1; i < tags.length; i++) {
    if (tags[i]! <= tags[i - 1]!) throw notDicom('no "DICM" prefix at byte 128 and the tags are not in order');
  }
  return { ...read, transferSyntaxUID: explicitVR ? EXPLICIT_VR_LITTLE_ENDIAN : IMPLICIT_VR_LITTLE_ENDIAN };
}

/** An element with a 64-bit VR, read by hand: tag, VR, 2 reserved bytes, 32-bit length. */
function readLongVrElement(stream: InstanceType<typeof ByteStream>): Element {
  const tag = readTag(stream);
  const vr = stream.readFixedString(2);
  stream.seek(2);
  const length = stream.readUint32();
  const element: Element = { tag, vr, length, dataOffset: stream.position };
  if (length === 0xffffffff) throw new Error(`undefined length for VR ${vr} in ${tag}`);
  stream.seek(length);
  return element;
}

function isUndefinedLengthPixelData(bytes: Uint8Array, position: number, littleEndian: boolean): boolean {
  return (
    position + 8 <= bytes.length &&
    tagAt(bytes, position, littleEndian) === 0x7fe00010 &&
    bytes[position + 4] === 0xff && bytes[position + 5] === 0xff && bytes[position + 6] === 0xff && bytes[position + 7] === 0xff
  );
}

/**
 * Encapsulated Pixel Data in an implicit VR dataset (a writer that labels implicit data with an
 * encapsulated syntax): dicom-parser would take its items for a sequence, so read the fragments
 * here as the explicit reader does.
 */
function readImplicitEncapsulatedPixelData(stream: InstanceType<typeof ByteStream>, warnings: string[]): Element {
  const tag = readTag(stream);
  const length = stream.readUint32();
  const element: Element = { tag, length, dataOffset: stream.position, hadUndefinedLength: true };
  findEndOfEncapsulatedElement(stream, element, warnings);
  return element;
}

/** Walk the top-level elements from `start`, keeping what was read if the data ends early. */
function readElements(
  bytes: Uint8Array,
  start: number,
  littleEndian: boolean,
  explicitVR: boolean,
): Omit<ReadDataset, 'transferSyntaxUID'> {
  const parser = littleEndian ? littleEndianByteArrayParser : bigEndianByteArrayParser;
  const elements: Record<string, Element> = {};
  const dataSet = new DataSetClass(parser, bytes, elements);
  dataSet.warnings = [];
  const result: Omit<ReadDataset, 'transferSyntaxUID'> = { dataSet, littleEndian };
  if (start >= bytes.length) return result;

  const stream = new ByteStream(parser, bytes, start);
  let elementStart = start;
  try {
    while (stream.position < bytes.length) {
      elementStart = stream.position;
      let element: Element;
      if (!explicitVR) {
        element = isUndefinedLengthPixelData(bytes, stream.position, littleEndian)
          ? readImplicitEncapsulatedPixelData(stream, dataSet.warnings)
          : readDicomElementImplicit(stream);
      } else if (LONG_VRS_UNKNOWN_TO_PARSER.has(vrAt(bytes, stream.position + 4) ?? '')) {
        element = readLongVrElement(stream);
      } else {
        element = readDicomElementExplicit(stream, dataSet.warnings);
      }
      elements[element.tag] = element;
    }
  } catch (cause) {
    result.stoppedEarly = cause;
    // dicom-parser throws when encapsulated Pixel Data lacks its Basic Offset Table item: keep
    // the element, without fragments, so that the caller reports corrupt pixel data, not none.
    if (elementStart + 4 <= bytes.length && tagAt(bytes, elementStart, littleEndian) === 0x7fe00010) {
      elements[TAG.pixelData] = {
        tag: TAG.pixelData,
        length: 0xffffffff,
        dataOffset: elementStart,
        hadUndefinedLength: true,
        encapsulatedPixelData: true,
        fragments: [],
      };
      result.pixelDataError = cause;
    }
  }
  return result;
}

function tagAt(bytes: Uint8Array, position: number, littleEndian: boolean): number {
  const word = (at: number) => (littleEndian ? uint16LE(bytes, at) : (bytes[at]! << 8) | bytes[at + 1]!);
  return word(position) * 0x10000 + word(position + 2);
}
