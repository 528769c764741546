/**
 * WADO-RS (PS3.18 10.4): an instance's DICOM JSON metadata → its pixel attributes and LUTs, and
 * a frames response (multipart/related, one part per frame, each in its own transfer syntax) →
 * decoded frames, each as soon as its part has arrived. `fetch` is all it needs, in browsers
 * and Node alike.
 */
import { concatBytes } from '../bytes.js';
import { MultipartParseError, MultipartParser } from '@remix-run/multipart-parser';
import { decodeFrame } from '../decode.js';
import { DecodeError, withContext } from '../errors.js';
import { describeImage, type ImageDescription } from '../dicom/part10.js';
import { readDataset } from '../dicom/read.js';
import type { DecodedFrame, DecodeOptions, DicomImage, PixelInfo } from '../types.js';
import { encodeJsonDataset, neededBulkData, type JsonDataset } from './json.js';
import { parseContentType, partTransferSyntax, sniffCodestream, STORED_FRAMES_ACCEPT, UNCOMPRESSED_FRAMES_ACCEPT } from './media.js';
import { frameBytes } from '../decoders/decoder.js';

/** An instance as its DICOM JSON metadata describes it: a {@link DicomImage} without local frames. */
export type DicomWebImage = Omit<DicomImage, 'decodeFrame' | 'frameData'>;

/** How requests are made (every function here takes these). */
export interface RequestOptions {
  /** The fetch to use (default: the global one); e.g. one that adds authentication. */
  fetch?: typeof fetch | undefined;
  /** Headers added to every request (e.g. Authorization). */
  headers?: Record<string, string> | undefined;
  /** Aborts the requests (e.g. `AbortSignal.timeout(10_000)`). */
  signal?: AbortSignal | undefined;
}

/** Options of {@link fetchFrames}. */
export interface FetchFramesOptions extends DecodeOptions, RequestOptions {
  /** The instance's metadata, if you have it (`fetchImage` or the JSON); else fetched from `{instance}/metadata`. */
  metadata?: DicomWebImage | JsonDataset | readonly JsonDataset[] | undefined;
  /**
   * Accept header of the frames request. Default: the stored syntax as it is
   * (`transfer-syntax=*`), and if the server refuses that (an error status), uncompressed.
   */
  accept?: string | undefined;
  /** What decodes each frame: e.g. a {@link DecoderPool} (default: decodeFrame in this thread). */
  decoder?: { decodeFrame: typeof decodeFrame } | undefined;
  /** Frames decoding at once when `decoder` is a pool (default its size, else 1). */
  concurrency?: number | undefined;
}

/** A frame from a WADO-RS frames response. */
export interface FetchedFrame extends DecodedFrame {
  /** The frame's number in the instance, 1-based as in the request URL. */
  frameNumber: number;
  /** The transfer syntax the server sent this frame in. */
  transferSyntaxUID: string;
}

/**
 * The transfer syntax of a frame part: its Content-Type's, unless it is labelled native but is
 * not a native frame's size and starts like a codestream (then what its bytes show).
 *
 * @throws {DecodeError} UNSUPPORTED_TRANSFER_SYNTAX for an unknown media type.
 */
export function frameTransferSyntax(contentType: string | undefined, bytes: Uint8Array, info: PixelInfo): string {
  const labelled = partTransferSyntax(contentType);
  return NATIVE.has(labelled) && bytes.length !== frameBytes(info) ? (sniffCodestream(bytes) ?? labelled) : labelled;
}

/** Largest preamble skipped before the first boundary of a multipart body. */
const MAX_PREAMBLE = 64 * 1024;
/** Largest part accepted: a frame of the largest size a decode accepts, compressed or not. */
const MAX_PART_BYTES = 2 ** 30;

/** Transfer syntaxes whose frames are the samples themselves. */
const NATIVE = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2']);

const PIXEL_DATA_TAGS: Record<string, string> = { '7FE00010': 'x7fe00010', '7FE00008': 'x7fe00008', '7FE00009': 'x7fe00009' };

function failed(detail: string, cause?: unknown): DecodeError {
  return new DecodeError('FETCH_FAILED', detail, undefined, cause === undefined ? { codec: 'dicomweb' } : { cause, codec: 'dicomweb' });
}

/** fetch, with its failures (network, HTTP status) as FETCH_FAILED. */
async function request(url: string, accept: string, options: RequestOptions): Promise<Response> {
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(url, { headers: { ...options.headers, Accept: accept }, ...(options.signal && { signal: options.signal }) });
  } catch (cause) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw failed(`GET ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw failed(`GET ${url}: HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200).trim()}` : ''}`);
  }
  return response;
}

