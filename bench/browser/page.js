// The browser bench's page: bench/browser.mjs drives it through window.bench.
import { createDecoderPool, decodeFrame } from 'dicom-pixels';

const fetchBytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());

/** Whether the decoded samples are the stored ones (little-endian raw file) byte for byte. */
function equalsRaw(pixels, raw) {
  const got = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  if (got.length !== raw.length) return false;
  for (let i = 0; i < raw.length; i++) if (got[i] !== raw[i]) return false;
  return true;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The longest gap between turns of the main thread's event loop while `work` runs. */
async function longestBlock(work) {
  const channel = new MessageChannel();
  let last = performance.now();
  let longest = 0;
  let running = true;
  channel.port1.onmessage = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) channel.port2.postMessage(0);
  };
  channel.port2.postMessage(0);
  try {
    await work();
  } finally {
    running = false;
  }
  return longest;
}

window.bench = {
  /** The first decode in this page (the kernels and the codec instantiated), in ms. */
  async first({ url, transferSyntaxUID, info, raw }) {
    const [data, stored] = await Promise.all([fetchBytes(url), fetchBytes(raw)]);
    const start = performance.now();
    const frame = await decodeFrame(data, transferSyntaxUID, info);
    const ms = performance.now() - start;
    return { ms, exact: equalsRaw(frame.pixels, stored) };
  },
  /** Median of `runs` decodes on the main thread after a warm-up, in ms. */
  async steady({ url, transferSyntaxUID, info, raw }, runs) {
    const [data, stored] = await Promise.all([fetchBytes(url), fetchBytes(raw)]);
    const exact = equalsRaw((await decodeFrame(data, transferSyntaxUID, info)).pixels, stored);
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await decodeFrame(data, transferSyntaxUID, info);
      samples.push(performance.now() - start);
    }
    return { median: median(samples), exact };
  },
  /**
   * A series of `frames` decodes through a pool of `size` workers (each started and its codec
   * loaded first), every input a fresh copy transferred to the worker: wall time and the main
   * thread's longest blocked stretch meanwhile.
   */
  async pool({ url, transferSyntaxUID, info, raw }, size, frames) {
    const [data, stored] = await Promise.all([fetchBytes(url), fetchBytes(raw)]);
    const pool = createDecoderPool({ size });
    try {
      const warm = await Promise.all(Array.from({ length: size }, () => pool.decodeFrame(data.slice(), transferSyntaxUID, info, { transfer: true })));
      const exact = warm.every((frame) => equalsRaw(frame.pixels, stored));
      // The inputs exist before the clock starts (a viewer transfers what it fetched); the
      // outputs are not kept (a viewer draws or stores each one), so neither is measured.
      const inputs = Array.from({ length: frames }, () => data.slice());
      let ms = 0;
      const blocked = await longestBlock(async () => {
        const start = performance.now();
        let decoded = 0;
        await Promise.all(inputs.map((input) => pool.decodeFrame(input, transferSyntaxUID, info, { transfer: true }).then(() => decoded++)));
        ms = performance.now() - start;
        if (decoded !== frames) throw new Error(`${decoded} of ${frames} frames decoded`);
      });
      return { ms, blocked, exact };
    } finally {
      await pool.close();
    }
  },
};
window.benchReady = true;
