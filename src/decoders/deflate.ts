import { Inflate, inflateSync } from 'fflate';
import { DecodeError } from '../errors.js';
import type { Kernels } from '../wasm/kernels.js';
import type { RawFrame } from '../raw.js';
import { frameBytes, nativeChromaSubsampled, type Decoder } from './decoder.js';
import { nativeFrame, nativeFrameLayout } from './native.js';

/** Deflate expands at most 1032:1 (RFC 1951: a 258-byte match per two-bit code, about). */
const MAX_RATIO = 1032;
/** Output beyond the frame a stream may make us produce before it is refused: 8 frames, or 16 MiB. */
const OVERRUN_FRAMES = 8;
const MIN_CHUNK = 16384;

/**
 * Deflated Image Frame Compression (PS3.5 8.2.16, A.4.13): each frame is its native little-endian
 * bytes (1-bit frames from bit 0 of their own first byte), compressed on its own with raw deflate
 * (RFC 1951). Inflated straight into kernel memory, then read as native data. The work is bounded
 * by the frame the attributes describe, not by what the stream holds: a stream that inflates past
 * the frame (a deflate bomb) is CORRUPT_DATA after at most 8 frames' (or 16 MiB) worth of output.
 */
export const deflateDecoder: Decoder = {
  name: 'deflate',
  codec: 'fflate (inflate), then the native reader',
  decode(fragments, info, { kernels, transferSyntaxUID }): RawFrame {
    const chromaSubsampled = nativeChromaSubsampled(info);
    const expected = frameBytes(info, { chromaSubsampled });
    const src = kernels.copyInAll(fragments);
    // One byte more than the frame: a stream that fills it has more data than the frame holds.
    const ptr = kernels.alloc(expected + 1);
    // A view made after the last allocation (growing memory detaches older ones).
    const input = kernels.bytes(src.ptr, src.length);
    const fail = (code: 'CORRUPT_DATA' | 'TRUNCATED', detail: string, cause?: unknown) =>
      new DecodeError(code, `deflated frame: ${detail}`, transferSyntaxUID, { codec: 'fflate', ...(cause === undefined ? {} : { cause }) });
    let written: number;
    try {
      written = input.length * MAX_RATIO <= OVERRUN_FRAMES * expected
        // Even a bomb this short inflates to at most 8 frames: in one call.
        ? inflateSync(input, { out: kernels.bytes(ptr, expected + 1) }).length
        : inflateBounded(input, kernels, ptr, expected);
    } catch (error) {
      // fflate: "unexpected EOF" for a cut stream, "invalid ..." for a corrupt one.
      const message = error instanceof Error ? error.message : String(error);
      throw fail(/EOF/i.test(message) ? 'TRUNCATED' : 'CORRUPT_DATA', message, error);
    }
    if (written > expected) throw fail('CORRUPT_DATA', `inflates to more than the ${expected} bytes the attributes describe`);
    const layout = nativeFrameLayout(info, written, transferSyntaxUID);
    return nativeFrame(info, ptr, layout.chromaSubsampled, 'little', transferSyntaxUID);
  },
};

/**
 * A stream long enough to inflate far past the frame: fed in chunks that inflate to at most 8
 * frames (or 16 MiB) each, stopping at the first that overruns (fflate's streaming is about 1.6×
 * slower than one call, below 16 KiB chunks much slower). Returns the bytes written (expected + 1
 * when it overran).
 */
function inflateBounded(input: Uint8Array, kernels: Kernels, ptr: number, expected: number): number {
  const chunk = Math.max(MIN_CHUNK, Math.ceil((OVERRUN_FRAMES * expected) / MAX_RATIO));
  let written = 0;
  const inflater = new Inflate((data) => {
    if (written + data.length > expected) {
      written = expected + 1;
      return;
    }
    kernels.bytes(ptr + written, data.length).set(data);
    written += data.length;
  });
  for (let at = 0; at < input.length && written <= expected; at += chunk) {
    const end = Math.min(at + chunk, input.length);
    inflater.push(input.subarray(at, end), end === input.length);
  }
  return written;
}
