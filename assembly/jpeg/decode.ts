// JPEG decoding entry points (ITU-T T.81): lossless (process 14) and sequential DCT with
// Huffman coding (processes 1, 2, 4), one frame per call.
import { decodeLosslessScan, losslessWorkBytes } from './lossless';
import { decodeDctScan, planDctPlanes, rowBufferBytes, writeDctOutput } from './dct';
import { readSegments, resetFrame, SOF2, SOF3, SOS, END_OF_INPUT } from './markers';
import {
  F_SOF, F_PRECISION, F_ROWS, F_COLUMNS, F_COMPONENTS, F_MAX_H, F_MAX_V, F_ADOBE, F_JFIF, F_COLOR, F_DONE,
  F_MARKER, C_ID, C_H, C_V, SCRATCH_BYTES, component, field, setField,
} from './layout';
import { JpegOption, Status } from '../shared';

/** Bytes of scratch memory a JPEG decode needs. */
export function jpegScratchBytes(): i32 {
  return <i32>SCRATCH_BYTES;
}

/**
 * Read the header of a JPEG stream (SOI, then marker segments up to the first scan) into
 * `scratch`. Returns the SOF marker code (0xC0 baseline, 0xC1 extended, 0xC2 progressive, which
 * jpegDecode does not decode, 0xC3 lossless; other processes are Status.JPEG_UNSUPPORTED_PROCESS) or a negative status. The frame's precision, size,
 * components and sampling factors can then be read with jpegFrameField.
 */
export function jpegReadHeader(src: usize, length: usize, scratch: usize): i32 {
  resetFrame(scratch);
  if (length < 2 || load<u8>(src) != 0xff || load<u8>(src + 1) != 0xd8) return Status.JPEG_NO_SOI;
  const next = readSegments(src, length, 2, scratch, true);
  if (next < 0) return <i32>next;
  if (field(scratch, F_SOF) == 0) return field(scratch, F_MARKER) == END_OF_INPUT ? Status.TRUNCATED : Status.JPEG_NO_FRAME;
  return field(scratch, F_SOF);
}

/** A frame header field after jpegReadHeader: 0 SOF, 1 precision, 2 rows, 3 columns, 4 components, 5 max H, 6 max V, 11 colour. */
export function jpegFrameField(scratch: usize, index: i32): i32 {
  return field(scratch, <usize>index << 2);
}

/**
 * After jpegReadHeader: 1 when the frame has three components coded as YCbCr (see isYCbCr), else
 * 0; `options` as for jpegDecode (JpegOption.UnmarkedIsRgb).
 */
export function jpegIsYCbCr(scratch: usize, options: i32): i32 {
  return field(scratch, F_COMPONENTS) == 3 && isYCbCr(scratch, options) ? 1 : 0;
}

/** After jpegReadHeader: 1 when the stream itself says how its three components are coded (see isYCbCr). */
export function jpegColorMarked(scratch: usize): i32 {
  return colorMark(scratch) >= 0 ? 1 : 0;
}

/**
 * Bytes of working memory jpegDecode needs after jpegReadHeader: a line of differences for
 * lossless, the component sample planes and three line buffers for DCT.
 */
export function jpegWorkBytes(scratch: usize): i32 {
  if (field(scratch, F_SOF) == SOF3) return <i32>losslessWorkBytes(scratch);
  return <i32>(planDctPlanes(scratch, 0) + rowBufferBytes(field(scratch, F_COLUMNS)));
}

/**
 * Decode one JPEG image into `dst`: samples of all components interleaved, `sampleBytes` (1 or
 * 2) each, little endian. The frame header must agree with `rows`, `columns` and `components`,
 * and its precision must fit `sampleBytes` (else Status.JPEG_FRAME_MISMATCH). `work` is jpegWorkBytes
 * of working memory. Option 1: convert YCbCr to RGB. Afterwards field 11 (F_COLOR) says
 * whether colour was converted. Returns 0 or a negative status.
 */
