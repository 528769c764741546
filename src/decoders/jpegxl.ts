import { concatBytes } from '../bytes.js';
import { decode as decodePng } from 'fast-png';
import { DecodeError } from '../errors.js';
import type { RawFrame } from '../raw.js';
import type { PixelInfo } from '../types.js';
import { libjpeg, preload, ready } from '../wasm/codecs.js';
import { preloadJxl, readyJxl } from '../wasm/jxl.js';
import { JxlJpegStatus, libjxlJpeg } from '../wasm/jxl-jpeg.js';
import { codecFrame, type Decoder } from './decoder.js';
import { jpegDecoder } from './jpeg.js';

/**
 * JPEG XL Lossless, JPEG XL JPEG Recompression and JPEG XL (PS3.5 A.4.12, ISO/IEC 18181-1 and
 * -2).
 * - .110 and .112 are decoded by jxl-oxide. JPEG XL samples are unsigned: signed data is the
 *   two's-complement pattern of its bits, sign-extended by pipeline/frame.ts from Pixel
 *   Representation, as for JPEG-LS. jxl-oxide's bindings hand the image out as a PNG (16 bits
 *   for more than 8, scaled to 65535), so the codestream's own bit depth is read from its header
 *   and the scaling undone exactly.
 * - .111 carries a JPEG losslessly recompressed: a container whose jbrd box (JPEG bitstream
 *   reconstruction data) lets libjxl rebuild the original JPEG byte for byte (src/wasm/jxl-jpeg.ts),
 *   which the JPEG family decoder then decodes, so the pixels are those of the JPEG (djpeg's, as
 *   for .50). libjxl's own pixel decode of it is not: chroma from luma and its float DCT differ
 *   from a JPEG decoder by up to 14 (fixtures/jxl/PROVENANCE.md). A .111 frame without a jbrd box
 *   (a bare codestream, or a container without one) has no JPEG to rebuild: its pixels are
 *   decoded by jxl-oxide as for .112.
 */
export const jpegxlDecoder: Decoder = {
  name: 'jpeg-xl',
  // .111 frames with a jbrd box: 'libjxl (JPEG reconstruction) + dicom-pixels JPEG' (src/uids.ts).
  codec: 'jxl-oxide',
  prepare(fragments, _info, { transferSyntaxUID }) {
    if (transferSyntaxUID !== RECOMPRESSION || !hasJpegReconstruction(joined(fragments))) return preloadJxl();
    // The rebuilt 8-bit JPEG almost always goes to libjpeg-turbo: loaded with libjxl, so the
    // first frame is not rebuilt twice (a CodecNotReady from the JPEG decoder would repeat it).
    const pending = [preload(libjxlJpeg), preload(libjpeg)].filter((p) => p !== undefined);
    return pending.length > 0 ? Promise.all(pending) : undefined;
  },
  decode(fragments, info, context): RawFrame {
    const { kernels, transferSyntaxUID } = context;
    const bytes = joined(fragments);
    const header = readJxlHeader(bytes, transferSyntaxUID);
    const rebuild = transferSyntaxUID === RECOMPRESSION && hasJpegReconstruction(bytes);
    if (header.width !== info.columns || header.height !== info.rows) {
      throw new DecodeError('INVALID_PIXEL_INFO', `the JPEG XL image is ${header.width}×${header.height}, the attributes say ${info.columns}×${info.rows}`, transferSyntaxUID, { codec: rebuild ? 'libjxl' : 'jxl-oxide' });
    }
    if (rebuild) {
      const jpeg = rebuildJpeg(bytes, info, transferSyntaxUID);
      if (jpeg) return jpegDecoder.decode([jpeg], info, context);
    }
    if (header.floatSample || header.bitsPerSample > 16) {
      throw new DecodeError('CORRUPT_DATA', `JPEG XL ${header.floatSample ? 'floating-point' : `${header.bitsPerSample}-bit`} samples are not supported`, transferSyntaxUID, { codec: 'jxl-oxide' });
    }
    const png = render(bytes, transferSyntaxUID);
    let image: ReturnType<typeof decodePng>;
    try {
      image = decodePng(png);
    } catch (cause) {
      throw new DecodeError('CORRUPT_DATA', 'jxl-oxide rendered an unreadable image', transferSyntaxUID, { cause, codec: 'jxl-oxide' });
    }
    // Grey and RGB; an alpha channel (extra channel) is not part of a DICOM frame.
    const colour = image.channels >= 3 ? 3 : 1;
    if (colour !== info.samplesPerPixel || image.width !== info.columns || image.height !== info.rows) {
      throw new DecodeError('INVALID_PIXEL_INFO', `the JPEG XL image has ${colour} colour channel(s), the attributes say ${info.samplesPerPixel}`, transferSyntaxUID, { codec: 'jxl-oxide' });
    }
    const bits = header.bitsPerSample;
    const wide = bits > 8;
    const pixels = info.rows * info.columns;
    const ptr = kernels.alloc(pixels * colour * (wide ? 2 : 1));
    const out = wide ? new Uint16Array(kernels.fn.memory.buffer, ptr, pixels * colour) : new Uint8Array(kernels.fn.memory.buffer, ptr, pixels * colour);
    const data = image.data;
    const stride = image.channels;
    // A PNG sample p of depth D holds round(v / (2^bits − 1) × (2^D − 1)): exactly invertible.
    const pngMax = image.depth === 16 ? 65535 : 255;
    const max = 2 ** bits - 1;
    const scale = max / pngMax;
    const exact = max === pngMax;
    for (let i = 0, o = 0; i < pixels * stride; i += stride) {
      for (let c = 0; c < colour; c++) out[o++] = exact ? data[i + c]! : Math.round(data[i + c]! * scale);
    }
    // XYB-coded colour (PS3.3 C.7.6.3.1.2) comes out as RGB: the decoder converts it. So does
    // the colour of a .111 frame decoded to pixels (its JPEG's YCbCr is not kept).
    const photometricInterpretation = info.photometricInterpretation === 'XYB' || (colour === 3 && transferSyntaxUID === RECOMPRESSION) ? 'RGB' : info.photometricInterpretation;
    return codecFrame(info, ptr, wide ? 2 : 1, { at: 'lowBits', precision: bits, lossy: transferSyntaxUID !== LOSSLESS }, { photometricInterpretation });
  },
};

