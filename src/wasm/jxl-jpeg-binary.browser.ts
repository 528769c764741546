/** libjxl's JPEG-reconstruction .wasm embedded in the browser build, in a lazily imported chunk of its own. */
export const jxlJpegBinary = (): Promise<Uint8Array> => import('../../vendor/libjxl-jpeg/jxl-jpeg.wasm').then((m: { default: Uint8Array }) => m.default);
