// The test page: run.mjs calls window.runSuite(name, urls) and compares what comes back.
import { configure, createDecoderPool, decodeFile } from 'dicom-pixels';
import { decodeFixture } from './suite.js';

const suites = {
  /** On the page's main thread. */
  async main(urls) {
    const results = [];
    for (const url of urls) results.push(await decodeFixture(decodeFile, url));
    return results;
  },
  /** In a module worker. */
  worker(urls, options) {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      worker.onmessage = ({ data }) => {
        worker.terminate();
        resolve(data);
      };
      worker.onerror = (event) => reject(new Error(`worker failed: ${event.message ?? 'no message'}`));
      const wasmBaseUrl = options.wasmBaseUrl && new URL(options.wasmBaseUrl, location.href).href;
      worker.postMessage({ urls: urls.map((url) => new URL(url, location.href).href), wasmBaseUrl });
    });
  },
  /** Through the decoder pool (two workers), inputs transferred. */
  async pool(urls) {
    const pool = createDecoderPool({ size: 2 });
    try {
      return await Promise.all(urls.map((url) => decodeFixture((bytes) => pool.decodeFile(bytes, { transfer: true }), url)));
    } finally {
      await pool.close();
    }
  },
};

/** Run a suite; `options.wasmBaseUrl` has the codecs' .wasm fetched from there instead. */
window.runSuite = (name, urls, options = {}) => {
  if (options.wasmBaseUrl) configure({ wasmBaseUrl: new URL(options.wasmBaseUrl, location.href) });
  return suites[name](urls, options);
};
window.suitesReady = true;
