/**
 * Media types of DICOMweb pixel data and their transfer syntaxes (PS3.18 8.7.3, Table 8.7.3-5):
 * which syntax a frame part is in, and the Accept header that asks for what we decode.
 */
import { DecodeError } from '../errors.js';
import { supportedTransferSyntaxes } from '../decoders/registry.js';

/** Each single-frame media type, its default transfer syntax and the others it may carry. */
const MEDIA_TYPES: Record<string, { default: string; syntaxes: readonly string[] }> = {
  'application/octet-stream': { default: '1.2.840.10008.1.2.1', syntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.98'] },
  'image/dicom-rle': { default: '1.2.840.10008.1.2.5', syntaxes: ['1.2.840.10008.1.2.5'] },
  'image/jpeg': { default: '1.2.840.10008.1.2.4.70', syntaxes: ['1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57'] },
  'image/jls': { default: '1.2.840.10008.1.2.4.80', syntaxes: ['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81'] },
  'image/jp2': { default: '1.2.840.10008.1.2.4.90', syntaxes: ['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91'] },
  'image/jpx': { default: '1.2.840.10008.1.2.4.92', syntaxes: ['1.2.840.10008.1.2.4.92', '1.2.840.10008.1.2.4.93'] },
  'image/jphc': { default: '1.2.840.10008.1.2.4.201', syntaxes: ['1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203'] },
  'image/jxl': { default: '1.2.840.10008.1.2.4.110', syntaxes: ['1.2.840.10008.1.2.4.110', '1.2.840.10008.1.2.4.111', '1.2.840.10008.1.2.4.112'] },
};

/**
 * A Content-Type value split into its type and parameters (names lower-cased, quotes removed).
 * Semicolons inside quotes belong to the value: servers write the transfer syntax inside the
 * quoted `type` of multipart/related (`type="image/jls; transfer-syntax=…"`).
 */
export function parseContentType(value: string): { type: string; parameters: Record<string, string> } {
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    if (char === ';' && !quoted) {
      pieces.push(current);
      current = '';
    } else current += char;
  }
  pieces.push(current);
  const [type = '', ...rest] = pieces;
  const parameters: Record<string, string> = {};
  for (const parameter of rest) {
    const at = parameter.indexOf('=');
    if (at < 0) continue;
    const name = parameter.slice(0, at).trim().toLowerCase();
    let text = parameter.slice(at + 1).trim();
    if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) text = text.slice(1, -1);
    parameters[name] = text;
  }
  return { type: type.trim().toLowerCase(), parameters };
}

/**
 * The transfer syntax a codestream's first bytes show (JPEG 2000 / HTJ2K SOC+SIZ, JPEG-LS SOF55,
 * other JPEG SOI), for a part labelled native whose size is not a native frame's: Orthanc 1.10
 * sends HTJ2K frames it cannot transcode as raw codestreams labelled Explicit VR Little Endian.
 */
export function sniffCodestream(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0x4f && bytes[2] === 0xff && bytes[3] === 0x51) {
    // The HTJ2K decoder takes Part 1 codestreams too (PS3.5 A.4.4 allows both under .201).
    return '1.2.840.10008.1.2.4.201';
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    for (let i = 2; i + 1 < Math.min(bytes.length, 4096); i++) {
      if (bytes[i] === 0xff && bytes[i + 1] === 0xf7) return '1.2.840.10008.1.2.4.80';
    }
    return '1.2.840.10008.1.2.4.70'; // the JPEG decoder follows the codestream's process
  }
  return undefined;
}

/**
 * The transfer syntax of a frame part from its Content-Type: the `transfer-syntax` parameter,
 * else the media type's default.
 *
 * @throws {DecodeError} UNSUPPORTED_TRANSFER_SYNTAX for a media type that carries no pixel data
 *   we know, naming it.
 */
export function partTransferSyntax(contentType: string | undefined): string {
  const { type, parameters } = parseContentType(contentType ?? 'application/octet-stream');
  const syntax = parameters['transfer-syntax'];
  if (syntax && syntax !== '*') return syntax;
  const media = MEDIA_TYPES[type];
  if (!media) throw new DecodeError('UNSUPPORTED_TRANSFER_SYNTAX', `frame part of media type ${type || '(none)'}`);
  return media.default;
}

/** The media type that carries a transfer syntax's frames. */
function mediaTypeOf(uid: string): string | undefined {
  return Object.entries(MEDIA_TYPES).find(([, media]) => media.syntaxes.includes(uid))?.[0];
}

/**
 * The Accept header `fetchFrames` sends first: the stored syntax as it is, one media range only
 * (Orthanc 1.10 takes the last of several ranges, whatever their q values).
 */
export const STORED_FRAMES_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
/** What `fetchFrames` asks for when the stored syntax is refused: uncompressed, which every server sends. */
export const UNCOMPRESSED_FRAMES_ACCEPT = 'multipart/related; type="application/octet-stream"';

/** Options of {@link framesAcceptHeader}. */
export interface AcceptOptions {
  /**
   * Transfer syntax UIDs in the order you prefer them; the server picks the first it can send.
   * Default: the stored syntax as it is (no transcoding), then every syntax this package decodes.
   */
  prefer?: readonly string[] | undefined;
  /** Ask for the stored syntax first (`transfer-syntax=*`, default true). */
  original?: boolean | undefined;
}

/**
 * An Accept header of a WADO-RS frames request for what this package decodes (PS3.18 8.7.4):
 * `multipart/related; type="…"; transfer-syntax=…` media ranges with falling quality values,
 * the stored syntax first unless `original: false`. For servers that negotiate by q value
 * (`fetchFrames` sends one range by default: some servers take the last of several).
 *
 * @example
 * fetch(`${instance}/frames/1`, { headers: { Accept: framesAcceptHeader({ prefer: ['1.2.840.10008.1.2.4.201'] }) } });
 */
export function framesAcceptHeader(options: AcceptOptions = {}): string {
  const decodable = new Set(supportedTransferSyntaxes().map((ts) => ts.uid));
  const wanted = options.prefer ?? supportedTransferSyntaxes().map((ts) => ts.uid);
  const ranges: string[] = [];
  if (options.original !== false) ranges.push('multipart/related; type="application/octet-stream"; transfer-syntax=*');
  for (const uid of wanted) {
    const media = mediaTypeOf(uid);
    if (!media || !decodable.has(uid)) continue;
    ranges.push(`multipart/related; type="${media}"; transfer-syntax=${uid}`);
  }
  // Quality values fall by 0.001 per range, so the order survives servers that sort by q.
  return ranges.map((range, i) => (i === 0 ? range : `${range}; q=${Math.max(0.001, 1 - i * 0.001).toFixed(3)}`)).join(', ');
}
