/**
 * The browser build: dist/browser/, ES modules with no bare imports (dicom-parser, fflate,
 * fast-png and the codecs' emscripten glue bundled in), so bundlers need no configuration and a
 * page or a module worker can load it by URL. pool-worker.js is the decoder pool's worker. Each codec's .wasm is embedded in its own lazily
 * imported chunk (src/wasm/binaries.browser.ts). The .wasm files are also copied to dist/wasm/
 * for apps that serve them themselves (`configure({ wasmBaseUrl })`).
 *
 * Usage: node scripts/build-browser.mjs (after tsc; part of `npm run build`)
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The codecs' .wasm files, as the packages export them. */
const CODEC_WASM = [
  '@cornerstonejs/codec-charls/decodewasm',
  '@cornerstonejs/codec-openjpeg/decodewasm',
  '@cornerstonejs/codec-openjph/wasm',
  '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm',
];
/** jxl-oxide's .wasm (its package exports it for import only: found beside its package.json). */
const JXL_WASM = join(dirname(require.resolve('jxl-oxide-wasm/package.json')), 'jxl_oxide_wasm_bg.wasm');
/**
 * libjxl's JPEG-reconstruction module (JPEG XL JPEG Recompression), vendored: made by
 * scripts/build-libjxl-wasm.sh; src/wasm/jxl-jpeg-binary.browser.ts embeds it in a chunk.
 */
const JXL_JPEG_WASM = join(root, 'vendor', 'libjxl-jpeg', 'jxl-jpeg.wasm');

const browser = {
  name: 'browser',
  setup(build) {
    // A module with a browser twin (`x.browser.ts` beside `x.ts`: the embedded binaries, Web
    // Workers) is replaced by it.
    build.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      const twin = join(args.resolveDir, args.path.replace(/\.js$/, '.browser.ts'));
      return existsSync(twin) ? { path: twin } : undefined;
    });
    // The emscripten glue requires these only on its Node path.
    build.onResolve({ filter: /^(fs|path|node:fs|node:path)$/ }, (args) => ({ path: args.path, namespace: 'empty' }));
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    // jxl-oxide's loader falls back to `new URL('jxl_oxide_wasm_bg.wasm', import.meta.url)`,
    // which src/wasm/jxl.ts never uses (it hands over the bytes), but which webpack would try to
    // resolve as an asset beside our bundle: the fallback is removed.
    build.onLoad({ filter: /jxl_oxide_wasm\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const fallback = "new URL('jxl_oxide_wasm_bg.wasm', import.meta.url)";
      if (!text.includes(fallback)) throw new Error(`${args.path}: jxl-oxide's loader changed; check the wasm fallback`);
      return { contents: text.replace(fallback, 'undefined'), loader: 'js' };
    });
  },
};

const out = join(root, 'dist', 'browser');
rmSync(out, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { index: 'src/index.ts', 'pool-worker': 'src/pool/worker.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  chunkNames: '[name]-[hash]',
  loader: { '.wasm': 'binary' },
  // The emscripten glue reads these only when defined (its Node path); with no reference left,
  // no bundler substitutes its own (webpack's mock made a worker's glue throw).
  define: { __filename: 'undefined', __dirname: 'undefined' },
  plugins: [browser],
  sourcemap: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

mkdirSync(join(root, 'dist', 'wasm'), { recursive: true });
for (const specifier of CODEC_WASM) {
  const file = require.resolve(specifier);
  copyFileSync(file, join(root, 'dist', 'wasm', basename(file)));
}
copyFileSync(JXL_WASM, join(root, 'dist', 'wasm', basename(JXL_WASM)));
copyFileSync(JXL_JPEG_WASM, join(root, 'dist', 'wasm', basename(JXL_JPEG_WASM)));

const bytes = Object.entries(result.metafile.outputs)
  .filter(([name]) => name.endsWith('.js'))
  .reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`dist/browser: ${Object.keys(result.metafile.outputs).filter((name) => name.endsWith('.js')).length} modules, ${(bytes / 1024).toFixed(0)} KiB`);
