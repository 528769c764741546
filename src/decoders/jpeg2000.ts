import { DecodeError } from '../errors.js';
import type { PixelInfo } from '../types.js';
import { transferSyntax } from '../uids.js';
import {
  isTruncationMessage,
  openjpeg,
  openjph,
  preload,
  ready,
  runCodec,
  writeEncoded,
  type Codec,
  type CodecLoader,
  type HTJ2KDecoder,
  type J2KDecoder,
} from '../wasm/codecs.js';
import type { RawFrame } from '../raw.js';
import { codecFrame, type DecodeContext, type Decoder } from './decoder.js';
import { concatBytes } from '../bytes.js';
import { decodeCodestream, parse, unsupported } from './j2k/decode.js';
import { COC, COD, EOC, SIZ, SOC, SOD, SOT } from './j2k/codestream.js';

/**
 * JPEG 2000 (PS3.5 A.4.4, ISO/IEC 15444-1) and HTJ2K (PS3.5 A.4.11, ISO/IEC 15444-15).
 * The main header is read here first, so a codestream that disagrees with the attributes is
 * refused before any decoding, and `resolutionLevel` can be clamped to its decomposition levels.
 */

/** What the main header (SIZ, COD, COC) says. */
export interface Codestream {
  width: number;
  height: number;
  /** XOsiz / YOsiz: the image's offset on the reference grid. */
  offsetX: number;
  offsetY: number;
  components: number;
  /** Precision (bits) and sign of component 0. */
  precision: number;
  signed: boolean;
  /** Every component has component 0's precision and sign, and no subsampling. */
  uniform: boolean;
  /** Fewest wavelet decomposition levels of any component (COD, COC). */
  decompositions: number;
  /** The multiple component transform (RCT or ICT) is used: the codec's output is RGB. */
  colourTransform: boolean;
  /** Some component uses the irreversible 9/7 wavelet (COD, COC): the decode is lossy. */
  irreversible: boolean;
  /** Rsiz says HTJ2K (ISO/IEC 15444-15 capabilities, bit 14). */
  highThroughput: boolean;
  /** The data ends inside the main header or inside a tile-part (its Psot runs past the end). */
  truncated: boolean;
  /**
   * Fewest bytes a complete codestream with these headers can have: 14 per tile (SOT, SOD),
   * and one per packet (B.9, B.10), counted where the main header sets the coding style.
   */
  minimumBytes: number;
}


/** Offset of the codestream in a JP2 file (its 'jp2c' box), or 0 for a bare codestream. */
export function codestreamStart(first: Uint8Array): number {
  // JP2 signature box: length 12, type 'jP  ' (ISO/IEC 15444-1 I.5.1).
  if (first.length < 12 || first[4] !== 0x6a || first[5] !== 0x50 || first[6] !== 0x20 || first[7] !== 0x20) return 0;
  const view = new DataView(first.buffer, first.byteOffset, first.byteLength);
  let at = 0;
  while (at + 8 <= first.length) {
    let length = view.getUint32(at);
    let header = 8;
    if (length === 1 && at + 16 <= first.length) {
      length = Number(view.getBigUint64(at + 8));
      header = 16;
    }
    const type = String.fromCharCode(first[at + 4]!, first[at + 5]!, first[at + 6]!, first[at + 7]!);
    if (type === 'jp2c') return at + header;
    if (length < header) break;
    at += length;
  }
  return 0;
}

