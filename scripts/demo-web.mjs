/**
 * The viewer demo: bundles web/viewer.js against this repository's browser build (dist/browser/)
 * with esbuild into build/demo-web/, and serves it on 127.0.0.1 with the repository's fixtures
 * at /fixtures/ (and /fixtures/index.json, the list the page's menu shows).
 *
 * Usage: node scripts/demo-web.mjs [--port N]   (after npm run build; --port 0 = any free port)
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import sirv from 'sirv';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'demo-web');
const fixtures = join(root, 'fixtures');
const library = join(root, 'dist', 'browser', 'index.js');
/** Files of web/ copied as they are beside the bundle. */
const STATIC_FILES = ['index.html', 'viewer.css'];

/**
 * Bundle the page into build/demo-web/: viewer.js with 'dicom-pixels' resolved to
 * dist/browser/index.js, and the pool's worker as its own entry so that the library's
 * `new URL('./pool-worker.js', import.meta.url)` finds it beside the bundle.
 *
 * @throws Error when dist/browser/index.js is missing (npm run build has not run).
 */
export async function buildViewer() {
  if (!existsSync(library)) throw new Error('dist/browser/index.js not found: run npm run build first');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: [
      { in: 'web/viewer.js', out: 'viewer' },
      { in: 'dist/browser/pool-worker.js', out: 'pool-worker' },
    ],
    alias: { 'dicom-pixels': library },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    // dist/browser's entries import a helpers-only chunk for its side effects, which the
    // package's "sideEffects": false lets esbuild drop (harmlessly) with a warning per build.
    logOverride: { 'ignored-bare-import': 'silent' },
  });
  for (const file of STATIC_FILES) {
    if (existsSync(join(root, 'web', file))) copyFileSync(join(root, 'web', file), join(out, file));
  }
}

/**
 * Every `*.dcm` in a `dicom/` folder under fixtures/ (not the `bad/` ones), as paths relative to
 * fixtures/ with forward slashes, sorted.
 *
 * @returns e.g. ['codecs/dicom/ct_s16.opj.dcm', ..., 'dicom/ct_s16.evrle.dcm', ...]
 */
export function fixtureIndex() {
  const found = [];
  const walk = (folder, inDicom) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, inDicom || entry.name === 'dicom');
      else if (inDicom && entry.name.endsWith('.dcm')) found.push(relative(fixtures, path).split(sep).join('/'));
    }
  };
  walk(fixtures, false);
  return found.sort();
}

/**
 * Build the page and serve it on 127.0.0.1.
 *
 * @param {{ port?: number }} [options] `port` (default 5173; 0 = any free port).
 * @returns {Promise<{ url: string, close(): Promise<void> }>} The page's URL and a function that
 *   stops the server.
 * @throws Error when dist/ has not been built, or the port is taken.
 */
export async function startDemoServer({ port = 5173 } = {}) {
  await buildViewer();
  const index = JSON.stringify(fixtureIndex());
  // dev: no caching, so a rebuild shows on reload.
  const page = sirv(out, { dev: true });
  const files = sirv(fixtures, { dev: true });
  const notFound = (res) => {
    res.statusCode = 404;
    res.end('not found');
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/fixtures/index.json') {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-store');
      res.end(index);
    } else if (path.startsWith('/fixtures/')) {
      req.url = req.url.slice('/fixtures'.length);
      files(req, res, () => notFound(res));
    } else {
      page(req, res, () => notFound(res));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections (a browser still open) would hold close() otherwise.
        server.closeAllConnections();
      }),
  };
}

/** `--port N` or `--port=N`; undefined when absent. */
function portArgument(argv) {
  const at = argv.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
  if (at < 0) return undefined;
  const text = argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port expects a number from 0 to 65535, got ${text}`);
  return port;
}

const isMain = process.argv[1] !== undefined && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
if (isMain) {
  try {
    const server = await startDemoServer({ port: portArgument(process.argv.slice(2)) });
    console.log(`dicom-pixels viewer: ${server.url}  (Ctrl+C to stop)`);
    process.once('SIGINT', () => server.close().then(() => process.exit(0)));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
