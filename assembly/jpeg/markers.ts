// JPEG marker segments (ITU-T T.81 Annex B): frame and scan headers, table specifications,
// restart interval, and the APP0 (JFIF) / APP14 (Adobe) colour hints.
import { buildHuffmanTable } from './huffman';
import {
  F_SOF, F_PRECISION, F_ROWS, F_COLUMNS, F_COMPONENTS, F_MAX_H, F_MAX_V, F_RESTART, F_ADOBE, F_JFIF,
  F_TABLES, F_MARKER, C_ID, C_H, C_V, C_TQ, MAX_COMPONENTS, SCAN, S_COMPONENTS, S_START, S_END,
  S_APPROX, S_INDEX, S_DC_TABLE, S_AC_TABLE, QUANT, QUANT_BYTES, component, field, setField, huffmanTable,
} from './layout';
import { Status } from '../shared';

export const SOF0: i32 = 0xc0; // baseline DCT
export const SOF1: i32 = 0xc1; // extended sequential DCT, Huffman
export const SOF2: i32 = 0xc2; // progressive DCT, Huffman (header only: libjpeg-turbo decodes it)
export const SOF3: i32 = 0xc3; // lossless, Huffman
export const DHT: i32 = 0xc4;
export const SOI: i32 = 0xd8;
export const EOI: i32 = 0xd9;
export const SOS: i32 = 0xda;
export const DQT: i32 = 0xdb;
export const DRI: i32 = 0xdd;
export const RST0: i32 = 0xd0;
/** F_MARKER value when the input ended where a marker was expected. */
export const END_OF_INPUT: i32 = 0;

/** Zig-zag order (Figure A.6): ZIGZAG[k] = natural (row-major) index of the k-th coefficient. */
export const ZIGZAG: StaticArray<u8> = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
  58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

@inline function u16be(at: usize): i32 {
  return (<i32>load<u8>(at) << 8) | <i32>load<u8>(at + 1);
}

/** Reset the stream facts before a new frame. */
export function resetFrame(scratch: usize): void {
  memory.fill(scratch, 0, SCAN + 64);
  setField(scratch, F_ADOBE, -1);
}

/**
 * Read marker segments starting at `pos` (which must be a marker, B.1.1.2: optional 0xFF fill
 * bytes then the code) until a scan header (SOS) or EOI. Returns the offset after that segment
 * and leaves the marker in F_MARKER (END_OF_INPUT when the input ends where a marker should be),
 * or a negative status. Bytes that are not a marker where one is due are Status.JPEG_BAD_MARKER.
 * `headerOnly` skips table specifications (for reading the frame header alone).
 */
export function readSegments(src: usize, length: usize, pos: usize, scratch: usize, headerOnly: bool = false): isize {
  while (true) {
    if (pos >= length) {
      setField(scratch, F_MARKER, END_OF_INPUT);
      return <isize>pos;
    }
    if (load<u8>(src + pos) != 0xff) return Status.JPEG_BAD_MARKER;
    while (pos < length && load<u8>(src + pos) == 0xff) pos++;
    if (pos >= length) {
      setField(scratch, F_MARKER, END_OF_INPUT);
      return <isize>pos;
    }
    const marker = <i32>load<u8>(src + pos);
    pos++;
    setField(scratch, F_MARKER, marker);
    if (marker == EOI) return <isize>pos;
    // Markers without a segment (B.1.1.3): RSTn outside a scan and TEM are ignored.
    if ((marker >= RST0 && marker <= RST0 + 7) || marker == 0x01) continue;
    if (marker == SOI || marker == 0x00 || (marker >= 0x02 && marker <= 0xbf)) return Status.JPEG_BAD_MARKER;
    if (pos + 2 > length) return Status.TRUNCATED;
    const segmentLength = <usize>u16be(src + pos);
    if (segmentLength < 2) return Status.JPEG_BAD_MARKER;
    if (pos + segmentLength > length) return Status.TRUNCATED;
    const body = src + pos + 2;
    const bodyLength = <i32>segmentLength - 2;
    let status: i32 = Status.OK;
    if (marker == SOF0 || marker == SOF1 || marker == SOF2 || marker == SOF3) {
      status = readFrameHeader(body, bodyLength, scratch, marker);
    } else if ((marker >= 0xc0 && marker <= 0xcf && marker != DHT && marker != 0xc8) || marker == 0xde || marker == 0xdf) {
      // Hierarchical, lossless differential and arithmetic-coded processes (Table B.1).
      return Status.JPEG_UNSUPPORTED_PROCESS;
    } else if (headerOnly && (marker == DHT || marker == DQT)) {
      // skipped by length below
    } else if (marker == DHT) {
      status = readHuffmanTables(body, bodyLength, scratch);
    } else if (marker == DQT) {
      status = readQuantizationTables(body, bodyLength, scratch);
    } else if (marker == DRI) {
      if (bodyLength != 2) return Status.JPEG_BAD_MARKER;
      setField(scratch, F_RESTART, u16be(body));
    } else if (marker == SOS) {
      status = readScanHeader(body, bodyLength, scratch);
      if (status < 0) return status;
      return <isize>(pos + segmentLength);
    } else if (marker == 0xe0) {
      // APP0 JFIF (JPEG File Interchange Format): components are YCbCr.
      if (bodyLength >= 5 && load<u32>(body) == 0x4649464a && load<u8>(body + 4) == 0) setField(scratch, F_JFIF, 1);
    } else if (marker == 0xee) {
      // APP14 "Adobe": the transform flag (byte 11) says 0 = no colour transform, 1 = YCbCr.
      if (bodyLength >= 12 && load<u32>(body) == 0x626f6441 && load<u8>(body + 4) == 0x65) {
        setField(scratch, F_ADOBE, <i32>load<u8>(body + 11));
      }
    }
    // Other APPn, COM, DNL (a frame with Y > 0 ignores it) and JPGn: skipped by length.
    if (status < 0) return status;
    pos += segmentLength;
  }
}

