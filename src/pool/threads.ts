/**
 * The decoder pool's threads in Node: worker_threads running dist/pool/worker.js. The browser
 * build replaces this module with threads.browser.ts (module Web Workers).
 */
import { availableParallelism } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';

/** One worker, as the pool drives it. */
export interface Thread {
  post(message: unknown, transfer: ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The worker died or its script failed to load; `reason` says how. */
  onFailure(listener: (reason: string) => void): void;
  /** Whether a task is running: an idle worker does not keep Node's event loop alive. */
  busy(running: boolean): void;
  terminate(): void;
}

/** Start a worker running the pool's worker script (`url`, else the one beside this module). */
export function spawnThread(url?: URL): Thread {
  const worker = new Worker(url ?? new URL('./worker.js', import.meta.url));
  worker.unref();
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (listener) => worker.on('message', listener),
    onFailure(listener) {
      worker.on('error', (error) => listener(`${error.name}: ${error.message}`));
      worker.on('exit', (code) => listener(`the worker exited with code ${code}`));
    },
    busy: (running) => (running ? worker.ref() : worker.unref()),
    terminate: () => void worker.terminate(),
  };
}

/** Inside a worker: the pool's end of the channel. */
export function hostPort(): { post(message: unknown, transfer: ArrayBuffer[]): void; onMessage(listener: (message: unknown) => void): void } {
  const port = parentPort;
  if (!port) throw new Error('dicom-pixels: the pool worker runs only inside a worker thread');
  return { post: (message, transfer) => port.postMessage(message, transfer), onMessage: (listener) => port.on('message', listener) };
}

/** Workers a pool starts by default: one per core. */
export function coreCount(): number {
  return availableParallelism();
}
