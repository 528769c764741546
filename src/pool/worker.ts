/**
 * A decoder pool worker (worker_threads in Node, a module Web Worker in browsers): decodes each
 * task with the library and posts the frame back, its pixels transferred (or, decoded into a
 * SharedArrayBuffer, shared), with the WebAssembly memory it now holds so the pool can replace a
 * worker that grew too large.
 */
import { configure } from '../config.js';
import { decodeFrame } from '../decode.js';
import { DecodeError, errorFields } from '../errors.js';
import { decodeFile } from '../file.js';
import { codecHeapBytes } from '../wasm/codecs.js';
import { loadedKernels } from '../wasm/kernels.js';
import type { Reply, Request } from './protocol.js';
import { hostPort } from './threads.js';

const port = hostPort();

function memoryBytes(): number {
  return (loadedKernels()?.fn.memory.buffer.byteLength ?? 0) + codecHeapBytes();
}

port.onMessage(async (message) => {
  const request = message as Request;
  let reply: Reply;
  let transfer: ArrayBuffer[] = [];
  try {
    configure(request.configuration);
    const frame =
      request.kind === 'file'
        ? await decodeFile(request.bytes, request.options)
        : await decodeFrame(request.data, request.transferSyntaxUID, request.info, request.options);
    if (frame.pixels.buffer instanceof ArrayBuffer) transfer = [frame.pixels.buffer];
    reply = { id: request.id, memory: memoryBytes(), ok: true, frame };
  } catch (error) {
    reply =
      error instanceof DecodeError
        ? { id: request.id, memory: memoryBytes(), ok: false, error: errorFields(error) }
        : { id: request.id, memory: memoryBytes(), ok: false, thrown: { name: (error as Error)?.name ?? 'Error', message: String((error as Error)?.message ?? error) } };
  }
  port.post(reply, transfer);
});
