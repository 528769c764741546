/**
 * Public types of dicom-pixels. These names are the API contract (see the README);
 * change them only with a deprecation path.
 */

/** A lookup table as stored in DICOM (PS3.3 C.11.1.1.1): descriptor plus data. */
export interface LutData {
  /** First stored value mapped (descriptor[1]); signed when Pixel Representation is 1. */
  firstMapped: number;
  /** Bits per entry (descriptor[2]): 8 or 16. */
  bitsPerEntry: number;
  /** The entries; their count is descriptor[0] (0 meaning 65536). */
  data: Uint8Array | Uint16Array;
}

/** Image Pixel Module attributes of one frame (PS3.3 C.7.6.3). */
export interface PixelInfo {
  rows: number;
  columns: number;
  /** Bits Allocated: 1, 8, 16, 32 or 64. */
  bitsAllocated: number;
  bitsStored: number;
  /** High Bit; defaults to bitsStored - 1. */
  highBit?: number;
  /** Pixel Representation: 1 = two's complement. */
  pixelRepresentation: 0 | 1;
  /** Samples per Pixel: 1 or 3. */
  samplesPerPixel: number;
  photometricInterpretation: string;
  /** Planar Configuration: 0 = interleaved (default), 1 = colour-by-plane. */
  planarConfiguration?: 0 | 1;
  /** 'float' for Float Pixel Data (7FE0,0008), 'double' for Double Float Pixel Data (7FE0,0009). */
  pixelDataFormat?: 'int' | 'float' | 'double';
  /** Red, green and blue palette LUTs for PALETTE COLOR. */
  palette?: { red: LutData; green: LutData; blue: LutData };
}

/** Modality LUT Module (PS3.3 C.11.1): a LUT Sequence wins over rescale. */
export interface ModalityLut {
  rescaleSlope?: number;
  rescaleIntercept?: number;
  rescaleType?: string;
  lut?: LutData;
}

/** VOI LUT Module (PS3.3 C.11.2). */
export interface VoiLut {
  windowCenter?: number;
  windowWidth?: number;
  function?: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';
  lut?: LutData;
}

/** Names of the output typed arrays. */
export type OutputTypeName =
  | 'Uint8Array'
  | 'Int8Array'
  | 'Uint16Array'
  | 'Int16Array'
  | 'Uint32Array'
  | 'Int32Array'
  | 'Float32Array'
  | 'Float64Array';

/** The typed arrays a decode can produce. */
export type PixelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** Options of {@link decodeFrame}, {@link decodeFile} and `DicomImage.decodeFrame`. */
export interface DecodeOptions {
  /**
   * Modality LUT to apply. `decodeFrame`: none unless given. `decodeFile` and
   * `DicomImage.decodeFrame`: the file's own, unless `false`.
   */
  modalityLut?: ModalityLut | false;
  /** Output array type; `'auto'` (default) picks it from the attributes alone. */
  outputType?: 'auto' | OutputTypeName;
  /** `'rgb'` (default) converts YBR_FULL(_422) and PALETTE COLOR to RGB; `'native'` keeps them. */
  colorSpace?: 'rgb' | 'native';
  /** JPEG 2000 / HTJ2K: 0 = full size, n = 1/2^n per axis. */
  resolutionLevel?: number;
  /** Decode into this buffer (its type must be the output type, its length at least the sample count). */
  into?: ArrayBufferView;
  /**
   * Largest frame, in bytes of stored or output samples, that a decode accepts before it
   * allocates anything (default 1 GiB); larger frames fail with FRAME_TOO_LARGE.
   */
  maxFrameBytes?: number;
}

/** One decoded frame. */
export interface DecodedFrame {
  /** Row-major samples, interleaved when samplesPerPixel is 3. */
  pixels: PixelArray;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  /** Photometric interpretation of the output (e.g. 'RGB' after conversion). */
  photometricInterpretation: string;
  /** Smallest output sample (NaN samples of float data are ignored). */
  minValue: number;
  /** Largest output sample. */
  maxValue: number;
  modalityLutApplied: boolean;
}

/** A transfer syntax this library decodes. */
export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  lossless: boolean;
}
