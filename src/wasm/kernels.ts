/**
 * The dicom-pixels AssemblyScript kernels: instantiated once, lazily; JS lays out an arena
 * in the module's memory for each frame and calls kernels that take and return numbers.
 */
import { DecodeError } from '../errors.js';
import { KERNELS_WASM_BASE64, type KernelExports } from './kernels.generated.js';
import { unavailable } from './codecs.js';

export { SampleKind } from './kernels.generated.js';

const PAGE = 65536;
const MAX_PAGES = 65536;
/** Kernels may read and write up to 16 bytes past a region (SIMD runs); every region gets this slack. */
const SLACK = 16;
const RESULT_BYTES = 64;

/**
 * One instance of the kernel module with a bump arena. `reset()` at the start of each frame;
 * regions stay valid until the next reset. Whoever resets owns the arena until it returns:
 * everything from a reset to the last read of its regions runs synchronously (decoders are
 * two-phase for this: src/decoders/decoder.ts), so no lock is needed. Views must be made after
 * the last `alloc` (growing memory detaches earlier views).
 */
export class Kernels {
  readonly fn: KernelExports;
  private readonly base: number;
  private top: number;
  /** Where kernels write min (f64) and max (f64). */
  readonly result: number;

  constructor(instance: WebAssembly.Instance) {
    this.fn = instance.exports as unknown as KernelExports;
    this.base = align(this.fn.heapBase());
    this.result = this.base;
    this.top = this.base + RESULT_BYTES;
  }

  /** Free every region of the previous frame. */
  reset(): void {
    this.top = this.base + RESULT_BYTES;
  }

  /** The arena's top, for `release`: regions allocated after it can be given back at once. */
  mark(): number {
    return this.top;
  }

  /** Free every region allocated since `mark()` returned `top`. */
  release(top: number): void {
    if (top >= this.base + RESULT_BYTES && top <= this.top) this.top = top;
  }

  /** A 16-byte aligned region of `bytes` bytes (plus slack) in kernel memory. */
  alloc(bytes: number): number {
    const ptr = this.top;
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new DecodeError('OUT_OF_MEMORY', `cannot allocate ${bytes} bytes`);
    const end = align(ptr + bytes + SLACK);
    // Kernels address memory with 32-bit pointers: a region must end below 4 GiB.
    if (end > MAX_PAGES * PAGE) {
      throw new DecodeError('OUT_OF_MEMORY', `a frame needs more than 4 GiB of working memory (${Math.ceil(end / 2 ** 20)} MiB)`);
    }
    const memory = this.fn.memory;
    if (end > memory.buffer.byteLength) {
      const pages = Math.ceil((end - memory.buffer.byteLength) / PAGE);
      if (memory.buffer.byteLength / PAGE + pages > MAX_PAGES) {
        throw new DecodeError('OUT_OF_MEMORY', `a frame needs more than 4 GiB of working memory`);
      }
      try {
        memory.grow(pages);
      } catch (cause) {
        throw new DecodeError('OUT_OF_MEMORY', `could not grow memory by ${pages} pages`, undefined, { cause });
      }
    }
    this.top = end;
    return ptr;
  }

  /** Copy `bytes` into a new region; returns its address. */
  copyIn(bytes: Uint8Array): number {
    const ptr = this.alloc(bytes.length);
    this.bytes(ptr, bytes.length).set(bytes);
    return ptr;
  }

  /** Copy several byte arrays into one contiguous region. */
  copyInAll(parts: readonly Uint8Array[]): { ptr: number; length: number } {
    if (parts.length === 1) return { ptr: this.copyIn(parts[0]!), length: parts[0]!.length };
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    const ptr = this.alloc(length);
    const view = this.bytes(ptr, length);
    let at = 0;
    for (const part of parts) {
      view.set(part, at);
      at += part.length;
    }
    return { ptr, length };
  }

  bytes(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.fn.memory.buffer, ptr, length);
  }

  /** Min and max written by the last kernel that reports a range. */
  range(): { min: number; max: number } {
    const view = new Float64Array(this.fn.memory.buffer, this.result, 2);
    return { min: view[0]!, max: view[1]! };
  }
}

/** Round up to a multiple of 16, in float arithmetic (a bitwise `& ~15` wraps past 2 GiB). */
function align(n: number): number {
  return Math.ceil(n / 16) * 16;
}

let module: Promise<WebAssembly.Module> | undefined;
let current: Kernels | undefined;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The kernels if they are instantiated (a decode's synchronous path takes them from here). */
export function loadedKernels(): Kernels | undefined {
  return current;
}

/** The kernels, instantiated once on first use. */
export async function kernels(): Promise<Kernels> {
  if (current) return current;
  // A failed compile (a Content Security Policy without 'wasm-unsafe-eval') is not kept: the
  // next call tries again.
  module ??= WebAssembly.compile(decodeBase64(KERNELS_WASM_BASE64) as BufferSource).catch((cause: unknown) => {
    module = undefined;
    throw unavailable('the dicom-pixels kernels (embedded in the package)', cause);
  });
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(await module, {});
  } catch (cause) {
    throw cause instanceof DecodeError ? cause : unavailable('the dicom-pixels kernels (embedded in the package)', cause);
  }
  current ??= new Kernels(instance);
  return current;
}

/**
 * The kernels, synchronously: the instance a decode already made, else one compiled and
 * instantiated synchronously now. Node allows that for any module size; a browser's main thread
 * refuses to compile large modules synchronously, so there await a decode (or `kernels()`) first.
 */
export function kernelsSync(): Kernels {
  if (current) return current;
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64) as BufferSource), {});
  } catch (cause) {
    throw unavailable('the dicom-pixels kernels (embedded in the package; compiled synchronously: await a decode first on a browser main thread)', cause);
  }
  current = new Kernels(instance);
  return current;
}

/**
 * Drop the current instance after a trap, so the next decode starts from a fresh module
 * and a clean memory.
 */
export function discardKernels(instance: Kernels): void {
  if (current === instance) current = undefined;
}
