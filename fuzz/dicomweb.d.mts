// Types of fuzz/dicomweb.mjs used by the tests (TypeScript reads a .mjs module's types from .d.mts).
export interface WebCase {
  metadata: unknown;
  body: Uint8Array;
  contentType: string;
  frameNumbers: number[];
  options?: Record<string, unknown>;
  bulk: Record<string, Uint8Array | null>;
}
export declare const BASE_URL: string;
export declare function readWebCase(url: URL): WebCase;
export declare function framesResponse(input: WebCase): Response;
export declare function bulkFetch(input: WebCase): typeof fetch;
