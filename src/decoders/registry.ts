import { DecodeError } from '../errors.js';
import { describeTransferSyntax, transferSyntax } from '../uids.js';
import type { TransferSyntaxInfo } from '../types.js';
import type { Decoder } from './decoder.js';
import { nativeDecoder } from './native.js';
import { deflateDecoder } from './deflate.js';
import { rleDecoder } from './rle.js';
import { jpegDecoder } from './jpeg.js';
import { jpeglsDecoder } from './jpegls.js';
import { htj2kDecoder, jpeg2000Decoder } from './jpeg2000.js';

/** Every decoder, in one visible place. The only map from transfer syntax UID to decoder. */
const DECODERS: readonly Decoder[] = [nativeDecoder, deflateDecoder, rleDecoder, jpegDecoder, jpeglsDecoder, jpeg2000Decoder, htj2kDecoder];

const BY_UID = new Map<string, Decoder>(DECODERS.flatMap((decoder) => decoder.uids.map((uid) => [uid, decoder] as const)));

/** The decoder for a transfer syntax; throws UNSUPPORTED_TRANSFER_SYNTAX naming it otherwise. */
export function decoderFor(transferSyntaxUID: string): Decoder {
  const uid = transferSyntaxUID.replace(/\0+$/, '').trim();
  const decoder = BY_UID.get(uid);
  if (!decoder) {
    throw new DecodeError('UNSUPPORTED_TRANSFER_SYNTAX', describeTransferSyntax(uid), uid);
  }
  return decoder;
}

/** The transfer syntaxes that decode, with their names. */
export function supportedTransferSyntaxes(): TransferSyntaxInfo[] {
  return DECODERS.flatMap((decoder) =>
    decoder.uids.map((uid) => {
      const ts = transferSyntax(uid);
      return { uid, name: ts?.name ?? uid, lossless: ts?.lossless ?? false };
    }),
  );
}
