/** What the decoder pool and its workers say to each other (structured clone, with transfers). */
import type { DecodeErrorFields } from '../errors.js';
import type { DecodedFrame, DecodeFileOptions, DecodeOptions, PixelInfo } from '../types.js';

/** A task: decode a frame (decodeFrame's arguments) or a file (decodeFile's), with the page's `configure` settings. */
export type Request = { id: number; configuration: { wasmBaseUrl: string | undefined } } & (
  | { kind: 'frame'; data: Uint8Array | readonly Uint8Array[]; transferSyntaxUID: string; info: PixelInfo; options: DecodeOptions }
  | { kind: 'file'; bytes: Uint8Array; options: DecodeFileOptions }
);

/** A task's outcome, with the bytes of WebAssembly memory the worker holds after it. */
export type Reply = { id: number; memory: number } & (
  | { ok: true; frame: DecodedFrame }
  | { ok: false; error: DecodeErrorFields }
  | { ok: false; thrown: { name: string; message: string } }
);