/** The first dataset of a metadata answer (a JSON array of one instance, or the dataset itself). */
function firstDataset(metadata: JsonDataset | readonly JsonDataset[]): JsonDataset {
  const dataset = Array.isArray(metadata) ? metadata[0] : metadata;
  if (!dataset || typeof dataset !== 'object') throw new DecodeError('INVALID_PIXEL_INFO', 'DICOM JSON metadata: no dataset');
  return dataset as JsonDataset;
}

/**
 * An instance's pixel attributes, frame count and LUTs from its DICOM JSON metadata (PS3.18
 * F.2), by the same rules as a Part 10 file (per-frame functional groups included). Palette and
 * LUT data given as BulkDataURI are fetched (relative URIs against `baseUrl`); InlineBinary is
 * decoded.
 *
 * @throws {DecodeError} INVALID_PIXEL_INFO for metadata without usable pixel attributes;
 *   FETCH_FAILED when bulk data cannot be fetched.
 */
export async function imageFromMetadata(metadata: JsonDataset | readonly JsonDataset[], options: RequestOptions & { baseUrl?: string | undefined } = {}): Promise<DicomWebImage> {
  const dataset = firstDataset(metadata);
  const bulk = new Map<string, Uint8Array>();
  await Promise.all(
    neededBulkData(dataset).map(async (uri) => {
      let url: string;
      try {
        url = new URL(uri, options.baseUrl).href;
      } catch (cause) {
        throw failed(`BulkDataURI ${JSON.stringify(uri).slice(0, 200)} is not a URL`, cause);
      }
      bulk.set(uri, await fetchBulkData(url, options));
    }),
  );
  const bytes = encodeJsonDataset(dataset, bulk);
  const read = readDataset(bytes);
  const pixelTag = Object.keys(dataset).map((tag) => PIXEL_DATA_TAGS[tag.toUpperCase()]).find(Boolean) ?? 'x7fe00010';
  const uidOf = (tag: string): string | undefined => {
    const value = dataset[tag]?.Value?.[0];
    return typeof value === 'string' ? value.trim() : undefined;
  };
  // The stored syntax, where the server says it (File Meta, or Available Transfer Syntax UID).
  const transferSyntaxUID = uidOf('00020010') ?? uidOf('00083002') ?? '';
  const { checkIndex: _checkIndex, ...image }: ImageDescription = describeImage(read.dataSet, pixelTag, true, transferSyntaxUID);
  return image;
}

/** The bytes of one BulkDataURI: a multipart/related answer's first part, or a plain body. */
async function fetchBulkData(url: string, options: RequestOptions): Promise<Uint8Array> {
  const response = await request(url, 'multipart/related; type="application/octet-stream"', options);
  const type = response.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/')) return new Uint8Array(await response.arrayBuffer());
  for await (const part of multipartParts(response, url)) return part.bytes;
  throw new DecodeError('CORRUPT_DATA', `bulk data ${url}: a multipart answer without parts`, undefined, { codec: 'dicomweb' });
}

/** An instance's metadata, fetched from `{instanceUrl}/metadata`. */
export async function fetchImage(instanceUrl: string, options: RequestOptions = {}): Promise<DicomWebImage> {
  const url = `${instanceUrl.replace(/\/+$/, '')}/metadata`;
  const response = await request(url, 'application/dicom+json, application/json', options);
  let json: unknown;
  try {
    json = await response.json();
  } catch (cause) {
    throw new DecodeError('INVALID_PIXEL_INFO', `DICOM JSON metadata from ${url} is not JSON`, undefined, { cause, codec: 'dicomweb' });
  }
  return imageFromMetadata(json as JsonDataset[], { ...options, baseUrl: url });
}

/**
 * The parts of a multipart response as they arrive (a preamble before the first boundary is
 * skipped). A body that ends early is TRUNCATED; one whose boundary never appears CORRUPT_DATA.
 */
