/**
 * libjxl's JPEG-reconstruction .wasm in Node: read from vendor/libjxl-jpeg/ of this package
 * (two folders up from src/wasm/ and from dist/wasm/ alike). The browser build replaces this
 * module with jxl-jpeg-binary.browser.ts (the binary embedded in a lazy chunk).
 */
import { readFile } from 'node:fs/promises';

export async function jxlJpegBinary(): Promise<Uint8Array> {
  return new Uint8Array(await readFile(new URL('../../vendor/libjxl-jpeg/jxl-jpeg.wasm', import.meta.url)));
}