/** Read the main header of a codestream that starts at `bytes[0]`. */
export function readCodestream(bytes: Uint8Array, transferSyntaxUID: string): Codestream {
  const corrupt = (detail: string) => new DecodeError('CORRUPT_DATA', `JPEG 2000 codestream: ${detail}`, transferSyntaxUID);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at) : -1);
  if (u16(0) !== SOC) throw corrupt('no SOC marker (FF4F) at the start');
  const stream: Codestream = {
    width: 0,
    height: 0,
    offsetX: 0,
    offsetY: 0,
    components: 0,
    precision: 0,
    signed: false,
    uniform: true,
    decompositions: 32,
    colourTransform: false,
    irreversible: false,
    highThroughput: false,
    truncated: false,
    minimumBytes: 0,
  };
  let tiles = 1;
  let layers = 1;
  let precincts = 0;
  let sawCoc = false;
  let sawSiz = false;
  let sawCod = false;
  let at = 2;
  for (;;) {
    const marker = u16(at);
    if (marker === -1) {
      stream.truncated = true;
      break;
    }
    if (marker === SOT || marker === EOC) break;
    if (marker >>> 8 !== 0xff) throw corrupt(`expected a marker at byte ${at}, found ${marker.toString(16)}`);
    const length = u16(at + 2);
    if (length !== -1 && length < 2) throw corrupt(`marker ${marker.toString(16)} has length ${length}`);
    if (length === -1 || at + 2 + length > bytes.length) {
      stream.truncated = true;
      break;
    }
    const body = at + 4;
    if (marker === SIZ) {
      // Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz {Ssiz XRsiz YRsiz} (A.5.1)
      if (length < 41) throw corrupt(`SIZ has length ${length}`);
      const rsiz = view.getUint16(body);
      const xsiz = view.getUint32(body + 2);
      const ysiz = view.getUint32(body + 6);
      stream.offsetX = view.getUint32(body + 10);
      stream.offsetY = view.getUint32(body + 14);
      stream.width = xsiz - stream.offsetX;
      stream.height = ysiz - stream.offsetY;
      stream.components = view.getUint16(body + 34);
      if (stream.components === 0 || 38 + 3 * stream.components > length) throw corrupt(`SIZ lists ${stream.components} components in ${length} bytes`);
      tiles = tileCount(view, body, corrupt);
      stream.highThroughput = (rsiz & 0x4000) !== 0;
      const ssiz = bytes[body + 36]!;
      stream.precision = (ssiz & 0x7f) + 1;
      stream.signed = (ssiz & 0x80) !== 0;
      for (let c = 0; c < stream.components; c++) {
        const component = body + 36 + 3 * c;
        if (bytes[component] !== ssiz || bytes[component + 1] !== 1 || bytes[component + 2] !== 1) stream.uniform = false;
      }
      sawSiz = true;
    } else if (marker === COD) {
      // Scod, SGcod (progression order, layers, multiple component transform), SPcod (levels,
      // code-block width and height, style, transformation: 0 = 9/7 irreversible) (A.6.1)
      if (length < 12) throw corrupt(`COD has length ${length}`);
      const scod = bytes[body]!;
      layers = view.getUint16(body + 2);
      const levels = bytes[body + 5]!;
      checkCodingStyle(bytes, body + 5, at + 2 + length, scod, corrupt);
      if (bytes[body + 1]! > 4 || layers === 0) throw corrupt(`COD gives progression order ${bytes[body + 1]} with ${layers} layers`);
      stream.colourTransform = bytes[body + 4] !== 0;
      stream.decompositions = Math.min(stream.decompositions, levels);
      if (bytes[body + 9] === 0) stream.irreversible = true;
      if (sawSiz) precincts = precinctCount(stream, levels, (scod & 1) !== 0 ? bytes.subarray(body + 10, body + 11 + levels) : undefined);
      sawCod = true;
    } else if (marker === COC) {
      // Ccoc is one byte below 257 components, else two; then Scoc, then SPcoc as in COD (A.6.2)
      const spcoc = body + (stream.components < 257 ? 2 : 3);
      if (spcoc + 5 > at + 2 + length) throw corrupt(`COC has length ${length}`);
      checkCodingStyle(bytes, spcoc, at + 2 + length, bytes[spcoc - 1]!, corrupt);
      stream.decompositions = Math.min(stream.decompositions, bytes[spcoc]!);
      sawCoc = true;
      if (bytes[spcoc + 4] === 0) stream.irreversible = true;
    }
    at += 2 + length;
  }
  if (!sawSiz || (!sawCod && !stream.truncated)) throw corrupt(`main header without ${sawSiz ? 'COD' : 'SIZ'}`);
  const parts = stream.truncated ? { truncated: true, tileStyles: true } : walkTileParts(view, at);
  stream.truncated = parts.truncated;
  if (!sawCod) stream.decompositions = 0;
  // Each tile has a tile-part (SOT and SOD: 14 bytes). Where the main header's COD alone sets
  // the coding style, each component also has a packet per layer and resolution of each tile,
  // and per layer and precinct of the whole image.
  const packets = sawCoc || parts.tileStyles ? 0 : Math.max(tiles * (stream.decompositions + 1), precincts) * stream.components * layers;
  stream.minimumBytes = Math.max(14 * tiles, packets);
  return stream;
}