const LOSSLESS = '1.2.840.10008.1.2.4.110';
const RECOMPRESSION = '1.2.840.10008.1.2.4.111';

/**
 * Pixels of a .111 frame libjxl is given at most (5792², or 8192 × 4096): while it rebuilds a
 * JPEG it holds about 17 bytes per pixel for grey and 24 for colour (measured at 2048² and
 * 4096²), besides the input and the JPEG, and its memory stops at 2 GiB.
 */
export const MAX_RECONSTRUCTION_PIXELS = 2 ** 25;

const joined = (fragments: readonly Uint8Array[]): Uint8Array => (fragments.length === 1 ? fragments[0]! : concatBytes(fragments));

/**
 * The JPEG that a .111 frame's jbrd box rebuilds, or undefined when libjxl finds no
 * reconstruction data to use (then the pixels are decoded instead). Its failures as
 * DecodeErrors; a module that trapped is discarded.
 */
function rebuildJpeg(bytes: Uint8Array, info: PixelInfo, transferSyntaxUID: string): Uint8Array | undefined {
  const pixels = info.rows * info.columns;
  if (pixels > MAX_RECONSTRUCTION_PIXELS) {
    throw new DecodeError('FRAME_TOO_LARGE', `${info.columns}×${info.rows}: JPEG reconstruction takes at most ${MAX_RECONSTRUCTION_PIXELS} pixels`, transferSyntaxUID, { codec: 'libjxl' });
  }
  const samples = pixels * info.samplesPerPixel;
  const codec = ready(libjxlJpeg);
  // A JPEG takes under 8 bytes per sample even at its worst (every coefficient coded, every
  // byte stuffed); markers and tail data come from the input, which holds them compressed.
  const maxOut = Math.min(8 * samples + 4 * bytes.length + 2 ** 20, 2 ** 29);
  let result;
  try {
    result = codec.decoder.reconstruct([bytes], info.columns, info.rows, maxOut);
  } catch (cause) {
    // A trap (libjxl's checks, or an allocation libc++ could not make) leaves the module unusable.
    const exhausted = codec.decoder.memoryExhausted();
    libjxlJpeg.discard(codec);
    throw new DecodeError(exhausted ? 'OUT_OF_MEMORY' : 'CORRUPT_DATA', `libjxl: ${codec.describe(cause)}`, transferSyntaxUID, { cause, codec: 'libjxl' });
  }
  const fail = (code: 'TRUNCATED' | 'CORRUPT_DATA' | 'OUT_OF_MEMORY' | 'INVALID_PIXEL_INFO', detail: string): never => {
    throw new DecodeError(code, `libjxl: ${detail}`, transferSyntaxUID, { codec: 'libjxl' });
  };
  switch (result.status) {
    case JxlJpegStatus.Ok:
      return result.jpeg!;
    case JxlJpegStatus.NoReconstruction:
      return undefined;
    case JxlJpegStatus.Truncated:
      return fail('TRUNCATED', 'the JPEG XL file ends before the JPEG could be rebuilt');
    case JxlJpegStatus.TooLarge:
      return fail('CORRUPT_DATA', `the rebuilt JPEG would exceed ${maxOut} bytes`);
    case JxlJpegStatus.OutOfMemory:
      return fail('OUT_OF_MEMORY', 'its memory is exhausted');
    case JxlJpegStatus.SizeMismatch:
      return fail('INVALID_PIXEL_INFO', `the JPEG XL image is ${result.width}×${result.height}, the attributes say ${info.columns}×${info.rows}`);
    default:
      return fail('CORRUPT_DATA', 'the JPEG XL file or its JPEG reconstruction data is invalid');
  }
}

