/**
 * Thumbnails: one frame of a DICOM file → a PNG of at most `size` pixels on its longest side.
 * JPEG 2000 and HTJ2K frames decode at the coarsest resolution level that still covers the
 * size, instead of in full (ISO/IEC 15444-1 resolution levels; DecodeOptions.resolutionLevel).
 */
import { encode } from 'fast-png';
import { invalidValue } from '../validate.js';
import { decodeImageFrame } from '../file.js';
import { parseDicom, type ParsedDicom } from '../dicom/part10.js';
import type { VoiLut } from '../types.js';
import { transferSyntax } from '../uids.js';
import { renderInKernels, type RenderedFrame } from './render.js';

/** Options of {@link thumbnail}. */
export interface ThumbnailOptions {
  /** Longest side in pixels (default 256); smaller images keep their size. */
  size?: number | undefined;
  /** Frame index (0-based), or `'middle'` (default): frame ⌊(frames − 1) / 2⌋. */
  frame?: number | 'middle' | undefined;
  /** As in DecodeOptions: the largest frame to decode (default 1 GiB). */
  maxFrameBytes?: number | undefined;
}

/** A PNG thumbnail and its size. */
export interface Thumbnail {
  png: Uint8Array;
  width: number;
  height: number;
}

/**
 * The resolution level whose image still covers `size` on the longest side: level n halves
 * each axis n times (rounding up), so n = ⌊log2(longest / size)⌋.
 */
export function resolutionLevelFor(longest: number, size: number): number {
  return longest > size ? Math.floor(Math.log2(longest / size)) : 0;
}

/** Encode a rendered frame as an 8-bit grey or RGB PNG. */
export function encodePng(image: RenderedFrame): Uint8Array {
  return encode({ width: image.width, height: image.height, data: image.data, channels: image.channels, depth: 8 });
}

/**
 * Make a PNG thumbnail of one frame of a DICOM file: the frame's Modality LUT, then its first
 * VOI window or VOI LUT (a min/max window when it has none), MONOCHROME1 and Presentation LUT
 * Shape INVERSE inverted, colour converted to RGB, downscaled by area averaging with the aspect
 * ratio kept (Pixel Spacing is not applied).
 *
 * @param bytes The whole DICOM file.
 * @param options `size` (default 256), `frame` (default `'middle'`).
 * @throws {DecodeError} INVALID_OPTIONS for a bad size or frame, FRAME_OUT_OF_RANGE, and every
 *   error of openDicom and decodeFrame.
 * @example
 * const { png, width, height } = await thumbnail(readFileSync('ct.dcm'), { size: 128 });
 * writeFileSync('ct.png', png);
 */
export async function thumbnail(bytes: Uint8Array, options: ThumbnailOptions = {}): Promise<Thumbnail> {
  const { size = 256, frame = 'middle' } = options;
  if (!Number.isInteger(size) || size < 1) throw invalidValue('INVALID_OPTIONS', 'size', 'a positive integer', size);
  if (frame !== 'middle' && (!Number.isInteger(frame) || frame < 0)) {
    throw invalidValue('INVALID_OPTIONS', 'frame', "a frame index or 'middle'", frame);
  }
  const image = parseDicom(bytes);
  const index = frame === 'middle' ? Math.floor((image.numberOfFrames - 1) / 2) : frame;
  const rendered = await renderImageFrame(image, index, { size, maxFrameBytes: options.maxFrameBytes });
  return { png: encodePng(rendered), width: rendered.width, height: rendered.height };
}

/** Options of {@link renderImageFrame}. */
export interface RenderImageOptions {
  /** Longest side in pixels; never upscaled. Default: the frame's own size. */
  size?: number | undefined;
  /** A window instead of the frame's own VOI LUT (grey frames). */
  voiLut?: VoiLut | undefined;
  /** As in DecodeOptions. */
  maxFrameBytes?: number | undefined;
}

/**
 * Render frame `index` of an image (a parsed file, or DICOMweb metadata with frame bytes) for
 * display: its Modality LUT, its VOI LUT or window (or `voiLut`), MONOCHROME1 and Presentation
 * LUT Shape INVERSE inverted, colour as RGB over its stored bits, downscaled to `size`. JPEG
 * 2000 and HTJ2K frames decode at the coarsest resolution level that still covers the size.
 */
export function renderImageFrame(image: ParsedDicom, index: number, options: RenderImageOptions = {}): Promise<RenderedFrame> {
  const { rows, columns } = image.info;
  const size = options.size;
  const level = size !== undefined && transferSyntax(image.transferSyntaxUID)?.resolutionLevels ? resolutionLevelFor(Math.max(rows, columns), size) : 0;
  const palette = image.info.photometricInterpretation === 'PALETTE COLOR';
  const voiLut = options.voiLut ?? image.frameVoiLut(index);
  const renderOptions = { ...(image.presentationLutShape && { presentationLutShape: image.presentationLutShape }), ...(size !== undefined && { size }) };
  // Rendered from the decode's result where it is, in kernel memory: no copy out and back in.
  return decodeImageFrame(
    image,
    index,
    {
      ...(level > 0 && { resolutionLevel: level }),
      ...(options.maxFrameBytes !== undefined && { maxFrameBytes: options.maxFrameBytes }),
    },
    (kernels, result) => {
      const frame = { ...result, kind: result.output.kind, minValue: result.min, maxValue: result.max };
      if (result.samplesPerPixel !== 3) return renderInKernels(kernels, frame, { ...renderOptions, ...(voiLut && { voiLut }) });
      // Colour samples span their stored bits (palettes: the table's 8 or 16), not a VOI window.
      const bits = palette ? 8 * result.output.ctor.BYTES_PER_ELEMENT : image.info.bitsStored;
      return renderInKernels(kernels, frame, renderOptions, bits);
    },
  );
}
