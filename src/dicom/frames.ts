/**
 * Locating frame `i` in Pixel Data: native frames by offset (PS3.5 8.1.1, 8.2), encapsulated
 * frames by Extended Offset Table, Basic Offset Table, one fragment per frame, or codestream
 * start markers (PS3.5 A.4).
 */
import { DecodeError } from '../errors.js';
import type { PixelInfo } from '../types.js';
import type { DataSet, Element, Fragment } from './dicomParser.js';
import { elementBytes, presentElement } from './values.js';
import { TAG } from './attributes.js';
import { transferSyntax, type TransferSyntax } from '../uids.js';

/**
 * Bits of one native frame. Native YBR_FULL_422 stores two chroma samples per two pixels,
 * so a frame is two thirds of the full three-sample size (PS3.3 C.7.6.3.1.2; pydicom does the same).
 */
export function nativeFrameBits(info: PixelInfo): number {
  const samples = info.rows * info.columns * info.samplesPerPixel;
  const bits = samples * info.bitsAllocated;
  return info.photometricInterpretation === 'YBR_FULL_422' && info.samplesPerPixel === 3 && info.bitsAllocated >= 8
    ? (bits / 3) * 2
    : bits;
}

export interface NativeFrameSource {
  /** The whole Pixel Data value (as much of it as the buffer holds). */
  pixelData: Uint8Array;
  /** The value's declared length, which may exceed what the buffer holds. */
  declaredLength: number;
  /**
   * Explicit VR Big Endian with OW Pixel Data and Bits Allocated ≤ 8: the bytes sit in 16-bit
   * words that were byte-swapped, so stream byte k is stored at k ^ 1 (PS3.5 8.2, 7.3).
   */
  swappedWords: boolean;
  transferSyntaxUID: string;
}

/**
 * The bytes of native frame `index`: a subarray of the input when they are byte-aligned and in
 * stream order, else a fresh copy (1-bit frames that start or end inside a byte, swapped words).
 * 1-bit frames come back byte-aligned: bit 0 of byte 0 is the frame's first pixel, unused bits
 * of the last byte are zero.
 *
 * @throws {DecodeError} TRUNCATED when the Pixel Data ends before the frame does.
 */
export function nativeFrame(source: NativeFrameSource, info: PixelInfo, index: number): Uint8Array {
  const { pixelData, swappedWords } = source;
  const frameBits = nativeFrameBits(info);
  const startBit = index * frameBits;
  const endBit = startBit + frameBits;
  const firstByte = Math.floor(startBit / 8);
  const lastByte = Math.ceil(endBit / 8) - 1;
  // With swapped words, stream byte k is stored at k ^ 1: the frame needs the whole last word.
  const needed = (swappedWords ? lastByte | 1 : lastByte) + 1;
  if (needed > pixelData.length) {
    throw new DecodeError(
      'TRUNCATED',
      `frame ${index} ends at byte ${Math.ceil(endBit / 8)} of Pixel Data, which holds ${pixelData.length}` +
        (source.declaredLength > pixelData.length ? ` (declared ${source.declaredLength})` : ''),
      source.transferSyntaxUID,
    );
  }
  const shift = startBit % 8;
  const frameBytes = Math.ceil(frameBits / 8);
  if (!swappedWords && shift === 0 && frameBits % 8 === 0) {
    return pixelData.subarray(firstByte, firstByte + frameBytes);
  }

  const out = new Uint8Array(frameBytes);
  const mask = swappedWords ? 1 : 0;
  if (shift === 0) {
    for (let i = 0; i < frameBytes; i++) out[i] = pixelData[(firstByte + i) ^ mask]!;
  } else {
    // Bit-continuous 1-bit frames (PS3.5 8.1.1): shift the frame's bits down to bit 0.
    for (let i = 0; i < frameBytes; i++) {
      const position = firstByte + i;
      const low = pixelData[position ^ mask]! >>> shift;
      const high = position + 1 <= lastByte ? pixelData[(position + 1) ^ mask]! << (8 - shift) : 0;
      out[i] = (low | high) & 0xff;
    }
  }
  const usedBits = frameBits % 8;
  if (usedBits !== 0) out[frameBytes - 1]! &= (1 << usedBits) - 1;
  return out;
}

/**
 * Whether a fragment starts the codestream its transfer syntax's frames start with (uids.ts
 * `codestream`; PS3.5 A.4: a fragment holds one frame at most).
 */
function startsCodestream(bytes: Uint8Array, kind: TransferSyntax['codestream']): boolean {
  if (bytes.length < 4 || kind === undefined) return false;
  // JPEG / JPEG-LS SOI.
  if (kind === 'jpeg') return bytes[0] === 0xff && bytes[1] === 0xd8;
  // JPEG 2000 / HTJ2K codestream: SOC then SIZ.
  if (bytes[0] === 0xff && bytes[1] === 0x4f && bytes[2] === 0xff && bytes[3] === 0x51) return true;
  // JP2 signature box: length 12, type 'jP  ', content 0D 0A 87 0A.
  const JP2 = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];
  return bytes.length >= 12 && JP2.every((value, i) => bytes[i] === value);
}

/** How the frames of encapsulated Pixel Data were found, for messages. */
type FrameTableSource = 'extended offset table' | 'basic offset table' | 'one fragment per frame' | 'single frame' | 'codestream markers';

interface FrameTable {
  source: FrameTableSource;
  /** Per frame: [first fragment, end fragment) — or, with the Extended Offset Table, one byte range. */
  frames: { first: number; end: number; length?: number }[];
}

