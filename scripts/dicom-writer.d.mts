// Types of scripts/dicom-writer.mjs, for the tests (TypeScript reads a .mjs module's types from .d.mts).
export type Bytes = Uint8Array | number[];
export declare const EXPLICIT_VR_LITTLE_ENDIAN: string;
export declare function concat(parts: readonly Uint8Array[]): Uint8Array;
export declare function element(group: number, element: number, vr: string, value: Bytes | string | number, options?: { bigEndian?: boolean }): Uint8Array;
export declare function item(bytes: Uint8Array, tagElement?: number): Uint8Array;
export declare function sequence(group: number, element: number, items: Uint8Array[][]): Uint8Array;
export declare function encapsulatedPixelData(fragments: readonly Bytes[], basicOffsets?: readonly number[]): Uint8Array;
export declare function part10(
  transferSyntaxUID: string,
  dataset: Uint8Array | readonly Uint8Array[],
  meta?: { sopClassUID?: string; sopInstanceUID?: string; implementationClassUID?: string; extra?: Uint8Array[] },
): Uint8Array;
