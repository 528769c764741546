import { Status } from './wasm/kernels.generated.js';

/** Error codes of {@link DecodeError}, with the message each starts with. */
export const ERROR_MESSAGES = {
  UNSUPPORTED_TRANSFER_SYNTAX: 'unsupported transfer syntax',
  INVALID_PIXEL_INFO: 'invalid pixel attributes',
  INVALID_OPTIONS: 'invalid options',
  TRUNCATED: 'pixel data is truncated',
  CORRUPT_DATA: 'pixel data is corrupt',
  FRAME_OUT_OF_RANGE: 'frame index out of range',
  NOT_DICOM: 'not a DICOM file',
  NO_PIXEL_DATA: 'the dataset has no pixel data',
  OUT_OF_MEMORY: 'out of WebAssembly memory',
  FRAME_TOO_LARGE: 'the frame is larger than the decode limit',
  CODEC_UNAVAILABLE: 'a WebAssembly module could not be loaded',
  WORKER_FAILED: 'a decoder pool worker failed',
  FETCH_FAILED: 'a DICOMweb request failed',
} as const;

export type DecodeErrorCode = keyof typeof ERROR_MESSAGES;

/**
 * The one error type of dicom-pixels: every failure to decode, for any reason, is a
 * `DecodeError` with a machine-readable `code`.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly code: DecodeErrorCode;
  /** The transfer syntax of the data being decoded, where known. */
  readonly transferSyntaxUID?: string;
  /** Index of the frame being decoded (`decodeFile`, `DicomImage.decodeFrame`). */
  readonly frame?: number;
  /** What was decoding when it failed: a decoder family ('jpeg-ls') or codec ('CharLS'). */
  readonly codec?: string;

  constructor(code: DecodeErrorCode, detail?: string, transferSyntaxUID?: string, options?: DecodeErrorOptions) {
    super(detail ? `${ERROR_MESSAGES[code]}: ${detail}` : ERROR_MESSAGES[code], options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (transferSyntaxUID !== undefined) this.transferSyntaxUID = transferSyntaxUID;
    if (options?.frame !== undefined) this.frame = options.frame;
    if (options?.codec !== undefined) this.codec = options.codec;
  }
}

/** A DecodeError as it crosses a worker boundary (structured clone drops the class). */
export interface DecodeErrorFields {
  code: DecodeErrorCode;
  message: string;
  transferSyntaxUID?: string | undefined;
  frame?: number | undefined;
  codec?: string | undefined;
}

/** The fields of a DecodeError, to post to another realm. */
export function errorFields(error: DecodeError): DecodeErrorFields {
  return { code: error.code, message: error.message, transferSyntaxUID: error.transferSyntaxUID, frame: error.frame, codec: error.codec };
}

/** The same DecodeError again, from its fields (its message exactly as it was). */
export function fromFields(fields: DecodeErrorFields): DecodeError {
  const error = new DecodeError(fields.code, undefined, fields.transferSyntaxUID, { frame: fields.frame, codec: fields.codec });
  error.message = fields.message;
  return error;
}

export interface DecodeErrorOptions {
  cause?: unknown;
  frame?: number;
  codec?: string;
}

/**
 * Fill in what the place that threw did not know (the transfer syntax, frame, codec); what
 * it set stays.
 */
export function withContext(error: DecodeError, context: { transferSyntaxUID?: string; frame?: number; codec?: string }): DecodeError {
  const target = error as { -readonly [K in 'transferSyntaxUID' | 'frame' | 'codec']?: DecodeError[K] };
  if (target.transferSyntaxUID === undefined && context.transferSyntaxUID !== undefined) target.transferSyntaxUID = context.transferSyntaxUID;
  if (target.frame === undefined && context.frame !== undefined) target.frame = context.frame;
  if (target.codec === undefined && context.codec !== undefined) target.codec = context.codec;
  return error;
}

