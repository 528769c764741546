import { DecodeError } from '../errors.js';
import { describeTransferSyntax, transferSyntax, TRANSFER_SYNTAXES, type DecoderFamily } from '../uids.js';
import type { TransferSyntaxInfo } from '../types.js';
import type { Decoder } from './decoder.js';
import { nativeDecoder } from './native.js';
import { deflateDecoder } from './deflate.js';
import { rleDecoder } from './rle.js';
import { jpegDecoder } from './jpeg.js';
import { jpeglsDecoder } from './jpegls.js';
import { htj2kDecoder, jpeg2000Decoder } from './jpeg2000.js';
import { jpegxlDecoder } from './jpegxl.js';

/** One decoder per family; which syntaxes each decodes is said in uids.ts (TRANSFER_SYNTAXES). */
const DECODERS: Record<DecoderFamily, Decoder> = {
  native: nativeDecoder,
  deflate: deflateDecoder,
  rle: rleDecoder,
  jpeg: jpegDecoder,
  'jpeg-ls': jpeglsDecoder,
  'jpeg-2000': jpeg2000Decoder,
  htj2k: htj2kDecoder,
  'jpeg-xl': jpegxlDecoder,
};

/** The decoder for a transfer syntax; throws UNSUPPORTED_TRANSFER_SYNTAX naming it otherwise. */
export function decoderFor(transferSyntaxUID: string): Decoder {
  const ts = transferSyntax(transferSyntaxUID);
  if (!ts?.decoder) {
    const uid = transferSyntaxUID.replace(/\0+$/, '').trim();
    throw new DecodeError('UNSUPPORTED_TRANSFER_SYNTAX', describeTransferSyntax(uid), uid);
  }
  return DECODERS[ts.decoder];
}

/** The transfer syntaxes that decode, with their names. */
export function supportedTransferSyntaxes(): TransferSyntaxInfo[] {
  return TRANSFER_SYNTAXES.filter((ts) => ts.decoder).map(({ uid, name, lossless, decoder, codec }) => ({ uid, name, lossless, decoder: decoder!, codec: codec ?? DECODERS[decoder!].codec }));
}