/** Offsets of the Extended Offset Table (OV, 64-bit) or its lengths. */
function readOV(dataSet: DataSet, tag: string): number[] | undefined {
  const element = presentElement(dataSet, tag);
  if (!element) return undefined;
  const bytes = elementBytes(dataSet, element);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  // Encapsulated syntaxes are all little endian.
  for (let at = 0; at + 8 <= bytes.length; at += 8) values.push(view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32);
  return values;
}

/**
 * Encapsulated Pixel Data: where each frame's fragments are. The table is built once, on the
 * first request; a frame that cannot be located throws CORRUPT_DATA when it is asked for.
 */
export class EncapsulatedFrames {
  private table: FrameTable | DecodeError | undefined;
  private readonly fragments: Fragment[];

  constructor(
    private readonly dataSet: DataSet,
    private readonly element: Element,
    private readonly numberOfFrames: number,
    private readonly transferSyntaxUID: string,
    private readonly readError?: unknown,
  ) {
    this.fragments = element.fragments ?? [];
  }

  /** The fragments of frame `index` (already range-checked by the caller). */
  frame(index: number): Uint8Array[] {
    const table = this.frameTable();
    if (table instanceof DecodeError) throw table;
    const frame = table.frames[index];
    if (!frame) {
      throw this.corrupt(`frame ${index} cannot be located: ${table.frames.length} found by ${table.source}`);
    }
    const bytes = this.dataSet.byteArray as Uint8Array;
    const parts: Uint8Array[] = [];
    for (let i = frame.first; i < frame.end; i++) {
      const fragment = this.fragments[i]!;
      const length = frame.length ?? fragment.length;
      if (fragment.position + length > bytes.length) {
        throw new DecodeError(
          'TRUNCATED',
          `fragment ${i} of frame ${index} ends at byte ${fragment.position + length}, the data at ${bytes.length}`,
          this.transferSyntaxUID,
        );
      }
      parts.push(bytes.subarray(fragment.position, fragment.position + length));
    }
    return parts;
  }

  private corrupt(detail: string, cause?: unknown): DecodeError {
    return new DecodeError('CORRUPT_DATA', detail, this.transferSyntaxUID, cause === undefined ? undefined : { cause });
  }

  private frameTable(): FrameTable | DecodeError {
    this.table ??= this.buildTable();
    return this.table;
  }

  private buildTable(): FrameTable | DecodeError {
    if (this.readError !== undefined) {
      return this.corrupt('the encapsulated Pixel Data items cannot be read', this.readError);
    }
    const fragments = this.fragments;
    const frameCount = this.numberOfFrames;
    if (fragments.length === 0) return this.corrupt('encapsulated Pixel Data has no fragments');
    const fragmentAt = new Map(fragments.map((fragment, i) => [fragment.offset, i]));

    // Extended Offset Table (PS3.3 C.7.6.3.1.8): offsets of each frame's single fragment item,
    // relative to the first fragment; the lengths exclude the item header.
    const extendedOffsets = readOV(this.dataSet, TAG.extendedOffsetTable);
    if (extendedOffsets && extendedOffsets.length > 0) {
      const lengths = readOV(this.dataSet, TAG.extendedOffsetTableLengths);
      if (!lengths || lengths.length !== extendedOffsets.length) {
        return this.corrupt('the Extended Offset Table and its Lengths disagree');
      }
      const frames: FrameTable['frames'] = [];
      for (let i = 0; i < extendedOffsets.length; i++) {
        const first = fragmentAt.get(extendedOffsets[i]!);
        if (first === undefined || lengths[i]! > fragments[first]!.length) {
          return this.corrupt(`Extended Offset Table entry ${i} does not point at a fragment of that length`);
        }
        frames.push({ first, end: first + 1, length: lengths[i]! });
      }
      return { source: 'extended offset table', frames };
    }

    // Basic Offset Table: offset of each frame's first fragment item. Offsets that do not land
    // on fragments (e.g. wrapped past 4 GiB) are ignored in favour of the rules below.
    const basicOffsets = this.element.basicOffsetTable ?? [];
    if (basicOffsets.length > 0) {
      const starts = basicOffsets.map((offset) => fragmentAt.get(offset));
      const valid =
        starts.length >= frameCount &&
        starts.every((start, i) => start !== undefined && (i === 0 ? start === 0 : start > starts[i - 1]!));
      if (valid) {
        const frames = (starts as number[]).map((first, i) => ({ first, end: (starts[i + 1] as number | undefined) ?? fragments.length }));
        return { source: 'basic offset table', frames };
      }
    }

    if (fragments.length === frameCount) {
      return { source: 'one fragment per frame', frames: fragments.map((_, i) => ({ first: i, end: i + 1 })) };
    }
    if (frameCount === 1) {
      return { source: 'single frame', frames: [{ first: 0, end: fragments.length }] };
    }
    if (fragments.length < frameCount) {
      return this.corrupt(`${fragments.length} fragments for ${frameCount} frames and no offset table`);
    }

    // More fragments than frames and no usable offset table: a fragment that starts a JPEG,
    // JPEG-LS or JPEG 2000 codestream starts a frame.
    const bytes = this.dataSet.byteArray as Uint8Array;
    const codestream = transferSyntax(this.transferSyntaxUID)?.codestream;
    const frames: FrameTable['frames'] = [];
    for (let i = 0; i < fragments.length; i++) {
      const fragment = fragments[i]!;
      const head = bytes.subarray(fragment.position, Math.min(fragment.position + 12, bytes.length));
      if (startsCodestream(head, codestream)) {
        if (frames.length > 0) frames[frames.length - 1]!.end = i;
        frames.push({ first: i, end: fragments.length });
      } else if (i === 0) {
        return this.corrupt(
          `${fragments.length} fragments for ${frameCount} frames, no offset table, and the first fragment starts no known codestream`,
        );
      }
    }
    return { source: 'codestream markers', frames };
  }
}