/** Number of tiles from SIZ (A.5.1), refusing a tile grid the standard does not allow. */
function tileCount(view: DataView, body: number, corrupt: (detail: string) => DecodeError): number {
  const [xsiz, ysiz, xosiz, yosiz, xtsiz, ytsiz, xtosiz, ytosiz] = [2, 6, 10, 14, 18, 22, 26, 30].map((o) => view.getUint32(body + o)) as [
    number, number, number, number, number, number, number, number,
  ];
  if (xsiz <= xosiz || ysiz <= yosiz) throw corrupt(`SIZ gives an empty image (${xsiz}×${ysiz} from ${xosiz}, ${yosiz})`);
  if (xtsiz === 0 || ytsiz === 0 || xtosiz > xosiz || ytosiz > yosiz || xtosiz + xtsiz <= xosiz || ytosiz + ytsiz <= yosiz) {
    throw corrupt(`SIZ gives tiles of ${xtsiz}×${ytsiz} at ${xtosiz}, ${ytosiz} that do not cover the image`);
  }
  const tiles = Math.ceil((xsiz - xtosiz) / xtsiz) * Math.ceil((ysiz - ytosiz) / ytsiz);
  // Isot is 16 bits, and 65535 is not a tile index (A.4.2).
  if (tiles > 65535) throw corrupt(`SIZ gives ${tiles} tiles (at most 65535)`);
  return tiles;
}

/**
 * SPcod / SPcoc from `at` (levels, code-block width and height exponents, style, transform,
 * precinct sizes) against A.6.1: code-blocks of 4 to 1024 samples a side and at most 4096 in
 * all, precincts above the lowest resolution at least 2 samples a side.
 */
function checkCodingStyle(bytes: Uint8Array, at: number, end: number, style: number, corrupt: (detail: string) => DecodeError): void {
  const levels = bytes[at]!;
  const xcb = bytes[at + 1]!;
  const ycb = bytes[at + 2]!;
  if (levels > 32) throw corrupt(`${levels} decomposition levels (at most 32)`);
  if (xcb > 8 || ycb > 8 || xcb + ycb > 8) throw corrupt(`code-blocks of 2^${xcb + 2}×2^${ycb + 2} samples`);
  if (bytes[at + 4]! > 1) throw corrupt(`wavelet transformation ${bytes[at + 4]}`);
  if ((style & 1) === 0) return;
  if (at + 5 + levels + 1 > end) throw corrupt(`precinct sizes for ${levels + 1} resolutions do not fit the marker segment`);
  for (let r = 1; r <= levels; r++) {
    const size = bytes[at + 5 + r]!;
    if ((size & 15) === 0 || size >> 4 === 0) throw corrupt(`precincts of 2^${size & 15}×2^${size >> 4} at resolution ${r}`);
  }
}

/** Precincts of one component over the whole image, a lower bound for the tiled count (B.6). */
function precinctCount(stream: Codestream, levels: number, sizes: Uint8Array | undefined): number {
  let count = 0;
  for (let r = 0; r <= levels; r++) {
    const scale = 2 ** (levels - r);
    const width = Math.ceil(stream.width / scale);
    const height = Math.ceil(stream.height / scale);
    const size = sizes?.[r] ?? 0xff;
    count += Math.ceil(width / 2 ** (size & 15)) * Math.ceil(height / 2 ** (size >> 4));
  }
  return count;
}

