/** Whole DICOM files: openDicom and decodeFile. */
import { decodeFrame } from './decode.js';
import { DecodeError, withContext } from './errors.js';
import { parseDicom, type ParsedDicom } from './dicom/part10.js';
import type { DecodedFrame, DecodeOptions } from './types.js';

/**
 * A parsed DICOM instance whose frames decode on demand: transfer syntax, frames, pixel
 * attributes and LUTs as the Part 10 reader found them (see ParsedDicom).
 */
export interface DicomImage extends ParsedDicom {
  /**
   * Decode frame `index` (0-based) with the frame's Modality LUT applied, unless
   * `options.modalityLut` is given (an override) or `false` (stored values).
   * @throws {DecodeError} FRAME_OUT_OF_RANGE and every decodeFrame error.
   */
  decodeFrame(index: number, options?: DecodeOptions): Promise<DecodedFrame>;
}

/**
 * Parse a DICOM Part 10 file (or a raw Implicit VR Little Endian dataset).
 *
 * @throws {DecodeError} NOT_DICOM, NO_PIXEL_DATA, INVALID_PIXEL_INFO.
 * @example
 * const image = openDicom(bytes);
 * const frame = await image.decodeFrame(0);   // rescale applied
 */
export function openDicom(bytes: Uint8Array): DicomImage {
  const parsed = parseDicom(bytes);
  const image: DicomImage = {
    transferSyntaxUID: parsed.transferSyntaxUID,
    numberOfFrames: parsed.numberOfFrames,
    info: parsed.info,
    frameModalityLut: (index) => parsed.frameModalityLut(index),
    frameVoiLut: (index) => parsed.frameVoiLut(index),
    frameData: (index) => parsed.frameData(index),
    decodeFrame(index, options = {}) {
      const context = { transferSyntaxUID: parsed.transferSyntaxUID, frame: index };
      const annotate = (error: unknown) => Promise.reject(error instanceof DecodeError ? withContext(error, context) : error);
      try {
        const data = parsed.frameData(index);
        const modalityLut = options.modalityLut ?? parsed.frameModalityLut(index);
        return decodeFrame(data, parsed.transferSyntaxUID, parsed.info, { ...options, modalityLut }).catch(annotate);
      } catch (error) {
        return annotate(error);
      }
    },
  };
  if (parsed.modalityLut) image.modalityLut = parsed.modalityLut;
  if (parsed.voiLut) image.voiLut = parsed.voiLut;
  if (parsed.presentationLutShape) image.presentationLutShape = parsed.presentationLutShape;
  return image;
}

/**
 * Decode one frame of a DICOM file, with the file's Modality LUT applied unless
 * `modalityLut: false`.
 *
 * @param options DecodeOptions plus `frame` (default 0).
 * @throws {DecodeError} NOT_DICOM, NO_PIXEL_DATA, FRAME_OUT_OF_RANGE and every decodeFrame error.
 * @example
 * const { pixels, minValue, maxValue } = await decodeFile(readFileSync('ct.dcm'));
 */
export function decodeFile(bytes: Uint8Array, options: DecodeOptions & { frame?: number } = {}): Promise<DecodedFrame> {
  try {
    const { frame = 0, ...rest } = options;
    return openDicom(bytes).decodeFrame(frame, rest);
  } catch (error) {
    return Promise.reject(error);
  }
}
