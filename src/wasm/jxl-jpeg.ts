/**
 * libjxl's decoder, for JPEG XL JPEG Recompression (.111): it rebuilds the original JPEG from a
 * JPEG XL file's JPEG reconstruction data (jbrd box, ISO/IEC 18181-2) byte for byte. A standalone
 * WebAssembly module built from Debian's source packages by scripts/build-libjxl-wasm.sh
 * (vendor/libjxl-jpeg/: the .wasm, its sha256, the C API in jxl_jpeg.cc, the licences), with no
 * emscripten JS glue: it is instantiated here, through the same memoized loader as the other
 * codecs (src/wasm/codecs.ts: lazy, one instance, dropped when it traps or its heap grows too
 * large). Its memory grows on demand up to 2 GiB (the build's MAXIMUM_MEMORY).
 *
 * Finding the .wasm: from `configure({ wasmBaseUrl })` where set (not in Node); otherwise the
 * file beside the package (jxl-jpeg-binary.ts), or in the browser build the copy embedded in a
 * lazy chunk of its own (jxl-jpeg-binary.browser.ts).
 */
import { codecLoader, type CodecLoader, type EmbindObject, type EmscriptenModule } from './codecs.js';
import { jxlJpegBinary } from './jxl-jpeg-binary.js';

/** The .wasm file's name (as shipped in vendor/libjxl-jpeg/ and dist/wasm/). */
export const JXL_JPEG_WASM = 'jxl-jpeg.wasm';

/** The module's memory limit (scripts/build-libjxl-wasm.sh: -sMAXIMUM_MEMORY). */
export const JXL_JPEG_MAX_MEMORY = 2 ** 31;

/** What jxl_jpeg_reconstruct returns (vendor/libjxl-jpeg/jxl_jpeg.cc). */
export enum JxlJpegStatus {
  Ok = 0,
  /** The input ends before the JPEG could be rebuilt. */
  Truncated = 1,
  /** libjxl refused the input. */
  Corrupt = 2,
  /** A valid JPEG XL image without JPEG reconstruction data. */
  NoReconstruction = 3,
  /** The JPEG would exceed the output limit. */
  TooLarge = 4,
  /** An allocation of the C wrapper failed (the module's memory is at its limit). */
  OutOfMemory = 5,
  /** The image is not the size asked for. */
  SizeMismatch = 6,
}

interface Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  free(ptr: number): void;
  jxl_jpeg_reconstruct(ptr: number, length: number, width: number, height: number, maxOut: number): number;
  jxl_jpeg_data(): number;
  jxl_jpeg_size(): number;
  jxl_jpeg_width(): number;
  jxl_jpeg_height(): number;
  jxl_jpeg_release(): void;
}

/** What one reconstruction gives: the status, the image size libjxl read, and the JPEG. */
export interface JxlJpegResult {
  status: JxlJpegStatus;
  width: number;
  height: number;
  /** The rebuilt JPEG (a copy, out of the module's memory), when the status is Ok. */
  jpeg?: Uint8Array;
}

/** The reused decoder object of the libjxl module. */
export interface JxlJpegDecoder extends EmbindObject {
  /**
   * Rebuild the JPEG of a JPEG XL file given as fragments (joined in the module's memory); the
   * image must be `width`×`height`, the JPEG at most `maxOut` bytes. A trap escapes as the
   * WebAssembly error: the caller discards the module.
   */
  reconstruct(fragments: readonly Uint8Array[], width: number, height: number, maxOut: number): JxlJpegResult;
  /** Whether the module's memory is at (or within 16 MiB of) its limit: how a trap is told from corrupt data. */
  memoryExhausted(): boolean;
}

type ModuleArg = { wasmBinary?: BufferSource; locateFile?: (file: string) => string; printErr?: (line: string) => void };

/** The module as the codec loader sees it: an EmscriptenModule-shaped object over our exports. */
class JxlJpegModule implements EmscriptenModule {
  [name: string]: unknown;
  constructor(readonly exports: Exports) {}
  get HEAPU8(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer);
  }
  get HEAPU32(): Uint32Array {
    return new Uint32Array(this.exports.memory.buffer);
  }
}