/**
 * Walk the tile-parts from the first SOT (A.4.2): `truncated` when one's Psot runs past the end of
 * the data (the codestream was cut; Psot 0 is the last tile-part, running to EOC);
 * `tileStyles` when a tile-part header has its own COD or COC.
 */
function walkTileParts(view: DataView, first: number): { truncated: boolean; tileStyles: boolean } {
  let at = first;
  let tileStyles = false;
  while (at + 2 <= view.byteLength) {
    const marker = view.getUint16(at);
    if (marker === EOC || marker !== SOT) break;
    if (at + 12 > view.byteLength) return { truncated: true, tileStyles };
    const psot = view.getUint32(at + 6);
    // The tile-part header's marker segments, up to SOD.
    for (let m = at + 12; m + 4 <= view.byteLength; ) {
      const inner = view.getUint16(m);
      if (inner === SOD || inner >>> 8 !== 0xff) break;
      if (inner === COD || inner === COC) tileStyles = true;
      m += 2 + view.getUint16(m + 2);
    }
    if (psot === 0) break;
    if (at + psot > view.byteLength) return { truncated: true, tileStyles };
    at += psot;
  }
  return { truncated: false, tileStyles };
}

/** A JPEG 2000 codec behind one call: decode at a decomposition level, hand back the output. */
interface J2kCodec<D extends { delete(): void }> {
  loader: CodecLoader<D>;
  decode(decoder: D, level: number): void;
  encodedBuffer(decoder: D, length: number): Uint8Array;
  decodedBuffer(decoder: D): Uint8Array;
  /** Why this codec cannot decode the stream correctly, or undefined. */
  cannot(stream: Codestream): string | undefined;
}

/** Both codecs clamp 8-bit output to 0..255: signed samples of 8 bits or fewer would lose their sign. */
function sharedLimits(stream: Codestream): string | undefined {
  if (!stream.uniform) return 'components with different precision, sign or subsampling';
  if (stream.precision > 16) return `a precision of ${stream.precision} bits (the codec delivers at most 16)`;
  if (stream.signed && stream.precision <= 8) return `signed samples of ${stream.precision} bits (the codec clamps them at 0)`;
  if (stream.offsetX !== 0 || stream.offsetY !== 0) return `an image offset (${stream.offsetX}, ${stream.offsetY})`;
  return undefined;
}

const OPENJPEG: J2kCodec<J2KDecoder> = {
  loader: openjpeg,
  decode: (decoder, level) => decoder.decodeSubResolution(level, 0),
  encodedBuffer: (decoder, length) => decoder.getEncodedBuffer(length),
  decodedBuffer: (decoder) => decoder.getDecodedBuffer(),
  cannot(stream) {
    // J2KDecoder.hpp writes multi-component output only for precisions up to 8.
    if (stream.components > 1 && stream.precision > 8) return `${stream.components} components of ${stream.precision} bits`;
    return sharedLimits(stream);
  },
};

const OPENJPH: J2kCodec<HTJ2KDecoder> = {
  loader: openjph,
  decode: (decoder, level) => decoder.decodeSubResolution(level),
  encodedBuffer: (decoder, length) => decoder.getEncodedBuffer(length),
  decodedBuffer: (decoder) => decoder.getDecodedBuffer(),
  cannot(stream) {
    // Only HT code-blocks; and HTJ2KDecoder.hpp reads colour without a component transform
    // plane by plane into pixel-interleaved slots, scrambling it.
    if (!stream.highThroughput) return 'a codestream without HT code-blocks';
    if (stream.components > 1 && !stream.colourTransform) return 'colour without a component transform';
    return sharedLimits(stream);
  },
};

