/**
 * DICOM JSON (PS3.18 F.2) → an Explicit VR Little Endian dataset, so that instance metadata from
 * a DICOMweb server goes through the same attribute rules as a Part 10 file (src/dicom/):
 * one place for the Image Pixel, LUT and functional-group semantics.
 */
import { concatBytes } from '../bytes.js';
import { DecodeError } from '../errors.js';

/** One attribute of the DICOM JSON model (F.2.2). */
export interface JsonAttribute {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

/** A dataset in the DICOM JSON model: attributes keyed by 8 hex digits. */
export type JsonDataset = Record<string, JsonAttribute>;

/**
 * Binary attributes the pixel rules read (palette and LUT data), which a server may give as a
 * BulkDataURI to fetch: Red/Green/Blue Palette Color LUT Data, their segmented forms, LUT Data.
 */
export const BULK_TAGS_NEEDED = new Set(['00281201', '00281202', '00281203', '00281221', '00281222', '00281223', '00283006']);

/** VRs with a 4-byte length after 2 reserved bytes (PS3.5 7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);
const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const NUMBER_SIZES: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8 };

function invalid(detail: string): DecodeError {
  return new DecodeError('INVALID_PIXEL_INFO', `DICOM JSON metadata: ${detail}`);
}

/** Every BulkDataURI of an attribute the pixel rules need, anywhere in the dataset (sequences too). */
export function neededBulkData(dataset: JsonDataset): string[] {
  const uris: string[] = [];
  const walk = (items: JsonDataset, depth: number): void => {
    if (depth > MAX_DEPTH) throw invalid(`sequences nested more than ${MAX_DEPTH} deep`);
    for (const [tag, attribute] of Object.entries(items)) {
      if (!attribute || typeof attribute !== 'object') continue;
      if (attribute.BulkDataURI !== undefined && BULK_TAGS_NEEDED.has(tag.toUpperCase())) {
        if (typeof attribute.BulkDataURI !== 'string') throw invalid(`(${tag}) BulkDataURI is not a string`);
        uris.push(attribute.BulkDataURI);
      }
      if (attribute.vr === 'SQ' && Array.isArray(attribute.Value)) attribute.Value.forEach((item) => item && typeof item === 'object' && walk(item as JsonDataset, depth + 1));
    }
  };
  walk(dataset, 0);
  return uris;
}

/** Deepest sequence nesting read (the pixel rules read two levels: functional groups, LUT items). */
const MAX_DEPTH = 16;

/** An attribute's values: an array of them, or none. */
function valuesOf(tag: string, attribute: JsonAttribute): unknown[] {
  if (attribute.Value === undefined || attribute.Value === null) return [];
  if (!Array.isArray(attribute.Value)) throw invalid(`(${tag}) Value is not an array`);
  return attribute.Value;
}

/** A value of a number VR (a JSON number, or a numeric string as some servers write). */
function numberValue(tag: string, value: unknown): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(number)) throw invalid(`(${tag}) holds ${JSON.stringify(value)?.slice(0, 40)} where a number belongs`);
  return number;
}

function base64Bytes(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw invalid('InlineBinary is not base64');
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The text of a string attribute's values (PN as its Alphabetic, Ideographic and Phonetic groups). */
function stringValue(tag: string, vr: string, values: unknown[]): string {
  return values
    .map((value) => {
      if (value === null || value === undefined) return '';
      if (typeof value === 'string' || typeof value === 'number') return String(value);
      if (vr === 'PN' && typeof value === 'object') {
        const name = value as { Alphabetic?: unknown; Ideographic?: unknown; Phonetic?: unknown };
        const group = (part: unknown) => (typeof part === 'string' ? part : '');
        return [group(name.Alphabetic), group(name.Ideographic), group(name.Phonetic)].join('=').replace(/=+$/, '');
      }
      throw invalid(`(${tag}) holds ${JSON.stringify(value)?.slice(0, 40)} where a string belongs`);
    })
    .join('\\');
}

function latin1(text: string, pad: number): Uint8Array {
  const bytes = new Uint8Array(text.length + (text.length % 2));
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  if (text.length % 2) bytes[text.length] = pad;
  return bytes;
}

function numbers(tag: string, vr: string, values: unknown[]): Uint8Array {
  const size = NUMBER_SIZES[vr]!;
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => {
    const number = numberValue(tag, value);
    const at = i * size;
    if (vr === 'US') view.setUint16(at, number, true);
    else if (vr === 'SS') view.setInt16(at, number, true);
    else if (vr === 'UL') view.setUint32(at, number, true);
    else if (vr === 'SL') view.setInt32(at, number, true);
    else if (vr === 'FL') view.setFloat32(at, number, true);
    else if (vr === 'FD') view.setFloat64(at, number, true);
    else if (vr === 'SV') view.setBigInt64(at, BigInt(Math.trunc(number)), true);
    else view.setBigUint64(at, BigInt(Math.trunc(number)), true);
  });
  return bytes;
}

