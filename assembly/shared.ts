// The constants the TypeScript side uses too, as enums: scripts/embed-wasm.mjs turns each enum
// here into an object of the same name and members in src/wasm/kernels.generated.ts, so the two
// sides share one definition (test/kernels.test.ts checks the generated file is current).

/** Kinds of stored and output samples. */
export enum SampleKind {
  Uint8 = 0,
  Int8 = 1,
  Uint16 = 2,
  Int16 = 3,
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Float64 = 7,
}

/** Where storedValues reads raw samples from (the layout a decoder reported). */
export enum Layout {
  LittleEndian = 0,
  BigEndian = 1,
  /** 16-bit samples as two byte planes, most significant first (RLE segments, PS3.5 G.2). */
  BytePlanes = 2,
}

/** VOI LUT Function (0028,1056), PS3.3 C.11.2.1.3. */
export enum VoiFunction {
  LINEAR = 0,
  LINEAR_EXACT = 1,
  SIGMOID = 2,
}

/** Kernel status codes; 0 is success (src/errors.ts gives each its DecodeError). */
export enum Status {
  OK = 0,
  TRUNCATED = -1,
  RLE_BAD_SEGMENT_COUNT = -2,
  RLE_BAD_OFFSETS = -3,
  RLE_SHORT_SEGMENT = -4,
  UNSUPPORTED_LAYOUT = -5,
  // JPEG (ITU-T T.81), -20..-39.
  JPEG_NO_SOI = -20,
  JPEG_BAD_MARKER = -21,
  JPEG_UNSUPPORTED_PROCESS = -22,
  JPEG_NO_FRAME = -23,
  JPEG_NO_SCAN = -24,
  JPEG_BAD_TABLE = -25,
  JPEG_MISSING_TABLE = -26,
  JPEG_BAD_CODE = -27,
  JPEG_FRAME_MISMATCH = -28,
  JPEG_BAD_RESTART = -29,
  JPEG_UNSUPPORTED = -30,
  JPEG_BAD_SCAN = -31,
  // JPEG 2000 (ISO/IEC 15444-1), -40..-49.
  J2K_BAD_BLOCK = -40,
  J2K_BAD_REGION = -41,
}

/** Fields of the JPEG frame header that jpegFrameField reads (i32 index into the scratch region). */
export enum JpegField {
  /** SOFn marker code, 0 before the frame header. */
  Sof = 0,
  /** P, sample precision in bits. */
  Precision = 1,
  Rows = 2,
  Columns = 3,
  Components = 4,
  /** Output colour: 0 = samples as coded, 1 = YCbCr converted to RGB. */
  Color = 11,
}

/** Option bits of jpegDecode and jpegIsYCbCr. */
export enum JpegOption {
  /** Convert YCbCr colour to RGB (otherwise deliver as coded). */
  ConvertToRgb = 1,
  /** A stream that does not say is RGB (the dataset says RGB). */
  UnmarkedIsRgb = 2,
}
