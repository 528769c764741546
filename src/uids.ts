/**
 * Every transfer syntax dicom-pixels knows, declared once (PS3.6 Table A-1): its name, what it
 * is, and the decoder family that decodes it. The decoder map (decoders/registry.ts),
 * `supportedTransferSyntaxes()`, the Part 10 reader, frame splitting and the CLI all read this
 * table; `test/uids.test.ts` checks it against PS3.6's list.
 */
export interface TransferSyntax {
  uid: string;
  name: string;
  /** Pixel data is encapsulated (fragments), not native. */
  encapsulated: boolean;
  lossless: boolean;
  /** The decoder family (decoders/registry.ts); absent: named, not decoded. */
  decoder?: DecoderFamily;
  /** Native pixel data byte order. */
  bigEndian?: boolean;
  /** The dataset is deflated after the File Meta Information. */
  deflated?: boolean;
  /**
   * JPEG 2000 family: the codestream holds wavelet resolution levels, so a reduced image
   * decodes without the full one (`DecodeOptions.resolutionLevel`).
   */
  resolutionLevels?: boolean;
  /**
   * How each frame's codestream starts (JPEG / JPEG-LS SOI; JPEG 2000 SOC or a JP2 box): with
   * more fragments than frames and no offset table, a fragment that starts one starts a frame.
   */
  codestream?: 'jpeg' | 'jpeg2000';
  /** What decodes it, where that is not its family decoder's usual codec (`Decoder.codec`). */
  codec?: string;
}

/** The decoder families, one decoder each (decoders/registry.ts). */
export type DecoderFamily = 'native' | 'deflate' | 'rle' | 'jpeg' | 'jpeg-ls' | 'jpeg-2000' | 'htj2k' | 'jpeg-xl';

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

const native = { encapsulated: false, lossless: true, decoder: 'native' } as const;
const jpeg = { encapsulated: true, decoder: 'jpeg', codestream: 'jpeg' } as const;
const jpegLs = { encapsulated: true, decoder: 'jpeg-ls', codestream: 'jpeg' } as const;
const j2k = { encapsulated: true, decoder: 'jpeg-2000', resolutionLevels: true, codestream: 'jpeg2000' } as const;
const htj2k = { encapsulated: true, decoder: 'htj2k', resolutionLevels: true, codestream: 'jpeg2000' } as const;

export const TRANSFER_SYNTAXES: readonly TransferSyntax[] = [
  { uid: IMPLICIT_VR_LITTLE_ENDIAN, name: 'Implicit VR Little Endian', ...native },
  { uid: EXPLICIT_VR_LITTLE_ENDIAN, name: 'Explicit VR Little Endian', ...native },
  { uid: DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, name: 'Deflated Explicit VR Little Endian', ...native, deflated: true },
  { uid: EXPLICIT_VR_BIG_ENDIAN, name: 'Explicit VR Big Endian', ...native, bigEndian: true },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', encapsulated: true, lossless: true, decoder: 'rle' },
  { uid: '1.2.840.10008.1.2.8.1', name: 'Deflated Image Frame Compression', encapsulated: true, lossless: true, decoder: 'deflate' },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', lossless: false, ...jpeg },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', lossless: false, ...jpeg },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless, Non-Hierarchical (Process 14)', lossless: true, ...jpeg },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction', lossless: true, ...jpeg },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', lossless: true, ...jpegLs },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', lossless: false, ...jpegLs },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', lossless: true, ...j2k },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', lossless: false, ...j2k },
  { uid: '1.2.840.10008.1.2.4.92', name: 'JPEG 2000 Part 2 Multi-component Lossless', lossless: true, ...j2k },
  { uid: '1.2.840.10008.1.2.4.93', name: 'JPEG 2000 Part 2 Multi-component', lossless: false, ...j2k },
  { uid: '1.2.840.10008.1.2.4.201', name: 'HTJ2K Lossless', lossless: true, ...htj2k },
  { uid: '1.2.840.10008.1.2.4.202', name: 'HTJ2K Lossless RPCL', lossless: true, ...htj2k },
  { uid: '1.2.840.10008.1.2.4.203', name: 'HTJ2K', lossless: false, ...htj2k },
  { uid: '1.2.840.10008.1.2.4.110', name: 'JPEG XL Lossless', lossless: true, encapsulated: true, decoder: 'jpeg-xl' },
  // The original JPEG rebuilt from the jbrd box (ISO/IEC 18181-2) by libjxl, then decoded as JPEG.
  { uid: '1.2.840.10008.1.2.4.111', name: 'JPEG XL JPEG Recompression', lossless: false, encapsulated: true, decoder: 'jpeg-xl', codec: 'libjxl (JPEG reconstruction) + dicom-pixels JPEG' },
  { uid: '1.2.840.10008.1.2.4.112', name: 'JPEG XL', lossless: false, encapsulated: true, decoder: 'jpeg-xl' },
];

const BY_UID = new Map(TRANSFER_SYNTAXES.map((ts) => [ts.uid, ts]));

/** The named transfer syntax, or undefined when the UID is not known. */
export function transferSyntax(uid: string): TransferSyntax | undefined {
  return BY_UID.get(uid.replace(/\0+$/, '').trim());
}

/** "name (uid)" or just the uid, for messages. */
export function describeTransferSyntax(uid: string): string {
  const ts = transferSyntax(uid);
  return ts ? `${ts.name} (${ts.uid})` : uid;
}
