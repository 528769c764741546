// A minimal DICOM writer, the one the tests and the benchmarks share: explicit VR elements (little
// or big endian), sequences and items of defined length, encapsulated Pixel Data, and a Part 10
// wrapper. It writes what it is given, valid or not (tests build malformed files with it); every
// value it pads is padded as PS3.5 6.2 says (UI with NUL, other text with a space, binary with 0).

/** VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UR', 'UT']);
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const BINARY_NUMBER_VRS = new Set(['US', 'SS', 'UL', 'SL']);

/** Byte arrays joined into one. */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * A value's bytes: bytes as given; a number of a US, SS, UL or SL element as that binary value;
 * anything else as ASCII text (a DS or IS number as its decimal string).
 */
function valueBytes(vr, value, bigEndian) {
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return Uint8Array.from(value);
  if (typeof value === 'number' && BINARY_NUMBER_VRS.has(vr)) {
    const size = vr === 'UL' || vr === 'SL' ? 4 : 2;
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    if (size === 4) view.setUint32(0, value >>> 0, !bigEndian);
    else view.setUint16(0, value & 0xffff, !bigEndian);
    return bytes;
  }
  return Uint8Array.from(String(value), (c) => c.charCodeAt(0));
}

/**
 * One explicit VR data element. `value`: bytes (Uint8Array or number[]), text, or a number
 * (binary for US/SS/UL/SL, else its decimal string); padded to even length.
 */
export function element(group, elementNumber, vr, value, { bigEndian = false } = {}) {
  let bytes = valueBytes(vr, value, bigEndian);
  if (bytes.length % 2 === 1) bytes = concat([bytes, Uint8Array.of(TEXT_VRS.has(vr) ? 0x20 : 0)]);
  const long = LONG_VRS.has(vr);
  const head = new Uint8Array(long ? 12 : 8);
  const view = new DataView(head.buffer);
  view.setUint16(0, group, !bigEndian);
  view.setUint16(2, elementNumber, !bigEndian);
  head[4] = vr.charCodeAt(0);
  head[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, bytes.length, !bigEndian);
  else view.setUint16(6, bytes.length, !bigEndian);
  return concat([head, bytes]);
}

/** An item (FFFE,E000) of defined length, or another item tag's header with `bytes` after it. */
export function item(bytes, tagElement = 0xe000) {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, tagElement, true);
  view.setUint32(4, bytes.length, true);
  return concat([head, bytes]);
}

/** A sequence of defined length whose items (each a list of elements) have defined lengths. */
export function sequence(group, elementNumber, items) {
  return element(group, elementNumber, 'SQ', concat(items.map((elements) => item(concat(elements)))));
}

/**
 * Encapsulated Pixel Data (PS3.5 A.4): OB of undefined length, the Basic Offset Table item
 * (`basicOffsets`, may be empty), one item per fragment, the sequence delimiter.
 */
export function encapsulatedPixelData(fragments, basicOffsets = []) {
  const head = new Uint8Array(12);
  const view = new DataView(head.buffer);
  view.setUint16(0, 0x7fe0, true);
  view.setUint16(2, 0x0010, true);
  head.set([0x4f, 0x42], 4);
  view.setUint32(8, 0xffffffff, true);
  const offsets = new Uint8Array(basicOffsets.length * 4);
  basicOffsets.forEach((offset, i) => new DataView(offsets.buffer).setUint32(4 * i, offset, true));
  const items = fragments.map((fragment) => item(fragment instanceof Uint8Array ? fragment : Uint8Array.from(fragment)));
  return concat([head, item(offsets), ...items, item(new Uint8Array(0), 0xe0dd)]);
}

/**
 * Preamble, "DICM", the File Meta group (explicit VR little endian) and the dataset bytes.
 * `meta`: SOP Class and Instance UIDs, Implementation Class UID and further (0002,xxxx)
 * elements; without them, only the version and the transfer syntax are written.
 */
export function part10(transferSyntaxUID, dataset, meta = {}) {
  const elements = [element(0x0002, 0x0001, 'OB', [0, 1])];
  if (meta.sopClassUID) elements.push(element(0x0002, 0x0002, 'UI', meta.sopClassUID));
  if (meta.sopInstanceUID) elements.push(element(0x0002, 0x0003, 'UI', meta.sopInstanceUID));
  elements.push(element(0x0002, 0x0010, 'UI', transferSyntaxUID));
  if (meta.implementationClassUID) elements.push(element(0x0002, 0x0012, 'UI', meta.implementationClassUID));
  elements.push(...(meta.extra ?? []));
  const group = concat(elements);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, element(0x0002, 0x0000, 'UL', group.length), group, ...(dataset instanceof Uint8Array ? [dataset] : dataset)]);
}

export { EXPLICIT_VR_LITTLE_ENDIAN };
