import { Inflate } from 'fflate';
import { DecodeError } from '../errors.js';
import { frameBytes, nativeChromaSubsampled, type Decoder, type RawFrame } from './decoder.js';
import { nativeFrameLayout, nativeRawFrame } from './native.js';

/**
 * Input handed to the inflater at a time (the output is checked after each): deflate expands at
 * most 1032:1, so a chunk of 1/256 of the frame overruns it by at most about 4 frames.
 */
const chunkFor = (frameBytes: number) => Math.min(65536, Math.max(1024, Math.ceil(frameBytes / 256)));

/**
 * Deflated Image Frame Compression (PS3.5 8.2.15, A.4.11): each frame is its native little-endian
 * bytes (1-bit frames from bit 0 of their own first byte), compressed on its own with raw deflate
 * (RFC 1951). Inflated straight into kernel memory, then read as native data. The output is
 * bounded by the frame the attributes describe: a stream that inflates past it (a deflate bomb)
 * stops within one input chunk (see chunkFor) and is CORRUPT_DATA.
 */
export const deflateDecoder: Decoder = {
  name: 'deflate',
  decode(fragments, info, { kernels, transferSyntaxUID }): RawFrame {
    const chromaSubsampled = nativeChromaSubsampled(info);
    const expected = frameBytes(info, { chromaSubsampled });
    const ptr = kernels.alloc(expected);
    let written = 0;
    let overrun = false;
    const inflater = new Inflate((chunk) => {
      if (written + chunk.length > expected) {
        overrun = true;
        return;
      }
      kernels.bytes(ptr + written, chunk.length).set(chunk);
      written += chunk.length;
    });
    const fail = (code: 'CORRUPT_DATA' | 'TRUNCATED', detail: string, cause?: unknown) =>
      new DecodeError(code, `deflated frame: ${detail}`, transferSyntaxUID, { codec: 'fflate', ...(cause === undefined ? {} : { cause }) });
    const chunk = chunkFor(expected);
    try {
      for (let f = 0; f < fragments.length && !overrun; f++) {
        const fragment = fragments[f]!;
        for (let at = 0; at < fragment.length && !overrun; at += chunk) {
          const end = Math.min(at + chunk, fragment.length);
          inflater.push(fragment.subarray(at, end), f === fragments.length - 1 && end === fragment.length);
        }
      }
    } catch (error) {
      // fflate: "unexpected EOF" for a cut stream, "invalid ..." for a corrupt one.
      const message = error instanceof Error ? error.message : String(error);
      throw fail(/EOF/i.test(message) ? 'TRUNCATED' : 'CORRUPT_DATA', message, error);
    }
    if (overrun) throw fail('CORRUPT_DATA', `inflates to more than the ${expected} bytes the attributes describe`);
    const layout = nativeFrameLayout(info, written, transferSyntaxUID);
    return nativeRawFrame(info, ptr, layout.chromaSubsampled, false);
  },
};