/** What each kernel status (assembly/shared.ts, Status) means for the caller. */
const KERNEL_STATUS: Record<Exclude<Status, typeof Status.OK>, [DecodeErrorCode, string]> = {
  [Status.TRUNCATED]: ['TRUNCATED', 'input ended before the frame was complete'],
  [Status.RLE_BAD_SEGMENT_COUNT]: ['CORRUPT_DATA', 'RLE header has a bad segment count'],
  [Status.RLE_BAD_OFFSETS]: ['CORRUPT_DATA', 'RLE segment offsets are out of order or past the end'],
  [Status.RLE_SHORT_SEGMENT]: ['CORRUPT_DATA', 'RLE segment decodes to fewer bytes than the frame needs'],
  [Status.UNSUPPORTED_LAYOUT]: ['INVALID_PIXEL_INFO', 'kernel does not support this sample layout'],
  // JPEG, ITU-T T.81 (assembly/jpeg/)
  [Status.JPEG_NO_SOI]: ['CORRUPT_DATA', 'JPEG stream does not start with SOI (FFD8)'],
  [Status.JPEG_BAD_MARKER]: ['CORRUPT_DATA', 'JPEG marker segment is malformed or out of place'],
  [Status.JPEG_UNSUPPORTED_PROCESS]: ['CORRUPT_DATA', 'JPEG process not supported (progressive, hierarchical or arithmetic coding)'],
  [Status.JPEG_NO_FRAME]: ['CORRUPT_DATA', 'JPEG stream has no frame header (SOF) before its scan'],
  [Status.JPEG_NO_SCAN]: ['CORRUPT_DATA', 'JPEG stream has no scan (SOS) for every component'],
  [Status.JPEG_BAD_TABLE]: ['CORRUPT_DATA', 'JPEG Huffman or quantization table is invalid'],
  [Status.JPEG_MISSING_TABLE]: ['CORRUPT_DATA', 'JPEG scan uses a table that was never defined'],
  [Status.JPEG_BAD_CODE]: ['CORRUPT_DATA', 'JPEG entropy-coded data holds an invalid Huffman code'],
  [Status.JPEG_FRAME_MISMATCH]: ['INVALID_PIXEL_INFO', 'JPEG frame header disagrees with the Image Pixel Module'],
  [Status.JPEG_BAD_RESTART]: ['CORRUPT_DATA', 'JPEG restart marker missing or out of sequence'],
  [Status.JPEG_UNSUPPORTED]: ['CORRUPT_DATA', 'JPEG stream uses a feature this decoder does not support'],
  [Status.JPEG_BAD_SCAN]: ['CORRUPT_DATA', 'JPEG scan header is invalid'],
  [Status.J2K_BAD_BLOCK]: ['CORRUPT_DATA', 'JPEG 2000 code-block with an impossible size, bit-plane count, pass count or segment'],
  [Status.J2K_BAD_REGION]: ['CORRUPT_DATA', 'JPEG 2000 tile-component region does not fit its buffer'],
};

/** Turn a negative kernel status into a DecodeError. */
export function kernelError(status: number, transferSyntaxUID?: string): DecodeError {
  const [code, detail] = statusOf(status);
  return new DecodeError(code, detail, transferSyntaxUID);
}

function statusOf(status: number): [DecodeErrorCode, string] {
  return KERNEL_STATUS[status as keyof typeof KERNEL_STATUS] ?? ['CORRUPT_DATA', `kernel status ${status}`];
}

/**
 * A kernel's status: negative ones become their DecodeError, or one of `code` where the caller
 * knows better whose fault it is (a render kernel refusing a frame: INVALID_OPTIONS).
 */
export function check(status: number, transferSyntaxUID?: string, code?: DecodeErrorCode): void {
  if (status >= 0) return;
  if (code === undefined) throw kernelError(status, transferSyntaxUID);
  throw new DecodeError(code, `${statusOf(status)[1]} (kernel status ${status})`, transferSyntaxUID);
}