function decodeJ2k<D extends { delete(): void }>(
  codec: J2kCodec<D>,
  fragments: readonly Uint8Array[],
  info: PixelInfo,
  context: DecodeContext,
): RawFrame {
  const { kernels, transferSyntaxUID, options } = context;
  const instance: Codec<D> = ready(codec.loader);
  const { decoder } = instance;
  const start = codestreamStart(fragments[0]!);
  const encoded = runCodec(codec.loader, instance, transferSyntaxUID, () =>
    writeEncoded((length) => codec.encodedBuffer(decoder, length), fragments, start),
  );
  const stream = readCodestream(encoded, transferSyntaxUID);
  checkStream(stream, info, transferSyntaxUID);
  const unsupported = codec.cannot(stream);
  if (unsupported) throw new DecodeError('CORRUPT_DATA', `not supported by the codec: ${unsupported}`, transferSyntaxUID);
  if (stream.truncated) throw new DecodeError('TRUNCATED', 'a JPEG 2000 tile-part runs past the end of the frame', transferSyntaxUID);
  // A few bytes claiming a vast tile or precinct grid: refused before the codec allocates it.
  if (stream.minimumBytes > encoded.length - start) {
    throw new DecodeError('TRUNCATED', `the JPEG 2000 header needs at least ${stream.minimumBytes} bytes of packets, the codestream has ${encoded.length - start}`, transferSyntaxUID);
  }

  // 1/2^level per axis, straight from the codestream (ISO/IEC 15444-1 B.5: ceil at each level).
  const level = Math.min(options.resolutionLevel ?? 0, stream.decompositions);
  const scale = 2 ** level;
  const rows = Math.ceil(stream.height / scale);
  const columns = Math.ceil(stream.width / scale);

  instance.clearMessages();
  runCodec(codec.loader, instance, transferSyntaxUID, () => codec.decode(decoder, level));
  // OpenJPEG and OpenJPH print their errors instead of throwing, and keep the previous output.
  const errors = instance.errors();
  if (errors.length > 0) {
    const code = errors.some(isTruncationMessage) ? 'TRUNCATED' : 'CORRUPT_DATA';
    throw new DecodeError(code, `${instance.name}: ${errors.join('; ')}`, transferSyntaxUID, { codec: instance.name });
  }
  const sampleBytes = stream.precision <= 8 ? 1 : 2;
  const bytes = rows * columns * stream.components * sampleBytes;
  const decoded = codec.decodedBuffer(decoder);
  if (decoded.length !== bytes) {
    throw new DecodeError('CORRUPT_DATA', `${instance.name} decoded ${decoded.length} bytes, ${columns}×${rows} needs ${bytes}`, transferSyntaxUID);
  }
  return codecFrame(
    info,
    kernels.copyIn(decoded),
    sampleBytes,
    {
      at: 'lowBits',
      precision: stream.precision,
      signed: stream.signed,
      // Below full resolution the 5/3 low-pass values are no longer the stored values either; and
      // in the syntaxes that allow loss, a 5/3 stream may have lost its last layers or passes
      // (gdcmconv --j2k --lossy does that), which nothing in the codestream records.
      lossy: stream.irreversible || level > 0 || transferSyntax(transferSyntaxUID)?.lossless === false,
    },
    {
      rows,
      columns,
      samplesPerPixel: stream.components,
      // The codec undoes RCT / ICT (YBR_RCT, YBR_ICT: PS3.3 C.7.6.3.1.2), leaving RGB.
      photometricInterpretation: stream.components > 1 && stream.colourTransform ? 'RGB' : info.photometricInterpretation,
    },
  );
}

/** The codestream must describe the frame the attributes describe. */
function checkStream(stream: Codestream, info: PixelInfo, transferSyntaxUID: string): void {
  if (stream.width !== info.columns || stream.height !== info.rows || stream.components !== info.samplesPerPixel) {
    throw new DecodeError(
      'INVALID_PIXEL_INFO',
      `the JPEG 2000 image is ${stream.width}×${stream.height} with ${stream.components} component(s), ` +
        `the attributes say ${info.columns}×${info.rows} with ${info.samplesPerPixel}`,
      transferSyntaxUID,
    );
  }
  if (stream.precision > 8 && info.bitsAllocated < 16) {
    throw new DecodeError('INVALID_PIXEL_INFO', `the JPEG 2000 precision is ${stream.precision} bits, Bits Allocated is ${info.bitsAllocated}`, transferSyntaxUID);
  }
}

