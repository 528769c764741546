// RLE Lossless decoding, PS3.5 Annex G.
import { interleavePlanes } from './unpack';
import { Status } from './shared';

const HEADER_BYTES: u32 = 64;

/**
 * Decode one PackBits segment (PS3.5 G.3.1) into `dst`, at most `dstLen` bytes.
 * Runs are written 16 bytes at a time and may overshoot the run by up to 15 bytes: the
 * caller leaves 16 bytes of slack after the last plane, and later runs overwrite the rest.
 * Returns the bytes written, or Status.TRUNCATED when the input ran out before a run was complete.
 */
/** Bytes written before decodeSegment last returned Status.TRUNCATED, and whether its header was the last input byte. */
let truncatedAfter: usize = 0;
let truncatedAtLastByte = false;

function decodeSegment(src: usize, srcEnd: usize, dst: usize, dstLen: usize): isize {
  let s = src;
  let d = dst;
  const dEnd = dst + dstLen;
  while (s < srcEnd && d < dEnd) {
    const header = <i32>load<i8>(s);
    s++;
    if (header >= 0) {
      // Literal run of header + 1 bytes.
      let len = <usize>(header + 1);
      if (len > srcEnd - s) {
        truncatedAfter = d - dst;
        truncatedAtLastByte = s == srcEnd;
        return Status.TRUNCATED;
      }
      const room = dEnd - d;
      const write = len < room ? len : room;
      for (let i: usize = 0; i < write; i += 16) v128.store(d + i, v128.load(s + i));
      s += len;
      d += write;
    } else if (header != -128) {
      // Replicate run: the next byte 1 - header times.
      if (s >= srcEnd) {
        truncatedAfter = d - dst;
        truncatedAtLastByte = true;
        return Status.TRUNCATED;
      }
      const value = i8x16.splat(load<i8>(s));
      s++;
      const len = <usize>(1 - header);
      const room = dEnd - d;
      const write = len < room ? len : room;
      for (let i: usize = 0; i < write; i += 16) v128.store(d + i, value);
      d += write;
    }
    // header == -128 is a no-op (G.3.1).
  }
  return <isize>(d - dst);
}

/**
 * Decode an RLE frame (one fragment) into byte planes: segment k goes to
 * `planes + k * planeLen`. Segments are ordered sample by sample, most significant byte
 * first (G.2). The input must be followed by 16 readable bytes and the planes by 16 bytes
 * of slack (see decodeSegment).
 */
export function rleDecodeToPlanes(src: usize, srcLen: u32, planes: usize, planeLen: u32, segments: u32): i32 {
  if (srcLen < HEADER_BYTES) return Status.TRUNCATED;
  const count = load<u32>(src);
  if (count == 0 || count > 15 || count != segments) return Status.RLE_BAD_SEGMENT_COUNT;
  let previous: u32 = 0;
  for (let k: u32 = 0; k < count; k++) {
    const offset = load<u32>(src + 4 + (k << 2));
    if (offset < HEADER_BYTES || offset <= previous || offset >= srcLen) return Status.RLE_BAD_OFFSETS;
    previous = offset;
  }
  for (let k: u32 = 0; k < count; k++) {
    const start = load<u32>(src + 4 + (k << 2));
    const end = k + 1 < count ? load<u32>(src + 8 + (k << 2)) : srcLen;
    const written = decodeSegment(src + start, src + end, planes + <usize>k * planeLen, planeLen);
    if (written < 0) return <i32>written;
    // A segment may carry a pad byte beyond the plane (ignored); it must not be short.
    if (<u32>written < planeLen) return k + 1 < count ? Status.RLE_SHORT_SEGMENT : Status.TRUNCATED;
  }
  return Status.OK;
}

/**
 * Interleave decoded byte planes into little-endian samples, samples of a pixel
 * interleaved (G.2: output is interleaved whatever Planar Configuration says). 16-bit grey
 * planes are interleaved by storedValues instead, in its masking pass.
 * Plane (s * bytesPerSample + b) holds byte b (0 = most significant) of sample s.
 */
export function rlePlanesToSamples(planes: usize, pixels: u32, dst: usize, samplesPerPixel: u32, bytesPerSample: u32): i32 {
  const planeLen = <usize>pixels;
  if (bytesPerSample == 1) return interleavePlanes(planes, planeLen, dst, samplesPerPixel, 1);
  // Any other layout (32/64-bit, 16-bit colour): byte by byte.
  const bytesPerPixel = <usize>(samplesPerPixel * bytesPerSample);
  for (let s: u32 = 0; s < samplesPerPixel; s++) {
    for (let byte: u32 = 0; byte < bytesPerSample; byte++) {
      const plane = planes + <usize>(s * bytesPerSample + byte) * planeLen;
      const out = dst + <usize>(s * bytesPerSample + (bytesPerSample - 1 - byte));
      for (let i: usize = 0; i < planeLen; i++) store<u8>(out + i * bytesPerPixel, load<u8>(plane + i));
    }
  }
  return Status.OK;
}

/**
 * Decode an RLE frame of one segment (Bits Allocated 1) into `dst`, at most `capacity` bytes
 * (`dst` has 16 bytes of slack). Returns the bytes the segment decoded to, for the caller to
 * tell packed bits from one byte per pixel, or a negative status.
 */
export function rleDecodeSingleSegment(src: usize, srcLen: u32, dst: usize, capacity: u32): i32 {
  if (srcLen < HEADER_BYTES) return Status.TRUNCATED;
  if (load<u32>(src) != 1) return Status.RLE_BAD_SEGMENT_COUNT;
  const offset = load<u32>(src + 4);
  if (offset < HEADER_BYTES || offset >= srcLen) return Status.RLE_BAD_OFFSETS;
  const written = decodeSegment(src + offset, src + srcLen, dst, capacity);
  // The segment's last byte is a run header with nothing after it: the pad byte of an
  // odd-length segment (G.3.1 pads segments to even length), not a cut run.
  if (written == Status.TRUNCATED && truncatedAtLastByte) return <i32>truncatedAfter;
  return <i32>written;
}
