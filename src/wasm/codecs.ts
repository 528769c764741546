/**
 * The cornerstone WebAssembly codecs (emscripten builds of CharLS, OpenJPEG, OpenJPH and
 * libjpeg-turbo): one memoized loader for all four. Each module is instantiated once, lazily, with one decoder
 * object that every decode reuses; nothing is configured inside a decode call. A module that
 * threw is dropped, so the next decode gets a fresh one.
 *
 * Finding the .wasm: where the app serves the files itself (`configure({ wasmBaseUrl })`, not in
 * Node) it is fetched from there; otherwise the browser build hands the factory the binary it
 * embeds (src/wasm/binaries.browser.ts), and in Node each factory reads it from its own package
 * folder (emscripten's default).
 */
import { wasmFileUrl } from '../config.js';
import { DecodeError } from '../errors.js';
import { codecBinaries } from './binaries.js';

/** Frame description every codec decoder reports after a decode. */
export interface CodecFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

/** An object made by embind: its C++ side is freed by delete(). */
export interface EmbindObject {
  /** Frees the C++ object and its buffers. */
  delete(): void;
}

/** CharLS decoder (JpegLSDecoder.hpp of @cornerstonejs/codec-charls). */
export interface JpegLSDecoder extends EmbindObject {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): CodecFrameInfo;
  /** 0: by component (planar), 1: by line, 2: by sample (ISO/IEC 14495-1 ILV). */
  getInterleaveMode(): number;
  getNearLossless(): number;
}

/** OpenJPEG decoder (J2KDecoder.hpp of @cornerstonejs/codec-openjpeg). */
export interface J2KDecoder extends EmbindObject {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  /** Decode at 1/2^level per axis, `layer` 0 meaning all quality layers. */
  decodeSubResolution(level: number, layer: number): void;
  getFrameInfo(): CodecFrameInfo;
}

/** OpenJPH decoder (HTJ2KDecoder.hpp of @cornerstonejs/codec-openjph). */
export interface HTJ2KDecoder extends EmbindObject {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  decodeSubResolution(level: number): void;
  getFrameInfo(): CodecFrameInfo;
}

/** libjpeg-turbo decoder (JPEGDecoder.hpp of @cornerstonejs/codec-libjpeg-turbo-8bit: TurboJPEG to GRAY or RGB). */
export interface LibJpegDecoder extends EmbindObject {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): CodecFrameInfo;
}

/** The parts of an emscripten Module the loader uses. */
export interface EmscriptenModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  getExceptionMessage?(exception: number): string | string[];
  [name: string]: unknown;
}

type Factory = (moduleArg: object) => Promise<unknown>;

/** Messages kept per decode: enough to explain a failure, bounded whatever the codec prints. */
const MAX_MESSAGES = 16;

/** One instantiated codec module and its reused decoder object. */
export class Codec<D extends EmbindObject> {
  /** The decoder object; valid until the codec is discarded. */
  decoder!: D;
  /** Set when the module threw or aborted; a discarded codec is never handed out again. */
  discarded = false;
  private module!: EmscriptenModule;
  private readonly messages: string[] = [];

  constructor(readonly name: string) {}

  private describeException?: (module: EmscriptenModule, exception: number) => string;

  /** Bind the instantiated module (called once by the loader). */
  bind(module: EmscriptenModule, spec: Pick<CodecSpec<D>, 'create' | 'describeException'>): void {
    this.module = module;
    this.decoder = spec.create(module);
    this.describeException = spec.describeException;
  }

  /** What the codec printed: OpenJPEG and OpenJPH report errors this way, not by throwing. */
  print(line: string): void {
    // OpenJPEG prints three [INFO] lines per decode: not worth keeping.
    if (line.startsWith('[INFO]') || line.trim() === '') return;
    if (this.messages.length < MAX_MESSAGES) this.messages.push(line.trim());
  }

  /** Forget messages of the previous decode. */
  clearMessages(): void {
    this.messages.length = 0;
  }

  /** Error lines printed since `clearMessages` (warnings that say the decode failed included). */
  errors(): string[] {
    return this.messages.filter((line) => /error|fail/i.test(line));
  }

  /** Size of the module's heap in bytes (it only grows; tests watch it across decodes). */
  heapBytes(): number {
    return this.module.HEAPU8.buffer.byteLength;
  }

