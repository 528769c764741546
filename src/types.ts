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
  highBit?: number | undefined;
  /** Pixel Representation: 1 = two's complement. */
  pixelRepresentation: 0 | 1;
  /** Samples per Pixel: 1 or 3. */
  samplesPerPixel: number;
  photometricInterpretation: string;
  /** Planar Configuration: 0 = interleaved (default), 1 = colour-by-plane. */
  planarConfiguration?: 0 | 1 | undefined;
  /** 'float' for Float Pixel Data (7FE0,0008), 'double' for Double Float Pixel Data (7FE0,0009). */
  pixelDataFormat?: 'int' | 'float' | 'double' | undefined;
  /** Red, green and blue palette LUTs for PALETTE COLOR. */
  palette?: { red: LutData; green: LutData; blue: LutData } | undefined;
}

/** Modality LUT Module (PS3.3 C.11.1): a LUT Sequence wins over rescale. */
export interface ModalityLut {
  rescaleSlope?: number | undefined;
  rescaleIntercept?: number | undefined;
  rescaleType?: string | undefined;
  lut?: LutData | undefined;
}

/** VOI LUT Module (PS3.3 C.11.2). */
export interface VoiLut {
  windowCenter?: number | undefined;
  windowWidth?: number | undefined;
  function?: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID' | undefined;
  lut?: LutData | undefined;
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
   * The Modality LUT (PS3.3 C.11.1), in one rule for every decode:
   * - absent: the dataset's own: the frame's in `decodeFile` and `DicomImage.decodeFrame`;
   *   `decodeFrame` has no dataset, so none there;
   * - a `ModalityLut`: this one instead (an override);
   * - `false`: none; the output is the stored values.
   *
   * Colour frames have none whatever is given.
   */
  modalityLut?: ModalityLut | false | undefined;
  /** Output array type; `'auto'` (default) picks it from the attributes alone. */
  outputType?: 'auto' | OutputTypeName | undefined;
  /** `'rgb'` (default) converts YBR_FULL(_422) and PALETTE COLOR to RGB; `'native'` keeps them. */
  colorSpace?: 'rgb' | 'native' | undefined;
  /**
   * JPEG 2000 / HTJ2K: 0 = full size (default), n = 1/2^n per axis (rounding up), at most the
   * codestream's decomposition levels; other syntaxes decode at full size.
   */
  resolutionLevel?: number | undefined;
  /**
   * Decode into this array: of the output type, with at least the samples' count of elements
   * (`outputInfoFor` gives both); the result's `pixels` is it, or its start.
   */
  into?: PixelArray | undefined;
  /**
   * Largest frame, in bytes of stored or output samples, that a decode accepts before it
   * allocates anything (default 1 GiB); larger frames fail with FRAME_TOO_LARGE.
   */
  maxFrameBytes?: number | undefined;
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
  /** The decoder family: 'native', 'deflate', 'rle', 'jpeg', 'jpeg-ls', 'jpeg-2000' or 'htj2k'. */
  decoder: string;
  /** What decodes it: this package's kernels or the codec library named (e.g. 'CharLS'). */
  codec: string;
}

/**
 * A parsed DICOM instance whose frames decode on demand (`openDicom`): transfer syntax, frames,
 * pixel attributes and LUTs as the Part 10 reader found them.
 */
export interface DicomImage {
  /** Transfer Syntax UID (0002,0010), trimmed of NUL and space padding. */
  transferSyntaxUID: string;
  /** Number of Frames (0028,0008); 1 when missing or invalid. */
  numberOfFrames: number;
  /** Image Pixel Module (PS3.3 C.7.6.3), with defaults for missing optional attributes. */
  info: PixelInfo;
  /**
   * The dataset's Modality LUT: Pixel Value Transformation in the Shared Functional Groups,
   * else the top-level Modality LUT Sequence (first item), else Rescale Slope/Intercept/Type.
   */
  modalityLut?: ModalityLut | undefined;
  /**
   * The dataset's VOI LUT: top-level first Window Center/Width, VOI LUT Function and first VOI
   * LUT Sequence item; else the Shared, else the first Per-frame Frame VOI LUT Sequence.
   */
  voiLut?: VoiLut | undefined;
  /**
   * The Modality LUT of frame `index`: its Per-frame Functional Groups item's Pixel Value
   * Transformation, else the dataset's ({@link DicomImage.modalityLut}).
   * @throws {DecodeError} FRAME_OUT_OF_RANGE.
   */
  frameModalityLut(index: number): ModalityLut | undefined;
  /**
   * The VOI LUT of frame `index`: its Per-frame Frame VOI LUT Sequence, else the Shared one,
   * else the top-level VOI LUT Module.
   * @throws {DecodeError} FRAME_OUT_OF_RANGE.
   */
  frameVoiLut(index: number): VoiLut | undefined;
  /**
   * Presentation LUT Shape (2050,0020): INVERSE means the lowest value is displayed white
   * (PS3.3 C.11.6.1.2; DX and MG MONOCHROME1 images carry it). Absent unless IDENTITY or INVERSE.
   */
  presentationLutShape?: 'IDENTITY' | 'INVERSE' | undefined;
  /**
   * The stored bytes of frame `index` (0-based). Native: one Uint8Array, a subarray of the
   * input where possible (big endian samples stay big endian; 1-bit frames come back
   * byte-aligned). Encapsulated: the frame's fragments, subarrays of the input.
   * @throws {DecodeError} FRAME_OUT_OF_RANGE, TRUNCATED, CORRUPT_DATA.
   */
  frameData(index: number): Uint8Array | Uint8Array[];
  /**
   * Decode frame `index` (0-based); the frame's own Modality LUT applies unless
   * `options.modalityLut` says otherwise (see {@link DecodeOptions.modalityLut}).
   * @throws {DecodeError} FRAME_OUT_OF_RANGE and every decodeFrame error.
   */
  decodeFrame(index: number, options?: DecodeOptions): Promise<DecodedFrame>;
}

/** Options of `decodeFile`: {@link DecodeOptions} and the frame. */
export interface DecodeFileOptions extends DecodeOptions {
  /** Frame index, 0-based (default 0). */
  frame?: number | undefined;
}
