/**
 * `dicom-pixels bench PATH...`: decode speed of frame 0 of each file, and of dcmjs-codecs (DCMTK
 * in WASM) side by side when it can be resolved from the working directory. The full,
 * interleaved comparison with every reference decoder is `npm run bench` in the repository.
 */
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvalidArgumentError, type Command } from 'commander';
import { openDicom, supportedTransferSyntaxes, type DicomImage, type PixelArray } from '../index.js';
import { walk } from './files.js';
import { transferSyntax, type DecoderFamily } from '../uids.js';

const ROUNDS = 5;

interface Candidate {
  name: string;
  /** Decode once; resolves when done. */
  decode(): Promise<unknown> | unknown;
}

/** dcmjs-codecs' decoder for a decoder family, by NativeCodecs method name. */
const DCMJS_METHOD: Partial<Record<DecoderFamily, string>> = {
  rle: 'decodeRle',
  jpeg: 'decodeJpeg',
  'jpeg-ls': 'decodeJpegLs',
  'jpeg-2000': 'decodeJpeg2000',
  htj2k: 'decodeHtJpeg2000',
};

interface Dcmjs {
  NativeCodecs: Record<string, (context: unknown) => unknown> & { initializeAsync(options?: object): Promise<void> };
  Context: new (attributes: object) => unknown;
}

/** dcmjs-codecs from the working directory's node_modules, initialised; undefined when absent. */
async function loadDcmjs(): Promise<Dcmjs | undefined> {
  try {
    const dcmjs = createRequire(join(process.cwd(), 'noop.js'))('dcmjs-codecs') as Dcmjs;
    await dcmjs.NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
    return dcmjs;
  } catch {
    return undefined;
  }
}

function dcmjsCandidate(dcmjs: Dcmjs, image: DicomImage): Candidate | undefined {
  const family = transferSyntax(image.transferSyntaxUID)?.decoder;
  const method = family && DCMJS_METHOD[family];
  if (!method) return undefined;
  const data = image.frameData(0);
  const parts = data instanceof Uint8Array ? [data] : data;
  const encodedBuffer = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((at, part) => (encodedBuffer.set(part, at), at + part.length), 0);
  const { info } = image;
  const attributes = {
    width: info.columns,
    height: info.rows,
    bitsAllocated: info.bitsAllocated,
    bitsStored: info.bitsStored,
    samplesPerPixel: info.samplesPerPixel,
    pixelRepresentation: info.pixelRepresentation,
    planarConfiguration: info.planarConfiguration ?? 0,
    photometricInterpretation: info.photometricInterpretation,
    encodedBuffer,
  };
  return { name: 'dcmjs-codecs', decode: () => dcmjs.NativeCodecs[method]!(new dcmjs.Context(attributes)) };
}

/** Median over rounds of the mean time per call, each round at least `seconds / ROUNDS` long. */
async function time(candidate: Candidate, seconds: number): Promise<number> {
  const means: number[] = [];
  const budget = (seconds * 1000) / ROUNDS;
  for (let round = 0; round < ROUNDS; round++) {
    let calls = 0;
    const start = performance.now();
    do {
      await candidate.decode();
      calls++;
    } while (performance.now() - start < budget);
    means.push((performance.now() - start) / calls);
  }
  return means.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

async function files(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) found.push(...((await stat(path)).isDirectory() ? await walk(path) : [path]));
  return found;
}

async function run(paths: string[], options: { seconds: number }): Promise<void> {
  const names = new Map(supportedTransferSyntaxes().map((ts) => [ts.uid, ts.name]));
  const dcmjs = await loadDcmjs();
  const rows: string[][] = [];
  let failures = 0;
  const fail = (file: string, error: unknown) => {
    process.stderr.write(`${file}: ${(error as Error).message}
`);
    failures++;
  };
  for (const file of await files(paths)) {
    let image: DicomImage;
    try {
      image = openDicom(await readFile(file));
    } catch (error) {
      fail(file, error);
      continue;
    }
    const first = performance.now();
    let into: PixelArray;
    try {
      into = (await image.decodeFrame(0)).pixels;
    } catch (error) {
      fail(file, error);
      continue;
    }
    const firstMs = performance.now() - first;
    const megapixels = (image.info.rows * image.info.columns) / 1e6;
    const ours = await time({ name: 'dicom-pixels', decode: () => image.decodeFrame(0, { into }) }, options.seconds);
    const theirs = dcmjs && dcmjsCandidate(dcmjs, image);
    const theirMs = theirs ? await time(theirs, options.seconds).catch(() => undefined) : undefined;
    rows.push([
      file,
      names.get(image.transferSyntaxUID) ?? image.transferSyntaxUID,
      `${image.info.columns}×${image.info.rows}`,
      firstMs.toFixed(2),
      ours.toFixed(3),
      (megapixels / (ours / 1000)).toFixed(1),
      theirMs === undefined ? '–' : theirMs.toFixed(3),
      theirMs === undefined ? '–' : `${(theirMs / ours).toFixed(2)}×`,
    ]);
  }
  const header = ['file', 'transfer syntax', 'size', 'first ms', 'median ms', 'MP/s', 'dcmjs-codecs ms', 'dcmjs ÷ ours'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  process.stdout.write([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n');
  process.stdout.write(
    `frame 0, decoded into one reused array; median of ${ROUNDS} rounds. ` +
      (dcmjs ? 'dcmjs-codecs resolved from the working directory.\n' : 'dcmjs-codecs not found from the working directory: install it there to compare.\n'),
  );
  if (failures > 0) {
    process.stderr.write(`${failures} file${failures === 1 ? '' : 's'} could not be decoded\n`);
    process.exitCode = 1;
  }
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('expected a positive number of seconds');
  return parsed;
}

export function addBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('decode speed table (frame 0 of each file), with dcmjs-codecs side by side when installed')
    .argument('<paths...>', 'DICOM files or folders')
    .option('--seconds <s>', 'time spent on each decoder per file', seconds, 0.5)
    .action(run);
}
