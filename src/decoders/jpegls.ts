import { DecodeError } from '../errors.js';
import type { PixelInfo } from '../types.js';
import type { RawFrame } from '../raw.js';
import { charls, decodeFragments, endsWithFfd9, preload, type CodecFrameInfo } from '../wasm/codecs.js';
import { codecFrame, type Decoder } from './decoder.js';

/**
 * JPEG-LS Lossless and Near-Lossless (PS3.5 A.4.3, ISO/IEC 14495-1), decoded by CharLS.
 * JPEG-LS has no sign: the codec's samples are the stored bits, and pipeline/frame.ts
 * sign-extends them from Pixel Representation and Bits Stored.
 */
export const jpeglsDecoder: Decoder = {
  name: 'jpeg-ls',
  codec: 'CharLS',
  prepare: () => preload(charls),
  decode(fragments, info, { kernels, transferSyntaxUID }): RawFrame {
    // CharLS is slow to fail on a cut or inconsistent stream (seconds for a few KB), and decodes
    // whatever size the stream claims: its structure is checked first, in CharLS's own buffer.
    const { decoder, value: frameInfo } = decodeFragments(charls, fragments, transferSyntaxUID, (jls) => jls.getFrameInfo(),
      (encoded) => checkFrame(readJpegLsHeader(encoded, transferSyntaxUID), info, transferSyntaxUID));
    const bitsAllocated = checkFrame(frameInfo, info, transferSyntaxUID);
    // getDecodedBuffer() hands back a copy of the codec's output; one more copy into our memory.
    const decoded = decoder.getDecodedBuffer();
    const expected = info.rows * info.columns * info.samplesPerPixel * (bitsAllocated / 8);
    if (decoded.length !== expected) {
      throw new DecodeError('CORRUPT_DATA', `CharLS decoded ${decoded.length} bytes, the frame needs ${expected}`, transferSyntaxUID);
    }
    const ptr = kernels.copyIn(decoded);
    // Interleave mode 0 (ILV=0, by component) comes out one plane after another.
    const planar = info.samplesPerPixel > 1 && decoder.getInterleaveMode() === 0;
    return codecFrame(info, ptr, bitsAllocated === 8 ? 1 : 2, { at: 'lowBits', precision: frameInfo.bitsPerSample, lossy: decoder.getNearLossless() > 0 }, { planar });
  },
};

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const SOF55 = 0xf7;

/**
 * Walk a JPEG-LS stream (ISO/IEC 14495-1 C.1): SOI, marker segments whose lengths stay inside
 * the data, a frame header (SOF55) before the first scan, and scans up to EOI. In scan data an
 * FF byte is followed by a stuffed 0 bit (A.1), so FF followed by a byte of 0x80 or more is a
 * marker. Returns the frame header.
 * @throws {DecodeError} TRUNCATED when the data ends before EOI, CORRUPT_DATA otherwise.
 */
