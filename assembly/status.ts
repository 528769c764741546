// Kernel status codes; 0 is success. Kept in step with src/errors.ts (KERNEL_STATUS).
export const OK: i32 = 0;
export const TRUNCATED: i32 = -1;
export const RLE_BAD_SEGMENT_COUNT: i32 = -2;
export const RLE_BAD_OFFSETS: i32 = -3;
export const RLE_SHORT_SEGMENT: i32 = -4;
export const UNSUPPORTED_LAYOUT: i32 = -5;
// JPEG (ITU-T T.81), -20..-39.
export const JPEG_NO_SOI: i32 = -20;
export const JPEG_BAD_MARKER: i32 = -21;
export const JPEG_UNSUPPORTED_PROCESS: i32 = -22;
export const JPEG_NO_FRAME: i32 = -23;
export const JPEG_NO_SCAN: i32 = -24;
export const JPEG_BAD_TABLE: i32 = -25;
export const JPEG_MISSING_TABLE: i32 = -26;
export const JPEG_BAD_CODE: i32 = -27;
export const JPEG_FRAME_MISMATCH: i32 = -28;
export const JPEG_BAD_RESTART: i32 = -29;
export const JPEG_UNSUPPORTED: i32 = -30;
export const JPEG_BAD_SCAN: i32 = -31;