export function jpegDecode(
  src: usize, length: usize, scratch: usize, dst: usize, rows: i32, columns: i32, components: i32,
  sampleBytes: i32, work: usize, options: i32,
): i32 {
  resetFrame(scratch);
  if (length < 2 || load<u8>(src) != 0xff || load<u8>(src + 1) != 0xd8) return Status.JPEG_NO_SOI;
  let pos: isize = 2;
  let started = false;
  let all: i32 = 0;
  while (true) {
    pos = readSegments(src, length, <usize>pos, scratch);
    if (pos < 0) return <i32>pos;
    if (field(scratch, F_MARKER) != SOS) break;
    if (!started) {
      if (field(scratch, F_SOF) == SOF2) return Status.JPEG_UNSUPPORTED_PROCESS;
      const status = startFrame(scratch, rows, columns, components, sampleBytes, work);
      if (status < 0) return status;
      all = (1 << components) - 1;
      started = true;
    }
    pos = field(scratch, F_SOF) == SOF3
      ? decodeLosslessScan(src, length, <usize>pos, scratch, dst, sampleBytes, work)
      : decodeDctScan(src, length, <usize>pos, scratch);
    if (pos < 0) return <i32>pos;
    // Every component decoded: what follows (normally EOI) is not needed.
    if (field(scratch, F_DONE) == all) break;
  }
  if (field(scratch, F_SOF) == 0) return field(scratch, F_MARKER) == END_OF_INPUT ? Status.TRUNCATED : Status.JPEG_NO_FRAME;
  if (!started || field(scratch, F_DONE) != all) return field(scratch, F_MARKER) == END_OF_INPUT ? Status.TRUNCATED : Status.JPEG_NO_SCAN;
  if (field(scratch, F_SOF) != SOF3) {
    const toRgb = (options & JpegOption.ConvertToRgb) != 0 && components == 3 && isYCbCr(scratch, options);
    setField(scratch, F_COLOR, toRgb ? 1 : 0);
    writeDctOutput(scratch, dst, sampleBytes, work + planDctPlanes(scratch, work), toRgb);
  }
  return Status.OK;
}

/** Check the frame against the Image Pixel Module and lay out DCT planes. */
function startFrame(scratch: usize, rows: i32, columns: i32, components: i32, sampleBytes: i32, work: usize): i32 {
  if (field(scratch, F_ROWS) != rows || field(scratch, F_COLUMNS) != columns || field(scratch, F_COMPONENTS) != components
    || field(scratch, F_PRECISION) > (sampleBytes << 3)) return Status.JPEG_FRAME_MISMATCH;
  if (field(scratch, F_SOF) == SOF3) {
    // Lossless samples are decoded straight into the output: every component at full size.
    for (let i: i32 = 0; i < components; i++) {
      const c = component(scratch, i);
      if (field(c, C_H) != field(scratch, F_MAX_H) || field(c, C_V) != field(scratch, F_MAX_V)) return Status.JPEG_UNSUPPORTED;
    }
    return Status.OK;
  }
  planDctPlanes(scratch, work);
  return Status.OK;
}

/**
 * Whether three DCT components are YCbCr, from the codestream as IJG jdapimin.c (and so
 * libjpeg-turbo) reads it: a JFIF APP0 segment means YCbCr; otherwise the Adobe APP14 transform
 * flag (0 = no transform); otherwise component identifiers 'R', 'G', 'B' mean RGB. Subsampled
 * chroma means YCbCr too (nobody subsamples RGB; GDCM writes such streams labelled RGB). A
 * stream that says none of these is as the dataset's Photometric Interpretation says (option
 * JpegOption.UnmarkedIsRgb), as DCMTK, GDCM and pydicom read it; libjpeg would guess YCbCr.
 */
function isYCbCr(scratch: usize, options: i32): bool {
  const mark = colorMark(scratch);
  if (mark >= 0) return mark == 1;
  return (options & JpegOption.UnmarkedIsRgb) == 0;
}

/** 1: the stream marks YCbCr, 0: it marks RGB, -1: it does not say. */
function colorMark(scratch: usize): i32 {
  if (field(scratch, F_JFIF) != 0) return 1;
  const adobe = field(scratch, F_ADOBE);
  if (adobe >= 0) return adobe != 0 ? 1 : 0;
  const first = component(scratch, 0);
  if (field(first, C_ID) == 0x52 && field(component(scratch, 1), C_ID) == 0x47 && field(component(scratch, 2), C_ID) == 0x42) return 0;
  for (let i: i32 = 1; i < 3; i++) {
    const c = component(scratch, i);
    if (field(c, C_H) != field(first, C_H) || field(c, C_V) != field(first, C_V)) return 1;
  }
  return -1;
}