function header(tag: string, vr: string, length: number): Uint8Array {
  const long = LONG_VRS.has(vr);
  const bytes = new Uint8Array(long ? 12 : 8);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, parseInt(tag.slice(0, 4), 16), true);
  view.setUint16(2, parseInt(tag.slice(4, 8), 16), true);
  bytes[4] = vr.charCodeAt(0);
  bytes[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, length, true);
  else {
    if (length > 0xffff) throw invalid(`(${tag}) ${vr} value of ${length} bytes is too long for its VR`);
    view.setUint16(6, length, true);
  }
  return bytes;
}


/**
 * Encode a DICOM JSON dataset as Explicit VR Little Endian (no File Meta, no pixel data).
 * Binary values come from InlineBinary or, for the attributes in {@link BULK_TAGS_NEEDED}, from
 * `bulkData` (BulkDataURI → bytes, little endian as PS3.18 8.7.3.3.2 gives them); other bulk data
 * and the Pixel Data elements are left out.
 *
 * @throws {DecodeError} INVALID_PIXEL_INFO when an attribute cannot be encoded.
 */
export function encodeJsonDataset(dataset: JsonDataset, bulkData: ReadonlyMap<string, Uint8Array>, depth = 0): Uint8Array {
  if (depth > MAX_DEPTH) throw invalid(`sequences nested more than ${MAX_DEPTH} deep`);
  const parts: Uint8Array[] = [];
  const tags = Object.keys(dataset)
    .filter((tag) => /^[0-9a-fA-F]{8}$/.test(tag))
    .map((tag) => tag.toUpperCase())
    .sort();
  for (const tag of tags) {
    const attribute = dataset[tag] ?? dataset[tag.toLowerCase()];
    if (!attribute || typeof attribute.vr !== 'string' || attribute.vr.length !== 2) continue;
    // File Meta, group lengths and pixel data: the dataset rules never read them from here.
    if (tag.startsWith('0002') || tag.endsWith('0000') || tag.startsWith('7FE0')) continue;
    const { vr } = attribute;
    let value: Uint8Array;
    if (vr === 'SQ') {
      const items = valuesOf(tag, attribute).map((item) => {
        if (item !== null && item !== undefined && (typeof item !== 'object' || Array.isArray(item))) throw invalid(`(${tag}) has an item that is not a dataset`);
        const content = encodeJsonDataset((item ?? {}) as JsonDataset, bulkData, depth + 1);
        const itemHeader = new Uint8Array(8);
        const view = new DataView(itemHeader.buffer);
        view.setUint16(0, 0xfffe, true);
        view.setUint16(2, 0xe000, true);
        view.setUint32(4, content.length, true);
        return concatBytes([itemHeader, content]);
      });
      value = concatBytes(items);
    } else if (attribute.InlineBinary !== undefined || attribute.BulkDataURI !== undefined) {
      if (attribute.InlineBinary !== undefined && typeof attribute.InlineBinary !== 'string') throw invalid(`(${tag}) InlineBinary is not a string`);
      const bytes = attribute.InlineBinary !== undefined ? base64Bytes(attribute.InlineBinary) : bulkData.get(attribute.BulkDataURI!);
      if (!bytes) continue;
      value = bytes.length % 2 ? concatBytes([bytes, new Uint8Array(1)]) : bytes;
    } else if (BINARY_VRS.has(vr)) {
      continue;
    } else if (vr in NUMBER_SIZES) {
      value = numbers(tag, vr, valuesOf(tag, attribute));
    } else if (vr === 'AT') {
      value = numbers(tag, 'US', valuesOf(tag, attribute).flatMap((at) => {
        if (typeof at !== 'string' || !/^[0-9a-fA-F]{8}$/.test(at)) throw invalid(`(${tag}) AT value ${JSON.stringify(at)?.slice(0, 20)} is not 8 hex digits`);
        return [parseInt(at.slice(0, 4), 16), parseInt(at.slice(4, 8), 16)];
      }));
    } else {
      value = latin1(stringValue(tag, vr, valuesOf(tag, attribute)), vr === 'UI' ? 0 : 0x20);
    }
    parts.push(header(tag, vr, value.length), value);
  }
  return concatBytes(parts);
}
