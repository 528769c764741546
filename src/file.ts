/** Whole DICOM files: openDicom and decodeFile. */
import { decodeFrame } from './decode.js';
import { parseDicom } from './dicom/part10.js';
import type { DecodedFrame, DecodeOptions, ModalityLut, PixelInfo, VoiLut } from './types.js';

/** A parsed DICOM instance whose frames decode on demand. */
export interface DicomImage {
  transferSyntaxUID: string;
  numberOfFrames: number;
  /** Image Pixel Module attributes (the same for every frame). */
  info: PixelInfo;
  /** The dataset's Modality LUT (shared functional groups included), if any. */
  modalityLut?: ModalityLut;
  /** The dataset's first VOI window or VOI LUT, if any. */
  voiLut?: VoiLut;
  /** The Modality LUT of one frame: per-frame functional groups, else the dataset's. */
  frameModalityLut(index: number): ModalityLut | undefined;
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
    decodeFrame(index, options = {}) {
      try {
        const data = parsed.frameData(index);
        const modalityLut = options.modalityLut ?? parsed.frameModalityLut(index);
        return decodeFrame(data, parsed.transferSyntaxUID, parsed.info, { ...options, modalityLut });
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
  if (parsed.modalityLut) image.modalityLut = parsed.modalityLut;
  if (parsed.voiLut) image.voiLut = parsed.voiLut;
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