/** WASI calls the C library may make; a module that exits is stopped by a throw. */
function wasiImports(memory: () => WebAssembly.Memory, printErr: ((line: string) => void) | undefined) {
  const EBADF = 8;
  const ESPIPE = 70;
  let pending = '';
  return {
    fd_write(fd: number, iovs: number, count: number, written: number): number {
      const buffer = memory().buffer;
      const view = new DataView(buffer);
      let total = 0;
      for (let i = 0; i < count; i++) {
        const at = view.getUint32(iovs + 8 * i, true);
        const length = view.getUint32(iovs + 8 * i + 4, true);
        total += length;
        if (fd === 2 && printErr && pending.length < 4096) pending += new TextDecoder().decode(new Uint8Array(buffer, at, Math.min(length, 4096)));
      }
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) printErr?.(line);
      view.setUint32(written, total, true);
      return fd === 1 || fd === 2 ? 0 : EBADF;
    },
    fd_close: () => EBADF,
    fd_seek: () => ESPIPE,
    proc_exit(code: number): never {
      throw new WebAssembly.RuntimeError(`libjxl exited (status ${code})`);
    },
  };
}

/** The "factory" the codec loader calls: instantiate the standalone module, with our imports. */
async function instantiate(moduleArg: ModuleArg): Promise<JxlJpegModule> {
  let binary: BufferSource;
  if (moduleArg.wasmBinary) binary = moduleArg.wasmBinary;
  else if (moduleArg.locateFile) {
    const url = moduleArg.locateFile(JXL_JPEG_WASM);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    binary = await response.arrayBuffer();
  } else binary = (await jxlJpegBinary()) as Uint8Array<ArrayBuffer>;
  let exports: Exports | undefined;
  const memory = () => exports!.memory;
  const { instance } = await WebAssembly.instantiate(binary, {
    env: { emscripten_notify_memory_growth: () => {} },
    wasi_snapshot_preview1: wasiImports(memory, moduleArg.printErr),
  });
  exports = instance.exports as unknown as Exports;
  exports._initialize();
  return new JxlJpegModule(exports);
}

function createDecoder(module: EmscriptenModule): JxlJpegDecoder {
  const fn = (module as JxlJpegModule).exports;
  return {
    reconstruct(fragments, width, height, maxOut) {
      const length = fragments.reduce((sum, part) => sum + part.length, 0);
      const input = fn.malloc(Math.max(length, 1)) >>> 0;
      if (input === 0) return { status: JxlJpegStatus.OutOfMemory, width: 0, height: 0 };
      let at = input;
      for (const part of fragments) {
        new Uint8Array(fn.memory.buffer, at, part.length).set(part);
        at += part.length;
      }
      let status: JxlJpegStatus;
      try {
        status = fn.jxl_jpeg_reconstruct(input, length, width, height, maxOut);
      } finally {
        fn.free(input);
      }
      const result: JxlJpegResult = { status, width: fn.jxl_jpeg_width(), height: fn.jxl_jpeg_height() };
      if (status === JxlJpegStatus.Ok) {
        result.jpeg = new Uint8Array(fn.memory.buffer, fn.jxl_jpeg_data() >>> 0, fn.jxl_jpeg_size() >>> 0).slice();
        fn.jxl_jpeg_release();
      }
      return result;
    },
    memoryExhausted: () => fn.memory.buffer.byteLength > JXL_JPEG_MAX_MEMORY - 16 * 2 ** 20,
    // Nothing outlives a call but the module itself, which the loader drops whole.
    delete() {},
  };
}

/** libjxl's decoder (JPEG reconstruction), loaded on first use. */
export const libjxlJpeg: CodecLoader<JxlJpegDecoder> = codecLoader({
  name: 'libjxl',
  package: 'dicom-pixels',
  load: () => Promise.resolve({ default: instantiate as (moduleArg: object) => Promise<unknown> }),
  wasm: JXL_JPEG_WASM,
  create: createDecoder,
});