export async function* multipartParts(response: Response, url = response.url): AsyncGenerator<{ bytes: Uint8Array; headers: Record<string, string | undefined> }> {
  const where = url || 'the answer';
  const { type, parameters } = parseContentType(response.headers.get('content-type') ?? '');
  const boundary = parameters.boundary;
  if (!type.startsWith('multipart/') || !boundary) {
    throw new DecodeError('CORRUPT_DATA', `${where}: expected a multipart/related answer with a boundary, got ${type || 'no Content-Type'}`, undefined, { codec: 'dicomweb' });
  }
  if (!response.body) throw new DecodeError('TRUNCATED', `${where}: the answer has no body`, undefined, { codec: 'dicomweb' });
  const parser = new MultipartParser(boundary, { maxFileSize: MAX_PART_BYTES, maxTotalSize: Number.MAX_SAFE_INTEGER, maxParts: 100_000 });
  const delimiter = new TextEncoder().encode(`--${boundary}`);
  const reader = response.body.getReader();
  const noBoundary = () => new DecodeError('CORRUPT_DATA', `${where}: the boundary "${boundary}" does not appear in the first ${MAX_PREAMBLE} bytes of the answer`, undefined, { codec: 'dicomweb' });
  // Before the first boundary: how many bytes went by, and the last few (a boundary may straddle chunks).
  let preamble: { seen: number; tail: Uint8Array } | undefined = { seen: 0, tail: new Uint8Array(0) };
  let ended = false;
  const corrupt = (error: unknown): DecodeError => {
    const cut = error instanceof MultipartParseError && /not finished/i.test(error.message);
    const detail = error instanceof Error ? error.message : String(error);
    return new DecodeError(cut ? 'TRUNCATED' : 'CORRUPT_DATA', `${where}: ${detail}`, undefined, { cause: error, codec: 'dicomweb' });
  };
  /** The parts a chunk completes, read out here (a part's headers parse lazily and may throw). */
  const partsOf = (chunk: Uint8Array): { bytes: Uint8Array; headers: Record<string, string | undefined> }[] => {
    const parts: { bytes: Uint8Array; headers: Record<string, string | undefined> }[] = [];
    try {
      for (const part of parser.write(chunk)) parts.push({ bytes: part.bytes, headers: { ...part.headers } });
    } catch (error) {
      // Whatever follows the close delimiter is an epilogue, to be ignored (RFC 2046 5.1.1).
      if (error instanceof MultipartParseError && /after end/i.test(error.message)) ended = true;
      else throw corrupt(error);
    }
    return parts;
  };
  try {
    while (!ended) {
      const { done, value } = await reader.read();
      if (done) break;
      let chunk: Uint8Array = value;
      if (preamble) {
        // Whatever precedes the first boundary (often a CRLF) is a preamble (RFC 2046 5.1.1).
        const joined = preamble.tail.length ? concatBytes([preamble.tail, chunk]) : chunk;
        const at = indexOf(joined, delimiter);
        // `joined` starts this many bytes into the answer; a boundary must start within MAX_PREAMBLE,
        // however the answer is cut into chunks.
        const offset = preamble.seen - preamble.tail.length;
        if (at < 0) {
          preamble.seen += chunk.length;
          if (preamble.seen - (delimiter.length - 1) > MAX_PREAMBLE) throw noBoundary();
          preamble.tail = joined.slice(Math.max(0, joined.length - (delimiter.length - 1)));
          continue;
        }
        if (offset + at > MAX_PREAMBLE) throw noBoundary();
        preamble = undefined;
        chunk = joined.subarray(at);
      }
      yield* partsOf(chunk);
    }
    if (preamble) throw preamble.seen > 0 ? noBoundary() : new DecodeError('TRUNCATED', `${where}: the answer is empty`, undefined, { codec: 'dicomweb' });
    if (!ended) {
      try {
        parser.finish();
      } catch (error) {
        throw corrupt(error);
      }
    }
  } catch (error) {
    // The caller's AbortSignal ends the read with its reason, which stays what it is.
    if (error instanceof DecodeError || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) throw error;
    throw failed(`${where}: reading the answer: ${error instanceof Error ? error.message : String(error)}`, error);
  } finally {
    reader.cancel().catch(() => {});
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Decode the frames of a WADO-RS frames response (`multipart/related`, one part per requested
 * frame in request order), each part in the transfer syntax its Content-Type names (or its media
 * type's default, PS3.18 Table 8.7.3-5), with the instance's per-frame Modality LUT unless the
 * options say otherwise. Yields each frame as soon as its part has arrived and decoded.
 *
 * @param frameNumbers the frame numbers requested, 1-based.
 * @throws {DecodeError} TRUNCATED when the answer ends early (fewer parts than frames);
 *   CORRUPT_DATA for a malformed answer; UNSUPPORTED_TRANSFER_SYNTAX for a part we cannot
 *   decode; and every decodeFrame error, with the frame.
 */
export async function* decodeFramesResponse(
  response: Response,
  image: DicomWebImage,
  frameNumbers: readonly number[],
  options: FetchFramesOptions = {},
): AsyncGenerator<FetchedFrame> {
  const decoder = options.decoder ?? { decodeFrame };
  const concurrency = Math.max(1, options.concurrency ?? ((decoder as { size?: number }).size ?? 1));
  const { fetch: _fetch, headers: _headers, signal: _signal, metadata: _metadata, accept: _accept, decoder: _decoder, concurrency: _concurrency, ...decodeOptions } = options;
  const url = response.url;
  const pending: Promise<FetchedFrame>[] = [];
  let count = 0;
  const start = (bytes: Uint8Array, contentType: string | undefined): Promise<FetchedFrame> => {
    const frameNumber = frameNumbers[count++]!;
    const index = frameNumber - 1;
    const context = { frame: index };
    let transferSyntaxUID = '';
    try {
      transferSyntaxUID = frameTransferSyntax(contentType, bytes, image.info);
      const frameOptions = { ...decodeOptions, modalityLut: decodeOptions.modalityLut ?? (index < image.numberOfFrames ? image.frameModalityLut(index) : image.modalityLut) };
      return decoder
        .decodeFrame(bytes, transferSyntaxUID, image.info as PixelInfo, frameOptions)
        .then((frame) => ({ ...frame, frameNumber, transferSyntaxUID }))
        .catch((error: unknown) => Promise.reject(error instanceof DecodeError ? withContext(error, { ...context, transferSyntaxUID }) : error));
    } catch (error) {
      return Promise.reject(error instanceof DecodeError ? withContext(error, { ...context, transferSyntaxUID }) : error);
    }
  };
  const type = response.headers.get('content-type') ?? '';
  try {
    if (!type.toLowerCase().startsWith('multipart/')) {
      // One frame answered as a single body (not multipart): its Content-Type says the syntax.
      if (frameNumbers.length !== 1) throw new DecodeError('CORRUPT_DATA', `${url}: ${frameNumbers.length} frames requested, a single ${type || 'untyped'} body answered`, undefined, { codec: 'dicomweb' });
      yield await start(new Uint8Array(await response.arrayBuffer()), type);
      return;
    }
    for await (const part of multipartParts(response, url)) {
      if (count >= frameNumbers.length) throw new DecodeError('CORRUPT_DATA', `${url}: more parts than the ${frameNumbers.length} frames requested`, undefined, { codec: 'dicomweb' });
      const frame = start(part.bytes, part.headers['content-type']);
      // Observed now: a frame that fails while the next part is still arriving must not be an unhandled rejection.
      frame.catch(() => {});
      pending.push(frame);
      if (pending.length >= concurrency) yield await pending.shift()!;
    }
    while (pending.length) yield await pending.shift()!;
    if (count < frameNumbers.length) throw new DecodeError('TRUNCATED', `${url}: ${count} of ${frameNumbers.length} frames answered`, undefined, { codec: 'dicomweb' });
  } finally {
    // Frames left undecoded when the caller stops early must not reject unobserved.
    pending.forEach((frame) => frame.catch(() => {}));
  }
}

/**
 * Fetch frames of an instance over WADO-RS and decode them: one call from a DICOMweb URL to
 * decoded frames, each yielded as soon as it has arrived (in request order).
 *
 * @param instanceUrl `{service}/studies/{study}/series/{series}/instances/{instance}`.
 * @param frameNumbers the frames, 1-based (default: frame 1).
 * @throws {DecodeError} FETCH_FAILED (network, HTTP status), and every decodeFramesResponse error.
 * @example
 * for await (const frame of fetchFrames(`${wado}/studies/${st}/series/${se}/instances/${sop}`, [1, 2, 3])) {
 *   frame.frameNumber, frame.pixels; // e.g. Int16Array of HU
 * }
 */
export async function* fetchFrames(instanceUrl: string, frameNumbers: readonly number[] = [1], options: FetchFramesOptions = {}): AsyncGenerator<FetchedFrame> {
  if (frameNumbers.length === 0 || !frameNumbers.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new DecodeError('INVALID_OPTIONS', `expected frame numbers to be integers from 1, got [${frameNumbers.join(', ')}]`);
  }
  const base = instanceUrl.replace(/\/+$/, '');
  const metadata = options.metadata;
  const image = metadata === undefined ? await fetchImage(base, options) : 'info' in metadata ? (metadata as DicomWebImage) : await imageFromMetadata(metadata as JsonDataset[], { ...options, baseUrl: `${base}/metadata` });
  const url = `${base}/frames/${frameNumbers.join(',')}`;
  let response: Response;
  try {
    response = await request(url, options.accept ?? STORED_FRAMES_ACCEPT, options);
  } catch (error) {
    // Servers that cannot send some stored syntaxes as they are (Orthanc: big endian, deflate)
    // still send them uncompressed.
    if (options.accept !== undefined || !(error instanceof DecodeError) || error.code !== 'FETCH_FAILED' || !/HTTP (?:4(?:06|15)|5\d\d)/.test(error.message)) throw error;
    response = await request(url, UNCOMPRESSED_FRAMES_ACCEPT, options);
  }
  yield* decodeFramesResponse(response, image, frameNumbers, options);
}