/** Whether a JPEG XL container has a jbrd box (JPEG bitstream reconstruction data, 18181-2). */
export function hasJpegReconstruction(bytes: Uint8Array): boolean {
  return boxTypes(bytes).includes('jbrd');
}


/** jxl-oxide's rendering of the codestream as a PNG; its failures as DecodeErrors. */
function render(bytes: Uint8Array, transferSyntaxUID: string): Uint8Array {
  const jxl = readyJxl();
  const image = new jxl.JxlImage();
  try {
    image.feedBytes(bytes);
    if (!image.tryInit()) throw new DecodeError('TRUNCATED', 'the JPEG XL codestream ends before its headers do', transferSyntaxUID, { codec: 'jxl-oxide' });
    // jxl-oxide renders what has arrived of a progressive image: a cut stream must not pass as one.
    if (!image.loaded) throw new DecodeError('TRUNCATED', 'the JPEG XL codestream ends before its last frame does', transferSyntaxUID, { codec: 'jxl-oxide' });
    // encodeToPng consumes the render result (frees it): nothing left to free here.
    return image.render().encodeToPng();
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const cut = /eof|end of|truncat|not enough|incomplete|not loaded|unexpected end/i.test(message);
    throw new DecodeError(cut ? 'TRUNCATED' : 'CORRUPT_DATA', `jxl-oxide: ${message}`, transferSyntaxUID, { cause: error, codec: 'jxl-oxide' });
  } finally {
    image.free();
  }
}

/** What a JPEG XL codestream's first headers say (ISO/IEC 18181-1 D.2, A.4-A.6). */
export interface JxlHeader {
  width: number;
  height: number;
  bitsPerSample: number;
  floatSample: boolean;
}

/** Bits read least significant first within each byte (18181-1 A.3.1). */
class BitReader {
  private at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fail: () => never,
  ) {}
  u(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.at >> 3];
      if (byte === undefined) this.fail();
      value += ((byte! >> (this.at & 7)) & 1) * 2 ** i;
      this.at++;
    }
    return value;
  }
  bool(): boolean {
    return this.u(1) === 1;
  }
  /** U32(d0, d1, d2, d3): a 2-bit selector, then the chosen distribution ([value] or [bits, offset]). */
  u32(...distributions: ([number] | [number, number])[]): number {
    const d = distributions[this.u(2)]!;
    return d.length === 1 ? d[0] : this.u(d[0]) + d[1];
  }
}

const RATIOS: Record<number, [number, number]> = { 1: [1, 1], 2: [12, 10], 3: [4, 3], 4: [3, 2], 5: [16, 9], 6: [5, 4], 7: [2, 1] };

function readSize(reader: BitReader, preview: boolean): { width: number; height: number } {
  const div8 = reader.bool();
  const sizeDistribution: ([number] | [number, number])[] = preview
    ? [[6, 1], [8, 65], [10, 321], [12, 1345]]
    : [[9, 1], [13, 1], [18, 1], [30, 1]];
  const div8Distribution: ([number] | [number, number])[] = preview ? [[16], [32], [5, 1], [9, 33]] : [[5, 1]];
  const dimension = (): number => (div8 ? (preview ? reader.u32(...div8Distribution) : reader.u(5) + 1) * 8 : reader.u32(...sizeDistribution));
  const height = dimension();
  const ratio = reader.u(3);
  const width = ratio === 0 ? dimension() : Math.floor((height * RATIOS[ratio]![0]) / RATIOS[ratio]![1]);
  return { width, height };
}

