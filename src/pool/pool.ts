/**
 * A pool of decoder workers for viewers and servers: the library's decodeFrame / decodeFile run
 * in workers (Web Workers in browsers, worker_threads in Node), the most urgent task first.
 */
import { currentConfiguration } from '../config.js';
import { placeInto } from '../decode.js';
import { DecodeError, fromFields } from '../errors.js';
import type { DecodedFrame, DecodeFileOptions, DecodeOptions, PixelArray, PixelInfo } from '../types.js';
import type { Reply, Request } from './protocol.js';
import { coreCount, spawnThread, type Thread } from './threads.js';

/** Options of {@link createDecoderPool}. */
export interface DecoderPoolOptions {
  /** Workers (default: one per core, at most 8). Each starts on its first task. */
  size?: number | undefined;
  /**
   * The worker script (`dist/browser/pool-worker.js` in browsers, `dist/pool/worker.js` in Node),
   * for bundlers that do not emit `new Worker(new URL('./pool-worker.js', import.meta.url))`
   * themselves (esbuild, Rollup: add `dicom-pixels/pool-worker` as an entry point, or serve the
   * file and give its URL). Default: beside the library.
   */
  workerUrl?: string | URL | undefined;
  /**
   * A worker whose WebAssembly memory (kernels and codec heaps, which never shrink) has grown
   * past this many bytes after a task is replaced by a fresh one (default 1 GiB).
   */
  maxWorkerMemory?: number | undefined;
}

/** What every pool task takes besides the decode's own options. */
export interface PoolTaskOptions {
  /** Abort the task: a queued task is dropped, a running one's result ignored; rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Higher runs first (default 0; the frame on screen before the ones around it); equal priorities run in order. */
  priority?: number | undefined;
  /**
   * Hand the input's ArrayBuffer(s) to the worker instead of copying them (default false). The
   * caller's buffer is detached afterwards: all of it, even when the input is a view of a part.
   * Without it, exactly the input's bytes are copied (one copy, not the whole underlying buffer).
   */
  transfer?: boolean | undefined;
}

/** A pool of decoder workers; see {@link createDecoderPool}. */
export interface DecoderPool {
  /** The number of workers. */
  readonly size: number;
  /** Tasks waiting for a worker. */
  readonly queued: number;
  /**
   * {@link decodeFrame} in a worker. The output's buffer is transferred back, not copied; an
   * `into` on a SharedArrayBuffer is decoded into directly (a shared volume), any other `into` is
   * filled from the worker's result.
   */
  decodeFrame(
    data: Uint8Array | readonly Uint8Array[],
    transferSyntaxUID: string,
    info: PixelInfo,
    options?: DecodeOptions & PoolTaskOptions,
  ): Promise<DecodedFrame>;
  /** {@link decodeFile} in a worker, as {@link DecoderPool.decodeFrame}. */
  decodeFile(bytes: Uint8Array, options?: DecodeFileOptions & PoolTaskOptions): Promise<DecodedFrame>;
  /** Reject queued tasks, let running ones finish, then stop every worker. */
  close(): Promise<void>;
}

/** Largest default pool: more workers than this rarely decode faster and each holds its own memory. */
const MAX_DEFAULT_SIZE = 8;
/** Largest pool a caller may ask for. */
const MAX_SIZE = 64;
/** Default {@link DecoderPoolOptions.maxWorkerMemory}. */
export const DEFAULT_MAX_WORKER_MEMORY = 2 ** 30;

interface Task {
  id: number;
  request: Request;
  transfer: ArrayBuffer[];
  priority: number;
  /** The caller's `into` when it is not shared: filled from the result here. */
  into?: PixelArray | undefined;
  /** The caller's shared `into`, given back as the result's pixels. */
  sharedInto?: PixelArray | undefined;
  signal?: AbortSignal | undefined;
  settled: boolean;
  resolve(frame: DecodedFrame): void;
  reject(error: unknown): void;
  /** DecodeError context of a failure outside the decode (a worker that died). */
  context: { transferSyntaxUID?: string; frame?: number };
}

