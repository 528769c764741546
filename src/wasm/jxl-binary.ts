/**
 * jxl-oxide's .wasm in Node: read from its package folder (its own loader fetches a file: URL,
 * which Node's fetch refuses). The browser build replaces this module with
 * jxl-binary.browser.ts (the binary embedded in a lazy chunk).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export async function jxlBinary(): Promise<Uint8Array> {
  const packageJson = createRequire(import.meta.url).resolve('jxl-oxide-wasm/package.json');
  return new Uint8Array(await readFile(join(dirname(packageJson), 'jxl_oxide_wasm_bg.wasm')));
}
