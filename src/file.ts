/** Whole DICOM files: openDicom and decodeFile. */
import { decodeFrame, decodeWith, type FrameSink } from './decode.js';
import { DecodeError, withContext } from './errors.js';
import { parseDicom, type ParsedDicom } from './dicom/part10.js';
import type { DecodedFrame, DecodeFileOptions, DecodeOptions, DicomImage } from './types.js';

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
    decodeFrame: (index, options = {}) => decodeImageFrame(parsed, index, options),
  };
  if (parsed.modalityLut) image.modalityLut = parsed.modalityLut;
  if (parsed.voiLut) image.voiLut = parsed.voiLut;
  if (parsed.presentationLutShape) image.presentationLutShape = parsed.presentationLutShape;
  return image;
}

/**
 * Decode frame `index` of a parsed file with its own Modality LUT unless the options say
 * otherwise; with `sink`, the result goes to it in kernel memory (thumbnails), else it is copied
 * out as decodeFrame does. Errors carry the transfer syntax and the frame.
 */
export function decodeImageFrame(parsed: ParsedDicom, index: number, options: DecodeOptions): Promise<DecodedFrame>;
export function decodeImageFrame<T>(parsed: ParsedDicom, index: number, options: DecodeOptions, sink: FrameSink<T>): Promise<T>;
export function decodeImageFrame<T>(parsed: ParsedDicom, index: number, options: DecodeOptions, sink?: FrameSink<T>): Promise<T | DecodedFrame> {
  const context = { transferSyntaxUID: parsed.transferSyntaxUID, frame: index };
  const annotate = (error: unknown) => Promise.reject(error instanceof DecodeError ? withContext(error, context) : error);
  try {
    const data = parsed.frameData(index);
    const modalityLut = options.modalityLut ?? parsed.frameModalityLut(index);
    const frameOptions = { ...options, modalityLut };
    const decoded = sink ? decodeWith(data, parsed.transferSyntaxUID, parsed.info, frameOptions, sink) : decodeFrame(data, parsed.transferSyntaxUID, parsed.info, frameOptions);
    return decoded.catch(annotate);
  } catch (error) {
    return annotate(error);
  }
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
export function decodeFile(bytes: Uint8Array, options: DecodeFileOptions = {}): Promise<DecodedFrame> {
  try {
    const { frame = 0, ...rest } = options;
    return openDicom(bytes).decodeFrame(frame, rest);
  } catch (error) {
    return Promise.reject(error);
  }
}
