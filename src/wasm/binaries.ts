/**
 * The codecs' .wasm binaries, where the build embeds them. In Node nothing is embedded: each
 * emscripten factory reads its .wasm from its own package folder. The browser build
 * (scripts/build-browser.mjs) replaces this module with binaries.browser.ts.
 */
export const codecBinaries: Readonly<Record<string, () => Promise<Uint8Array>>> | undefined = undefined;
