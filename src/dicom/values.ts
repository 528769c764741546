/**
 * Reading attribute values out of a parsed dataset without ever throwing: dicom-parser's own
 * accessors throw strings on short or out-of-bounds values, these return undefined instead.
 */
import type { DataSet, Element } from './dicomParser.js';

/** The bytes of an element's value that are actually present (clamped to the buffer). */
export function elementBytes(dataSet: DataSet, element: Element): Uint8Array {
  const bytes = dataSet.byteArray as Uint8Array;
  const start = Math.min(element.dataOffset, bytes.length);
  const end = Math.min(start + Math.max(element.length, 0), bytes.length);
  return bytes.subarray(start, end);
}

/** The element for `tag`, when present with a value. */
export function presentElement(dataSet: DataSet, tag: string): Element | undefined {
  const element = dataSet.elements[tag];
  return element && element.length > 0 && element.length !== 0xffffffff ? element : undefined;
}

/** Value `index` of a US (or SS, read unsigned) element. */
export function readUint16(dataSet: DataSet, tag: string, index = 0): number | undefined {
  const element = presentElement(dataSet, tag);
  if (!element || element.length < (index + 1) * 2) return undefined;
  const position = element.dataOffset + index * 2;
  if (position + 2 > dataSet.byteArray.length) return undefined;
  const parser = element.parser ?? dataSet.byteArrayParser;
  return parser.readUint16(dataSet.byteArray, position);
}

/** The raw text of a string element (Latin-1 is enough for the VRs read here). */
export function readText(dataSet: DataSet, tag: string): string | undefined {
  const element = presentElement(dataSet, tag);
  if (!element) return undefined;
  const bytes = elementBytes(dataSet, element);
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** Value `index` of a multi-valued string, trimmed of spaces and NUL padding (PS3.5 6.2). */
export function readString(dataSet: DataSet, tag: string, index = 0): string | undefined {
  const text = readText(dataSet, tag);
  if (text === undefined) return undefined;
  const value = text.split('\\')[index];
  if (value === undefined) return undefined;
  const trimmed = trimValue(value);
  return trimmed === '' ? undefined : trimmed;
}

/** Trim leading/trailing spaces and NUL bytes. */
export function trimValue(value: string): string {
  return value.replace(/^[\s\0]+|[\s\0]+$/g, '');
}

const DECIMAL_STRING = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parse one Decimal String value (PS3.5 6.2, VR DS): optional sign, digits with an optional
 * point, optional exponent; leading and trailing spaces allowed. Only the first of several
 * backslash-separated values is read. Undefined when empty or malformed.
 */
export function parseDecimalString(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = trimValue(text.split('\\')[0]!);
  if (!DECIMAL_STRING.test(value)) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * Parse one Integer String value (VR IS). Like pydicom, a decimal that is a whole number
 * ("2.0") is accepted too.
 */
export function parseIntegerString(text: string | undefined): number | undefined {
  const number = parseDecimalString(text);
  return number !== undefined && Number.isInteger(number) ? number : undefined;
}

/** First value of a DS element. */
export function readDecimal(dataSet: DataSet, tag: string): number | undefined {
  return parseDecimalString(readText(dataSet, tag));
}

/** First value of an IS element. */
export function readInteger(dataSet: DataSet, tag: string): number | undefined {
  return parseIntegerString(readText(dataSet, tag));
}

/** The dataset of item `index` of a sequence element. */
export function sequenceItem(dataSet: DataSet, tag: string, index = 0): DataSet | undefined {
  return dataSet.elements[tag]?.items?.[index]?.dataSet;
}
