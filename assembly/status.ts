// Kernel status codes; 0 is success. Kept in step with src/errors.ts (KERNEL_STATUS).
export const OK: i32 = 0;
export const TRUNCATED: i32 = -1;
export const RLE_BAD_SEGMENT_COUNT: i32 = -2;
export const RLE_BAD_OFFSETS: i32 = -3;
export const RLE_SHORT_SEGMENT: i32 = -4;
export const UNSUPPORTED_LAYOUT: i32 = -5;
