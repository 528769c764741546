/** jxl-oxide's .wasm embedded in the browser build, in a lazily imported chunk of its own. */
export const jxlBinary = (): Promise<Uint8Array> => import('jxl-oxide-wasm/module.wasm').then((m: { default: Uint8Array }) => m.default);