/** SOF0 / SOF1 / SOF2 / SOF3 frame header (B.2.2). */
function readFrameHeader(body: usize, length: i32, scratch: usize, marker: i32): i32 {
  if (field(scratch, F_SOF) != 0) return Status.JPEG_BAD_MARKER; // one frame per image (non-hierarchical)
  if (length < 6) return Status.JPEG_BAD_MARKER;
  const precision = <i32>load<u8>(body);
  const rows = u16be(body + 1);
  const columns = u16be(body + 3);
  const components = <i32>load<u8>(body + 5);
  if (length != 6 + 3 * components) return Status.JPEG_BAD_MARKER;
  if (components < 1 || columns == 0) return Status.JPEG_BAD_MARKER;
  if (components > MAX_COMPONENTS) return Status.JPEG_UNSUPPORTED;
  if (rows == 0) return Status.JPEG_UNSUPPORTED; // the number of lines comes later in a DNL segment
  // Table B.2: baseline 8 bits; extended 8 or 12; lossless 2..16.
  if (marker == SOF0 && precision != 8) return Status.JPEG_BAD_MARKER;
  if ((marker == SOF1 || marker == SOF2) && precision != 8 && precision != 12) return Status.JPEG_BAD_MARKER;
  if (marker == SOF3 && (precision < 2 || precision > 16)) return Status.JPEG_BAD_MARKER;
  let maxH: i32 = 1;
  let maxV: i32 = 1;
  for (let i: i32 = 0; i < components; i++) {
    const at = body + 6 + <usize>(3 * i);
    const id = <i32>load<u8>(at);
    const h = <i32>(load<u8>(at + 1) >> 4);
    const v = <i32>(load<u8>(at + 1) & 15);
    const tq = <i32>load<u8>(at + 2);
    if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3) return Status.JPEG_BAD_MARKER;
    for (let j: i32 = 0; j < i; j++) if (field(component(scratch, j), C_ID) == id) return Status.JPEG_BAD_MARKER;
    const c = component(scratch, i);
    setField(c, C_ID, id);
    setField(c, C_H, h);
    setField(c, C_V, v);
    setField(c, C_TQ, tq);
    if (h > maxH) maxH = h;
    if (v > maxV) maxV = v;
  }
  setField(scratch, F_SOF, marker);
  setField(scratch, F_PRECISION, precision);
  setField(scratch, F_ROWS, rows);
  setField(scratch, F_COLUMNS, columns);
  setField(scratch, F_COMPONENTS, components);
  setField(scratch, F_MAX_H, maxH);
  setField(scratch, F_MAX_V, maxV);
  return Status.OK;
}

/** DHT: one or more Huffman table specifications (B.2.4.2). */
function readHuffmanTables(body: usize, length: i32, scratch: usize): i32 {
  let at: i32 = 0;
  while (at < length) {
    if (at + 17 > length) return Status.JPEG_BAD_TABLE;
    const classAndId = <i32>load<u8>(body + <usize>at);
    const tableClass = classAndId >> 4;
    const id = classAndId & 15;
    if (tableClass > 1 || id > 3) return Status.JPEG_BAD_TABLE;
    let total: i32 = 0;
    for (let i: i32 = 1; i <= 16; i++) total += <i32>load<u8>(body + <usize>(at + i));
    if (at + 17 + total > length) return Status.JPEG_BAD_TABLE;
    const status = buildHuffmanTable(huffmanTable(scratch, tableClass, id), body + <usize>(at + 1), body + <usize>(at + 17), total, tableClass);
    if (status < 0) return status;
    setField(scratch, F_TABLES, field(scratch, F_TABLES) | (1 << ((tableClass << 2) + id)));
    at += 17 + total;
  }
  return Status.OK;
}