/**
 * JPEG 2000 Lossless, JPEG 2000, and Part 2 multi-component (.92, .93): the dicom-pixels decoder
 * (src/decoders/j2k/, assembly/j2k/), and OpenJPEG for the codestreams it leaves (see
 * `unsupported` in j2k/decode.ts).
 */
export const jpeg2000Decoder: Decoder = {
  name: 'jpeg-2000',
  codec: 'dicom-pixels (OpenJPEG for ROI, PPM and subsampled components)',
  prepare: (fragments, _info, { transferSyntaxUID }) => (ownDecoderTakes(fragments[0]!, transferSyntaxUID) ? undefined : preload(OPENJPEG.loader)),
  decode(fragments, info, context) {
    const bytes = fragments.length === 1 ? fragments[0]! : concatBytes(fragments);
    const start = codestreamStart(bytes);
    const codestream = bytes.subarray(start);
    const { transferSyntaxUID } = context;
    const summary = readCodestream(codestream, transferSyntaxUID);
    checkStream(summary, info, transferSyntaxUID);
    if (summary.truncated) throw new DecodeError('TRUNCATED', 'a JPEG 2000 tile-part runs past the end of the frame', transferSyntaxUID);
    if (summary.minimumBytes > codestream.length) {
      throw new DecodeError('TRUNCATED', `the JPEG 2000 header needs at least ${summary.minimumBytes} bytes of packets, the codestream has ${codestream.length}`, transferSyntaxUID);
    }
    const stream = parse(codestream, transferSyntaxUID);
    if (unsupported(stream) !== undefined) return decodeJ2k(OPENJPEG, fragments, info, context);
    const level = Math.min(context.options.resolutionLevel ?? 0, summary.decompositions);
    return decodeCodestream(codestream, stream, info, context, level, transferSyntax(transferSyntaxUID)?.lossless === false);
  },
};

/** Whether the dicom-pixels decoder takes a frame, judged from its first fragment (a hint for `prepare`). */
function ownDecoderTakes(first: Uint8Array, transferSyntaxUID: string): boolean {
  try {
    return unsupported(parse(first.subarray(codestreamStart(first)), transferSyntaxUID)) === undefined;
  } catch {
    return true; // the decode reports what is wrong
  }
}

/**
 * HTJ2K Lossless, Lossless RPCL and HTJ2K (.201, .202, .203), decoded by OpenJPH; OpenJPEG
 * takes the streams OpenJPH cannot decode correctly (see OPENJPH.cannot).
 */
export const htj2kDecoder: Decoder = {
  name: 'htj2k',
  codec: 'OpenJPH (OpenJPEG for streams it cannot decode)',
  // OpenJPH decodes nearly every HTJ2K stream; a stream only OpenJPEG decodes right finds it
  // unloaded the first time (CodecNotReady) and loads it then, so no header is read twice here.
  prepare: () => preload(openjph),
  decode(fragments, info, context) {
    return decodeJ2k(htj2kCodec(fragments[0]!, context.transferSyntaxUID), fragments, info, context);
  },
};

/** OpenJPH, unless the main header (in the first fragment) shows a stream only OpenJPEG decodes right. */
function htj2kCodec(first: Uint8Array, transferSyntaxUID: string): J2kCodec<HTJ2KDecoder> | J2kCodec<J2KDecoder> {
  let header: Codestream;
  try {
    const start = codestreamStart(first);
    header = readCodestream(first.subarray(start), transferSyntaxUID);
  } catch {
    return OPENJPH; // the full decode reports what is wrong
  }
  return OPENJPH.cannot(header) !== undefined && OPENJPEG.cannot(header) === undefined ? OPENJPEG : OPENJPH;
}
