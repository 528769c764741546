/**
 * The codecs' .wasm binaries embedded in the browser build, one lazily imported chunk each (the
 * bundler's binary loader turns each import into a module exporting the bytes), so no bundler
 * needs to know about .wasm assets and a page or worker fetches only the codecs it uses.
 * Keyed by the file name each emscripten factory asks for.
 */
type Binary = () => Promise<Uint8Array>;
const load = (module: Promise<{ default: Uint8Array }>): Promise<Uint8Array> => module.then((m) => m.default);

export const codecBinaries: Readonly<Record<string, Binary>> = {
  'charlswasm_decode.wasm': () => load(import('@cornerstonejs/codec-charls/decodewasm')),
  'openjpegwasm_decode.wasm': () => load(import('@cornerstonejs/codec-openjpeg/decodewasm')),
  'openjphjs.wasm': () => load(import('@cornerstonejs/codec-openjph/wasm')),
  'libjpegturbowasm_decode.wasm': () => load(import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm')),
};