/** DQT: one or more quantization tables (B.2.4.1), stored in natural order. */
function readQuantizationTables(body: usize, length: i32, scratch: usize): i32 {
  let at: i32 = 0;
  while (at < length) {
    const precisionAndId = <i32>load<u8>(body + <usize>at);
    const wide = precisionAndId >> 4;
    const id = precisionAndId & 15;
    if (wide > 1 || id > 3) return Status.JPEG_BAD_TABLE;
    const bytes = wide ? 128 : 64;
    if (at + 1 + bytes > length) return Status.JPEG_BAD_TABLE;
    const table = scratch + QUANT + <usize>id * QUANT_BYTES;
    for (let k: i32 = 0; k < 64; k++) {
      const value = wide ? u16be(body + <usize>(at + 1 + 2 * k)) : <i32>load<u8>(body + <usize>(at + 1 + k));
      store<i32>(table + (<usize>unchecked(ZIGZAG[k]) << 2), value);
    }
    setField(scratch, F_TABLES, field(scratch, F_TABLES) | (1 << (8 + id)));
    at += 1 + bytes;
  }
  return Status.OK;
}

/** SOS scan header (B.2.3). Tables are looked up when the scan is decoded. */
function readScanHeader(body: usize, length: i32, scratch: usize): i32 {
  if (field(scratch, F_SOF) == 0) return Status.JPEG_NO_FRAME;
  if (length < 1) return Status.JPEG_BAD_SCAN;
  const count = <i32>load<u8>(body);
  if (count < 1 || count > field(scratch, F_COMPONENTS) || length != 4 + 2 * count) return Status.JPEG_BAD_SCAN;
  const frameComponents = field(scratch, F_COMPONENTS);
  const scan = scratch + SCAN;
  setField(scan, S_COMPONENTS, count);
  for (let j: i32 = 0; j < count; j++) {
    const id = <i32>load<u8>(body + 1 + <usize>(2 * j));
    const tables = <i32>load<u8>(body + 2 + <usize>(2 * j));
    let index: i32 = -1;
    for (let i: i32 = 0; i < frameComponents; i++) if (field(component(scratch, i), C_ID) == id) index = i;
    if (index < 0) return Status.JPEG_BAD_SCAN;
    for (let k: i32 = 0; k < j; k++) if (field(scan, S_INDEX + (<usize>k << 2)) == index) return Status.JPEG_BAD_SCAN;
    const dc = tables >> 4;
    const ac = tables & 15;
    if (dc > 3 || ac > 3) return Status.JPEG_BAD_SCAN;
    setField(scan, S_INDEX + (<usize>j << 2), index);
    // Table addresses, or 0 when not (yet) defined: the scan decoder checks what it needs.
    const tableMask = field(scratch, F_TABLES);
    setField(scan, S_DC_TABLE + (<usize>j << 2), (tableMask >> dc) & 1 ? <i32>huffmanTable(scratch, 0, dc) : 0);
    setField(scan, S_AC_TABLE + (<usize>j << 2), (tableMask >> (4 + ac)) & 1 ? <i32>huffmanTable(scratch, 1, ac) : 0);
  }
  const tail = body + 1 + <usize>(2 * count);
  setField(scan, S_START, <i32>load<u8>(tail));
  setField(scan, S_END, <i32>load<u8>(tail + 1));
  setField(scan, S_APPROX, <i32>load<u8>(tail + 2));
  return Status.OK;
}

/**
 * Offset of the marker that ends entropy-coded data starting at `pos` (B.1.1.5): the first
 * 0xFF not followed by a stuffed 0x00 (or fill 0xFF) and not an RSTn; `length` when there is none.
 */
export function findMarker(src: usize, length: usize, pos: usize): usize {
  while (pos + 1 < length) {
    if (load<u8>(src + pos) == 0xff) {
      const next = <i32>load<u8>(src + pos + 1);
      if (next != 0 && next != 0xff && (next < RST0 || next > RST0 + 7)) return pos;
      pos += next == 0xff ? 1 : 2;
    } else {
      pos++;
    }
  }
  return length;
}
