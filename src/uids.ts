/**
 * Transfer syntaxes known by name (PS3.6 Table A-1). Which of them decode is decided in
 * decoders/registry.ts alone; this table only names them.
 */
export interface TransferSyntax {
  uid: string;
  name: string;
  /** Pixel data is encapsulated (fragments), not native. */
  encapsulated: boolean;
  lossless: boolean;
  /** Native pixel data byte order. */
  bigEndian?: boolean;
  /** The dataset is deflated after the File Meta Information. */
  deflated?: boolean;
  /**
   * JPEG 2000 family: the codestream holds wavelet resolution levels, so a reduced image
   * decodes without the full one (`DecodeOptions.resolutionLevel`).
   */
  resolutionLevels?: boolean;
}

export const TRANSFER_SYNTAXES: readonly TransferSyntax[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', encapsulated: false, lossless: true },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', encapsulated: false, lossless: true },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', encapsulated: false, lossless: true, deflated: true },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian', encapsulated: false, lossless: true, bigEndian: true },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', encapsulated: true, lossless: true },
  { uid: '1.2.840.10008.1.2.8.1', name: 'Deflated Image Frame Compression', encapsulated: true, lossless: true },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', encapsulated: true, lossless: false },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', encapsulated: true, lossless: false },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless, Non-Hierarchical (Process 14)', encapsulated: true, lossless: true },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction', encapsulated: true, lossless: true },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', encapsulated: true, lossless: true },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', encapsulated: true, lossless: false },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', encapsulated: true, lossless: true, resolutionLevels: true },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', encapsulated: true, lossless: false, resolutionLevels: true },
  { uid: '1.2.840.10008.1.2.4.92', name: 'JPEG 2000 Part 2 Multi-component Lossless', encapsulated: true, lossless: true, resolutionLevels: true },
  { uid: '1.2.840.10008.1.2.4.93', name: 'JPEG 2000 Part 2 Multi-component', encapsulated: true, lossless: false, resolutionLevels: true },
  { uid: '1.2.840.10008.1.2.4.201', name: 'HTJ2K Lossless', encapsulated: true, lossless: true, resolutionLevels: true },
  { uid: '1.2.840.10008.1.2.4.202', name: 'HTJ2K Lossless RPCL', encapsulated: true, lossless: true, resolutionLevels: true },
  { uid: '1.2.840.10008.1.2.4.203', name: 'HTJ2K', encapsulated: true, lossless: false, resolutionLevels: true },
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