  /** Text of something the codec threw: a C++ exception arrives as a number. */
  describe(error: unknown): string {
    if (typeof error === 'number' && this.describeException) return this.describeException(this.module, error);
    if (typeof error === 'number' && typeof this.module.getExceptionMessage === 'function') {
      try {
        const message = this.module.getExceptionMessage(error);
        return Array.isArray(message) ? message.filter(Boolean).join(': ') : String(message);
      } catch {
        return `C++ exception ${error}`;
      }
    }
    return error instanceof Error ? error.message : String(error);
  }
}

/** Loads one codec module on first use and hands out the same instance until it is discarded. */
export interface CodecLoader<D extends EmbindObject> {
  /** Codec name, for messages. */
  readonly name: string;
  /** The codec, instantiated on first call. */
  get(): Promise<Codec<D>>;
  /** The codec if it is instantiated (and not discarded), for synchronous decodes. */
  loaded(): Codec<D> | undefined;
  /** Drop a codec that threw or aborted: the next `get` instantiates a fresh module. */
  discard(codec: Codec<D>): void;
}

/** How to load one cornerstone codec module and make its decoder object. */
export interface CodecSpec<D extends EmbindObject> {
  /** Codec name, for messages. */
  name: string;
  /** The npm package that ships it, for messages. */
  package: string;
  /** Import the factory (a literal specifier, so bundlers see it). */
  load(): Promise<{ default: Factory }>;
  /** The .wasm file the factory asks for (as shipped in dist/wasm/). */
  wasm: string;
  /** Make the decoder object that every decode reuses. */
  create(module: EmscriptenModule): D;
  /** Text of a thrown C++ exception, when the build has no getExceptionMessage. */
  describeException?(module: EmscriptenModule, exception: number): string;
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/**
 * A codec module whose heap has grown past this, and past 8 times what the frame just decoded
 * needed, is replaced after the decode: emscripten heaps only grow, so one codestream claiming a
 * vast image (hostile or not) would keep that memory for as long as the process lives, while a
 * series of large frames keeps its module. The next decode instantiates a fresh one (tens of ms).
 */
export const MAX_CODEC_HEAP_BYTES = 256 * 2 ** 20;

const loaders: CodecLoader<EmbindObject>[] = [];

/**
 * After a decode (its output already copied out) of a frame of `frameBytes` stored bytes:
 * replace every codec whose heap grew too large for frames like it.
 */
export function recycleCodecs(frameBytes: number): void {
  const limit = Math.max(MAX_CODEC_HEAP_BYTES, 8 * frameBytes);
  for (const loader of loaders) {
    const codec = loader.loaded();
    if (codec && codec.heapBytes() > limit) loader.discard(codec);
  }
}

/** Bytes held by the heaps of the codec modules loaded now. */
export function codecHeapBytes(): number {
  return loaders.reduce((sum, loader) => sum + (loader.loaded()?.heapBytes() ?? 0), 0);
}

/** A memoized, lazily instantiated codec module: the one loader every codec in src/wasm uses. */
export function codecLoader<D extends EmbindObject>(spec: CodecSpec<D>): CodecLoader<D> {
  let current: Promise<Codec<D>> | undefined;
  let active: Codec<D> | undefined;

  async function instantiate(): Promise<Codec<D>> {
    const codec = new Codec<D>(spec.name);
    const url = isNode ? undefined : wasmFileUrl(spec.wasm);
    const binary = url === undefined ? codecBinaries?.[spec.wasm] : undefined;
    try {
      const { default: factory } = await spec.load();
      // A fresh Module object each time: emscripten writes its exports onto the argument.
      const moduleArg: Record<string, unknown> = {
        print: (line: string) => codec.print(line),
        printErr: (line: string) => codec.print(line),
      };
      if (url !== undefined) moduleArg.locateFile = (file: string) => (file.endsWith('.wasm') ? url : file);
      if (binary) moduleArg.wasmBinary = await binary();
      const module = (await factory(moduleArg)) as EmscriptenModule;
      codec.bind(module, spec);
      active = codec;
    } catch (cause) {
      const where = url !== undefined ? `from ${url}` : binary ? 'embedded in dicom-pixels' : `from the ${spec.package} package`;
      throw unavailable(`the ${spec.name} codec (${spec.wasm}) ${where}`, cause, spec.name);
    }
    return codec;
  }

  const loader: CodecLoader<D> = {
    name: spec.name,
    get() {
      current ??= instantiate().catch((error: unknown) => {
        current = undefined;
        throw error;
      });
      return current;
    },
    loaded: () => active,
    discard(codec) {
      if (codec.discarded) return;
      codec.discarded = true;
      if (active === codec) {
        active = undefined;
        current = undefined;
      }
      try {
        codec.decoder.delete();
      } catch {
        // An aborted module cannot free anything; it is dropped whole.
      }
    },
  };
  loaders.push(loader as unknown as CodecLoader<EmbindObject>);
  return loader;
}

/** CharLS (JPEG-LS, ISO/IEC 14495-1). */
export const charls: CodecLoader<JpegLSDecoder> = codecLoader({
  name: 'CharLS',
  package: '@cornerstonejs/codec-charls',
  load: () => import('@cornerstonejs/codec-charls/decodewasmjs'),
  wasm: 'charlswasm_decode.wasm',
  create: (module) => new (module.JpegLSDecoder as new () => JpegLSDecoder)(),
});

/** OpenJPEG (JPEG 2000 Part 1, and HTJ2K since OpenJPEG 2.5). */
export const openjpeg: CodecLoader<J2KDecoder> = codecLoader({
  name: 'OpenJPEG',
  package: '@cornerstonejs/codec-openjpeg',
  load: () => import('@cornerstonejs/codec-openjpeg/decodewasmjs'),
  wasm: 'openjpegwasm_decode.wasm',
  create: (module) => new (module.J2KDecoder as new () => J2KDecoder)(),
});

/** OpenJPH (HTJ2K, ISO/IEC 15444-15). */
export const openjph: CodecLoader<HTJ2KDecoder> = codecLoader({
  name: 'OpenJPH',
  package: '@cornerstonejs/codec-openjph',
  load: () => import('@cornerstonejs/codec-openjph/wasmjs'),
  wasm: 'openjphjs.wasm',
  create: (module) => new (module.HTJ2KDecoder as new () => HTJ2KDecoder)(),
});

/** libjpeg-turbo, 8-bit (JPEG Baseline; Extended and progressive at 8 bits). */
export const libjpeg: CodecLoader<LibJpegDecoder> = codecLoader({
  name: 'libjpeg-turbo',
  package: '@cornerstonejs/codec-libjpeg-turbo-8bit',
  load: () => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'),
  wasm: 'libjpegturbowasm_decode.wasm',
  create: (module) => new (module.JPEGDecoder as new () => LibJpegDecoder)(),
  // Its C++ code does `throw("...")`: the exception object holds the address of the message.
  describeException(module, exception) {
    try {
      const heap = module.HEAPU8;
      let at = module.HEAPU32[exception >>> 2]!;
      let text = '';
      while (at < heap.length && heap[at] !== 0 && text.length < 200) text += String.fromCharCode(heap[at++]!);
      return text.trim() || `C++ exception ${exception}`;
    } catch {
      return `C++ exception ${exception}`;
    }
  },
});

/**
 * A WebAssembly module that failed to load (missing file, offline, or a Content Security Policy
 * without 'wasm-unsafe-eval'): CODEC_UNAVAILABLE, saying what failed from where and why. Nothing
 * failed is cached, so the next decode tries again.
 */
export function unavailable(what: string, cause: unknown, codec?: string): DecodeError {
  const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  const csp = /CompileError|unsafe-eval|Content Security Policy/i.test(detail)
    ? "; a Content Security Policy must allow WebAssembly ('wasm-unsafe-eval' in script-src)"
    : '';
  return new DecodeError('CODEC_UNAVAILABLE', `${what} could not be loaded (${detail})${csp}`, undefined, { cause, ...(codec && { codec }) });
}

/** A codec a synchronous decode needs is not loaded: `load` it and decode again. */
export class CodecNotReady extends Error {
  override readonly name = 'CodecNotReady';
  constructor(readonly codec: string, readonly load: () => Promise<unknown>) {
    super(`${codec} is not loaded`);
  }
}

/** The loaded codec, or CodecNotReady (a synchronous decode's first step). */
export function ready<D extends EmbindObject>(loader: CodecLoader<D>): Codec<D> {
  const codec = loader.loaded();
  if (!codec) throw new CodecNotReady(loader.name, () => loader.get());
  return codec;
}

/** What a decoder's `prepare` returns for a codec: nothing once it is loaded. */
export function preload<D extends EmbindObject>(loader: CodecLoader<D>): Promise<unknown> | undefined {
  return loader.loaded() ? undefined : loader.get();
}

/**
 * Copy a frame's fragments, from byte `skip` of the first, into the codec's encoded buffer
 * (one copy: fragments are joined in place). Returns the codec-side bytes.
 */
export function writeEncoded(getEncodedBuffer: (length: number) => Uint8Array, fragments: readonly Uint8Array[], skip = 0): Uint8Array {
  const length = fragments.reduce((sum, part) => sum + part.length, 0) - skip;
  const target = getEncodedBuffer(length);
  let at = 0;
  fragments.forEach((part, index) => {
    const bytes = index === 0 && skip > 0 ? part.subarray(skip) : part;
    target.set(bytes, at);
    at += bytes.length;
  });
  return target;
}

/**
 * Whether a frame ends with FFD9 (JPEG-LS EOI, JPEG 2000 EOC), allowing for the padding a
 * writer adds to reach an even length (PS3.5 A.4). Used only to tell truncation from corruption
 * once a codec has failed.
 */
export function endsWithFfd9(fragments: readonly Uint8Array[]): boolean {
  const last = fragments[fragments.length - 1]!;
  for (let i = last.length - 2; i >= Math.max(0, last.length - 6); i--) {
    if (last[i] === 0xff && last[i + 1] === 0xd9) return true;
  }
  return false;
}

/** Whether a codec message says the input ended early. */
export function isTruncationMessage(message: string): boolean {
  return /too small|more input|too short|inconsistent with stream length|end of (?:the )?(?:stream|data)|truncat|premature end|insufficient/i.test(message);
}

/**
 * Run one codec call. A throw becomes a DecodeError and the module is discarded: an exception
 * that leaves an emscripten module does not restore its stack, and an abort poisons it. The
 * code is TRUNCATED when the codec says the input ended early or, given the frame's
 * `fragments`, when the codestream lacks its end marker (FFD9); otherwise CORRUPT_DATA.
 */
export function runCodec<D extends EmbindObject, T>(
  loader: CodecLoader<D>,
  codec: Codec<D>,
  transferSyntaxUID: string,
  call: () => T,
  fragments?: readonly Uint8Array[],
): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    const detail = codec.describe(error);
    loader.discard(codec);
    const cut = fragments !== undefined && !endsWithFfd9(fragments);
    const code = isTruncationMessage(detail) || cut ? 'TRUNCATED' : 'CORRUPT_DATA';
    throw new DecodeError(code, `${codec.name}: ${detail}${cut ? ' (no end marker)' : ''}`, transferSyntaxUID, { cause: error, codec: codec.name });
  }
}

/** A decoder that takes the whole codestream in its encoded buffer and decodes it in one call. */
interface WholeStreamDecoder extends EmbindObject {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
}

/**
 * With the loaded codec ({@link ready}), copy the frame's fragments into it, decode, and read
 * what `result` returns, all inside {@link runCodec} (so a cut stream without its end marker is
 * TRUNCATED). `inspect` sees the joined codestream in the codec's buffer before it decodes; a
 * DecodeError it throws leaves the module as it is.
 */
export function decodeFragments<D extends WholeStreamDecoder, T>(
  loader: CodecLoader<D>,
  fragments: readonly Uint8Array[],
  transferSyntaxUID: string,
  result: (decoder: D) => T,
  inspect?: (encoded: Uint8Array) => void,
): { decoder: D; value: T } {
  const codec = ready(loader);
  const { decoder } = codec;
  const value = runCodec(
    loader,
    codec,
    transferSyntaxUID,
    () => {
      const encoded = writeEncoded((length) => decoder.getEncodedBuffer(length), fragments);
      inspect?.(encoded);
      decoder.decode();
      return result(decoder);
    },
    fragments,
  );
  return { decoder, value };
}