interface Slot {
  thread?: Thread | undefined;
  task?: Task | undefined;
}

const isShared = (buffer: ArrayBufferLike): boolean => typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer;

/**
 * Start a pool of decoder workers. Workers start on demand and load each codec on first use;
 * a worker that dies is replaced (its task fails with WORKER_FAILED), and one whose memory grew
 * past `maxWorkerMemory` is recycled. Each task is decoded with the `configure` settings in force
 * when it was submitted.
 *
 * @throws {DecodeError} INVALID_OPTIONS for a size that is not an integer from 1 to 64.
 * @example
 * const pool = createDecoderPool();
 * const onScreen = pool.decodeFile(bytes, { frame: 10, priority: 1 });
 * const next = pool.decodeFile(bytes, { frame: 11, signal: controller.signal });
 */
export function createDecoderPool(options: DecoderPoolOptions = {}): DecoderPool {
  const size = options.size ?? Math.max(1, Math.min(coreCount(), MAX_DEFAULT_SIZE));
  if (!Number.isInteger(size) || size < 1 || size > MAX_SIZE) {
    throw new DecodeError('INVALID_OPTIONS', `expected size to be an integer from 1 to ${MAX_SIZE}, got ${String(options.size)}`);
  }
  const maxWorkerMemory = options.maxWorkerMemory ?? DEFAULT_MAX_WORKER_MEMORY;
  if (!(maxWorkerMemory > 0)) throw new DecodeError('INVALID_OPTIONS', `expected maxWorkerMemory to be a positive number, got ${String(options.maxWorkerMemory)}`);
  const workerUrl = options.workerUrl === undefined ? undefined : new URL(String(options.workerUrl), typeof location === 'object' ? location.href : undefined);

  const slots: Slot[] = Array.from({ length: size }, () => ({}));
  const queue: Task[] = [];
  let nextId = 1;
  let closed = false;
  let drained: (() => void) | undefined;

  function settle(task: Task, outcome: { frame: DecodedFrame } | { error: unknown }): void {
    if (task.settled) return;
    task.settled = true;
    if ('error' in outcome) task.reject(outcome.error);
    else task.resolve(outcome.frame);
  }

  function result(task: Task, reply: Reply): { frame: DecodedFrame } | { error: unknown } {
    if (!reply.ok) {
      if ('error' in reply) return { error: fromFields(reply.error) };
      const error = new Error(reply.thrown.message);
      error.name = reply.thrown.name;
      return { error };
    }
    const frame = reply.frame;
    const count = frame.pixels.length;
    if (task.sharedInto) return { frame: { ...frame, pixels: task.sharedInto.length === count ? task.sharedInto : task.sharedInto.subarray(0, count) } };
    if (task.into) {
      try {
        if (task.into.constructor !== frame.pixels.constructor) {
          throw new DecodeError('INVALID_OPTIONS', `expected into to be a ${frame.pixels.constructor.name}, got ${task.into.constructor.name}`, task.context.transferSyntaxUID);
        }
        return { frame: { ...frame, pixels: placeInto(task.into, frame.pixels) } };
      } catch (error) {
        return { error };
      }
    }
    return { frame };
  }

  function spawn(slot: Slot): Thread {
    const thread = spawnThread(workerUrl);
    thread.onMessage((message) => {
      if (slot.thread !== thread) return;
      const reply = message as Reply;
      const task = slot.task;
      slot.task = undefined;
      thread.busy(false);
      if (reply.memory > maxWorkerMemory) retire(slot);
      if (task && task.id === reply.id) settle(task, result(task, reply));
      pump();
    });
    thread.onFailure((reason) => {
      if (slot.thread !== thread) return;
      const task = slot.task;
      retire(slot);
      if (task) settle(task, { error: new DecodeError('WORKER_FAILED', reason, task.context.transferSyntaxUID, { frame: task.context.frame, codec: 'pool' }) });
      pump();
    });
    return thread;
  }

  function retire(slot: Slot): void {
    slot.thread?.terminate();
    slot.thread = undefined;
    slot.task = undefined;
  }

  function pump(): void {
    for (const slot of slots) {
      if (slot.task) continue;
      const task = queue.shift();
      if (!task) break;
      slot.task = task;
      slot.thread ??= spawn(slot);
      slot.thread.busy(true);
      slot.thread.post(task.request, task.transfer);
    }
    if (closed && drained && slots.every((slot) => !slot.task)) drained();
  }

  function submit(request: Request, decodeOptions: DecodeOptions & PoolTaskOptions, inputs: readonly Uint8Array[], context: Task['context']): Promise<DecodedFrame> {
    const { signal, priority = 0 } = decodeOptions;
    if (closed) return Promise.reject(new DecodeError('WORKER_FAILED', 'the pool is closed', context.transferSyntaxUID, { frame: context.frame, codec: 'pool' }));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<DecodedFrame>((resolve, reject) => {
      const into = decodeOptions.into;
      const shared = into !== undefined && isShared(into.buffer);
      // A shared `into` travels to the worker; any other stays here (cloning it would copy it).
      if (into !== undefined && !shared) delete request.options.into;
      const buffers = [...new Set(inputs.map((part) => part.buffer))].filter((buffer): buffer is ArrayBuffer => !isShared(buffer));
      const task: Task = { id: request.id, request, transfer: buffers, priority, into: shared ? undefined : into, sharedInto: shared ? into : undefined, signal, settled: false, resolve, reject, context };
      if (signal) {
        signal.addEventListener(
          'abort',
          () => {
            const at = queue.indexOf(task);
            if (at >= 0) queue.splice(at, 1);
            settle(task, { error: signal.reason });
          },
          { once: true },
        );
      }
      // After the last task of higher or equal priority: the most urgent first, in order within one priority.
      let at = queue.length;
      while (at > 0 && queue[at - 1]!.priority < priority) at--;
      queue.splice(at, 0, task);
      pump();
    });
  }

  /**
   * The input as it travels: with `transfer`, the caller's views and their buffers; else a copy
   * of exactly each view's bytes, transferred (posting a view would clone its whole buffer: all
   * of a file for one frame's subarray). Views on a SharedArrayBuffer are shared as they are.
   */
  function outgoing(parts: readonly Uint8Array[], transfer: boolean | undefined): Uint8Array[] {
    return transfer ? [...parts] : parts.map((part) => (isShared(part.buffer) ? part : part.slice()));
  }

  /** The decode's own options, without the pool's. */
  function decodeOptionsOf<T extends DecodeOptions & PoolTaskOptions>(given: T): Omit<T, keyof PoolTaskOptions> {
    const { signal: _signal, priority: _priority, transfer: _transfer, ...rest } = given;
    return rest;
  }

  return {
    size,
    get queued() {
      return queue.length;
    },
    decodeFrame(data, transferSyntaxUID, info, given = {}) {
      const id = nextId++;
      const parts = outgoing(data instanceof Uint8Array ? [data] : data, given.transfer);
      const sent = data instanceof Uint8Array ? parts[0]! : parts;
      return submit({ id, configuration: currentConfiguration(), kind: 'frame', data: sent, transferSyntaxUID, info, options: decodeOptionsOf(given) }, given, parts, { transferSyntaxUID });
    },
    decodeFile(bytes, given = {}) {
      const id = nextId++;
      const [sent] = outgoing([bytes], given.transfer);
      return submit({ id, configuration: currentConfiguration(), kind: 'file', bytes: sent!, options: decodeOptionsOf(given) }, given, [sent!], { frame: given.frame ?? 0 });
    },
    close() {
      closed = true;
      for (const task of queue.splice(0)) settle(task, { error: new DecodeError('WORKER_FAILED', 'the pool was closed before the task ran', task.context.transferSyntaxUID, { frame: task.context.frame, codec: 'pool' }) });
      return new Promise<void>((resolve) => {
        drained = () => {
          drained = undefined;
          slots.forEach(retire);
          resolve();
        };
        pump();
      });
    },
  };
}