export function readJpegLsHeader(bytes: Uint8Array, transferSyntaxUID: string): CodecFrameInfo {
  const corrupt = (detail: string) => new DecodeError('CORRUPT_DATA', `JPEG-LS stream: ${detail}`, transferSyntaxUID, { codec: 'CharLS' });
  // Data that runs out is a cut stream, unless it still ends with EOI: then a length is wrong.
  const cut = !endsWithFfd9([bytes]);
  const truncated = (detail: string) =>
    new DecodeError(cut ? 'TRUNCATED' : 'CORRUPT_DATA', `JPEG-LS stream: ${detail}`, transferSyntaxUID, { codec: 'CharLS' });
  if (bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== SOI) throw corrupt('no SOI marker (FFD8) at the start');
  let frame: CodecFrameInfo | undefined;
  let inScan = false;
  let at = 2;
  for (;;) {
    // Fill bytes (FF) may precede a marker (B.1.1.2).
    while (at < bytes.length && bytes[at] === 0xff && bytes[at + 1] === 0xff) at++;
    if (at + 2 > bytes.length) throw truncated(`the data ends at byte ${bytes.length} before EOI`);
    if (bytes[at] !== 0xff) throw corrupt(`expected a marker at byte ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === EOI) break;
    if (marker >= 0xd0 && marker <= 0xd7 && inScan) {
      // A restart marker (RSTm) between restart intervals of a scan: its data follows.
      at = skipEntropyCoded(bytes, at + 2);
      continue;
    }
    if (marker === SOI || (marker >= 0xd0 && marker <= 0xd7)) throw corrupt(`marker FF${marker.toString(16).toUpperCase()} out of place at byte ${at}`);
    inScan = false;
    if (at + 4 > bytes.length) throw truncated(`the data ends inside marker FF${marker.toString(16).toUpperCase()}`);
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (length < 2) throw corrupt(`marker FF${marker.toString(16).toUpperCase()} has length ${length}`);
    const body = at + 4;
    at += 2 + length;
    if (at > bytes.length) throw truncated(`marker FF${marker.toString(16).toUpperCase()} runs past the end of the data`);
    if (marker === SOF55) {
      // P, Y, X, Nf, then Nf × (C, H/V, Tq) (C.2.2)
      if (length < 8) throw corrupt(`SOF55 has length ${length}`);
      frame = {
        bitsPerSample: bytes[body]!,
        height: (bytes[body + 1]! << 8) | bytes[body + 2]!,
        width: (bytes[body + 3]! << 8) | bytes[body + 4]!,
        componentCount: bytes[body + 5]!,
      };
      if (length < 8 + 3 * frame.componentCount) throw corrupt(`SOF55 lists ${frame.componentCount} components in ${length} bytes`);
      if (frame.bitsPerSample < 2 || frame.bitsPerSample > 16) throw corrupt(`sample precision ${frame.bitsPerSample}`);
      // Y = 0 (lines given later by DNL) and X = 0 are not for DICOM frames, whose size is known.
      if (frame.width === 0 || frame.height === 0) throw corrupt(`frame size ${frame.width}×${frame.height}`);
    } else if (marker === SOS) {
      if (!frame) throw corrupt('a scan before the frame header (SOF55)');
      at = skipEntropyCoded(bytes, at);
      inScan = true;
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xcc && marker !== 0xc8) {
      throw corrupt(`frame marker FF${marker.toString(16).toUpperCase()} is not JPEG-LS`);
    }
  }
  if (!frame) throw corrupt('no frame header (SOF55)');
  return frame;
}

/** The offset of the next marker after entropy-coded data starting at `at` (or the end). */
function skipEntropyCoded(bytes: Uint8Array, at: number): number {
  for (let next = bytes.indexOf(0xff, at); next !== -1; next = bytes.indexOf(0xff, next + 1)) {
    if (next + 1 < bytes.length && bytes[next + 1]! >= 0x80) return next;
  }
  return bytes.length;
}

/** The codestream must describe the frame the attributes describe; returns the sample width. */
function checkFrame(frame: CodecFrameInfo, info: PixelInfo, transferSyntaxUID: string): 8 | 16 {
  if (frame.width !== info.columns || frame.height !== info.rows || frame.componentCount !== info.samplesPerPixel) {
    throw new DecodeError(
      'INVALID_PIXEL_INFO',
      `the JPEG-LS frame is ${frame.width}×${frame.height} with ${frame.componentCount} component(s), ` +
        `the attributes say ${info.columns}×${info.rows} with ${info.samplesPerPixel}`,
      transferSyntaxUID,
    );
  }
  const bitsAllocated = frame.bitsPerSample <= 8 ? 8 : 16;
  if (frame.bitsPerSample > 16 || bitsAllocated > info.bitsAllocated) {
    throw new DecodeError(
      'INVALID_PIXEL_INFO',
      `the JPEG-LS sample precision is ${frame.bitsPerSample} bits, Bits Allocated is ${info.bitsAllocated}`,
      transferSyntaxUID,
    );
  }
  return bitsAllocated;
}
