import { readdirSync, readFileSync, existsSync } from 'node:fs';

export const FIXTURES = new URL('../fixtures/', import.meta.url);

export interface FixtureEntry {
  file: string;
  case: string;
  transferSyntaxUID: string;
  frames: number;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number | null;
  highBit: number | null;
  pixelRepresentation: 0 | 1 | null;
  pixelDataFormat: 'int' | 'float' | 'double';
  photometricInterpretation: string;
  planarConfiguration: 0 | 1 | null;
  stored: string;
  modality: string | null;
  encapsulation: string | null;
  encoder: string;
  /**
   * Largest |decoded - reference| accepted; 0 or missing = exact. Lossy fixtures compare
   * against an independent decoder's output and state their bound here.
   */
  tolerance?: number;
}

export interface BadEntry {
  file: string;
  expectCode: string;
  derivedFrom?: string;
  notes: string;
}

interface Manifest {
  fixtures: FixtureEntry[];
  bad: BadEntry[];
}

/**
 * fixtures/manifest.json plus fixtures/<family>/manifest.json of each codec family, with
 * file paths made relative to fixtures/.
 */
function loadManifests(): Manifest {
  const read = (path: string): Manifest => JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8')) as Manifest;
  const all = read('manifest.json');
  for (const family of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!family.isDirectory() || !existsSync(new URL(`${family.name}/manifest.json`, FIXTURES))) continue;
    const part = read(`${family.name}/manifest.json`);
    const prefix = (file: string) => `${family.name}/${file}`;
    all.fixtures.push(
      ...part.fixtures.map((entry) => ({
        ...entry,
        file: prefix(entry.file),
        stored: prefix(entry.stored),
        modality: entry.modality && prefix(entry.modality),
      })),
    );
    // DICOMweb fuzz findings (.json + .body) are not files to decode: test/dicomweb.test.ts replays them.
    all.bad.push(...(part.bad ?? []).filter((entry) => !entry.file.endsWith('.json')).map((entry) => ({ ...entry, file: prefix(entry.file) })));
  }
  return all;
}

export const manifest = loadManifests();

export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(file, FIXTURES)));
}

export interface Npy {
  dtype: string;
  shape: number[];
  data: ArrayLike<number>;
}

const DTYPES: Record<string, (buffer: ArrayBuffer) => ArrayLike<number>> = {
  '|u1': (b) => new Uint8Array(b),
  '|b1': (b) => new Uint8Array(b),
  '|i1': (b) => new Int8Array(b),
  '<u2': (b) => new Uint16Array(b),
  '<i2': (b) => new Int16Array(b),
  '<u4': (b) => new Uint32Array(b),
  '<i4': (b) => new Int32Array(b),
  '<f4': (b) => new Float32Array(b),
  '<f8': (b) => new Float64Array(b),
};

/** Minimal .npy reader (format 1.x/2.x, little-endian, C order) for the references. */
export function parseNpy(bytes: Uint8Array): Npy {
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const dtype = /'descr':\s*'([^']+)'/.exec(header)![1]!;
  if (/'fortran_order':\s*True/.test(header)) throw new Error('fortran order not supported');
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const make = DTYPES[dtype];
  if (!make) throw new Error(`unsupported dtype ${dtype}`);
  const body = new Uint8Array(bytes.subarray(start + headerLength)).buffer; // a copy, even for a Buffer
  return { dtype, shape, data: make(body) };
}

export function readNpy(file: string): Npy {
  return parseNpy(fixtureBytes(file));
}

/**
 * Index of the first element differing by more than `tolerance`, or -1; `round` maps
 * expected values first (e.g. Math.fround for Float32 output).
 */
export function firstDifference(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  offset = 0,
  round: (v: number) => number = (v) => v,
  tolerance = 0,
): number {
  for (let i = 0; i < actual.length; i++) {
    const e = round(expected[offset + i]!);
    const a = actual[i]!;
    if (!(a === e || Math.abs(a - e) <= tolerance || (Number.isNaN(a) && Number.isNaN(e)))) return i;
  }
  return -1;
}
