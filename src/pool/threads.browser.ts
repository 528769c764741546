/**
 * The decoder pool's threads in browsers: module Web Workers running dist/browser/pool-worker.js,
 * found beside the library (`new Worker(new URL(...), { type: 'module' })`, the pattern Vite and
 * webpack emit a worker for) unless the app says where (`workerUrl`).
 */
import type { Thread } from './threads.js';

export type { Thread } from './threads.js';

/** Start a worker running the pool's worker script (`url`, else the one beside this module). */
export function spawnThread(url?: URL): Thread {
  const worker = url === undefined ? new Worker(new URL('./pool-worker.js', import.meta.url), { type: 'module' }) : new Worker(url, { type: 'module' });
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (listener) => worker.addEventListener('message', (event) => listener(event.data)),
    onFailure(listener) {
      const from = url?.href ?? 'pool-worker.js beside dicom-pixels (set workerUrl if the bundler did not emit it)';
      worker.addEventListener('error', (event) => listener(event.message ? `${event.message}` : `the worker script could not be loaded from ${from}`));
      worker.addEventListener('messageerror', () => listener('a message from the worker could not be read'));
    },
    busy: () => {},
    terminate: () => worker.terminate(),
  };
}

/** Inside a worker: the pool's end of the channel. */
export function hostPort(): { post(message: unknown, transfer: ArrayBuffer[]): void; onMessage(listener: (message: unknown) => void): void } {
  const scope = globalThis as unknown as { postMessage(message: unknown, transfer: ArrayBuffer[]): void; addEventListener(type: 'message', listener: (event: MessageEvent) => void): void };
  return { post: (message, transfer) => scope.postMessage(message, transfer), onMessage: (listener) => scope.addEventListener('message', (event) => listener(event.data)) };
}

/** Workers a pool starts by default: one per core. */
export function coreCount(): number {
  return typeof navigator === 'object' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 4;
}