/**
 * The image size and sample depth from the start of a JPEG XL codestream (FF 0A) or container
 * (ISO/IEC 18181-2: the 'JXL ' signature box, then jxlc or jxlp boxes).
 *
 * @throws {DecodeError} CORRUPT_DATA when neither signature is there, TRUNCATED when the data
 *   ends inside the headers.
 */
export function readJxlHeader(bytes: Uint8Array, transferSyntaxUID: string): JxlHeader {
  const codestream = codestreamOf(bytes, transferSyntaxUID);
  if (codestream[0] !== 0xff || codestream[1] !== 0x0a) {
    throw new DecodeError('CORRUPT_DATA', 'not a JPEG XL codestream (no FF0A signature, no JPEG XL container)', transferSyntaxUID, { codec: 'jxl-oxide' });
  }
  const reader = new BitReader(codestream.subarray(2), () => {
    throw new DecodeError('TRUNCATED', 'the JPEG XL codestream ends inside its headers', transferSyntaxUID, { codec: 'jxl-oxide' });
  });
  const { width, height } = readSize(reader, false);
  // ImageMetadata (A.6): all_default means 8-bit integer samples.
  if (reader.bool()) return { width, height, bitsPerSample: 8, floatSample: false };
  if (reader.bool()) {
    // extra_fields: orientation, intrinsic size, preview, animation.
    reader.u(3);
    if (reader.bool()) readSize(reader, false);
    if (reader.bool()) readSize(reader, true);
    if (reader.bool()) {
      reader.u32([100], [1000], [10, 1], [30, 1]);
      reader.u32([1], [1001], [8, 1], [10, 1]);
      reader.u32([0], [3, 0], [16, 0], [32, 0]);
      reader.bool();
    }
  }
  const floatSample = reader.bool();
  const bitsPerSample = floatSample ? reader.u32([32], [16], [24], [6, 1]) : reader.u32([8], [10], [12], [6, 1]);
  return { width, height, bitsPerSample, floatSample };
}

const isContainer = (bytes: Uint8Array): boolean =>
  bytes.length >= 12 && bytes[3] === 12 && bytes[4] === 0x4a && bytes[5] === 0x58 && bytes[6] === 0x4c && bytes[7] === 0x20;

interface Box {
  type: string;
  /** The payload, cut where the data ends. */
  payload: Uint8Array;
}

/** The top-level boxes of a container (ISO/IEC 18181-2), as far as the data holds whole box headers. */
function boxes(bytes: Uint8Array): Box[] {
  if (!isContainer(bytes)) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Box[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    let header = 8;
    if (size === 1) {
      if (at + 16 > bytes.length) break;
      size = view.getUint32(at + 8) * 2 ** 32 + view.getUint32(at + 12);
      header = 16;
    } else if (size === 0) size = bytes.length - at;
    if (size < header) break;
    out.push({ type, payload: bytes.subarray(at + header, Math.min(bytes.length, at + size)) });
    at += size;
  }
  return out;
}

function boxTypes(bytes: Uint8Array): string[] {
  return boxes(bytes).map((box) => box.type);
}

/** The codestream of a bare codestream or of a container's jxlc / first jxlp box. */
function codestreamOf(bytes: Uint8Array, transferSyntaxUID: string): Uint8Array {
  if (!isContainer(bytes)) return bytes;
  const parts: Uint8Array[] = [];
  for (const { type, payload } of boxes(bytes)) {
    if (type === 'jxlc') return payload;
    // Partial codestream boxes (a 4-byte index, then their part) are joined: the first may
    // hold only a few bytes (cjxl splits around a jbrd box).
    if (type === 'jxlp' && payload.length >= 4) parts.push(payload.subarray(4));
  }
  if (parts.length > 0) return concatBytes(parts);
  throw new DecodeError('TRUNCATED', 'the JPEG XL container has no codestream box (jxlc or jxlp)', transferSyntaxUID, { codec: 'jxl-oxide' });
}
