// The cornerstone codec packages ship emscripten factories without type declarations. Each
// entry point's default export (module.exports) is a factory: call it with a fresh Module
// object and it resolves to that object, instantiated. Only src/wasm/codecs.ts imports them.

declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (moduleArg?: object) => Promise<unknown>;
  export default factory;
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (moduleArg?: object) => Promise<unknown>;
  export default factory;
}

declare module '@cornerstonejs/codec-openjph/wasmjs' {
  const factory: (moduleArg?: object) => Promise<unknown>;
  export default factory;
}

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (moduleArg?: object) => Promise<unknown>;
  export default factory;
}

// The .wasm files, as the browser build's binary loader gives them (src/wasm/binaries.browser.ts).
declare module '@cornerstonejs/codec-charls/decodewasm' {
  const bytes: Uint8Array;
  export default bytes;
}

declare module '@cornerstonejs/codec-openjpeg/decodewasm' {
  const bytes: Uint8Array;
  export default bytes;
}

declare module '@cornerstonejs/codec-openjph/wasm' {
  const bytes: Uint8Array;
  export default bytes;
}

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm' {
  const bytes: Uint8Array;
  export default bytes;
}

declare module 'jxl-oxide-wasm/module.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}

// A vendored .wasm imported by path (the browser build embeds it with esbuild's binary loader).
declare module '*/jxl-jpeg.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
