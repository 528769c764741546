#!/usr/bin/env node
/** The dicom-pixels command line: argument parsing and file IO over the public API. */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError } from 'commander';
import {
  DecodeError,
  openDicom,
  outputInfoFor,
  supportedTransferSyntaxes,
  type DicomImage,
  type LutData,
  type OutputTypeName,
  type PixelArray,
} from '../index.js';
import { outputTypeNamed } from '../pipeline/output.js';
import { encodeNpy } from './npy.js';
import { addThumbnailCommand } from './thumbnail.js';
import { addBenchCommand } from './bench.js';
import { addServeCommand } from './serve.js';


/** A user-facing failure: printed as one line, no stack. */
class UsageError extends Error {}

function frameIndex(value: string): number {
  const index = Number(value);
  if (!Number.isInteger(index) || index < 0) throw new InvalidArgumentError('expected a frame number (0-based)');
  return index;
}

async function readDicom(path: string): Promise<DicomImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return openDicom(bytes);
}

/** LUT data as a summary: JSON of 65536 entries helps nobody. */
function describeLut(lut: LutData | undefined) {
  return lut && { firstMapped: lut.firstMapped, bitsPerEntry: lut.bitsPerEntry, entries: lut.data.length };
}

async function info(path: string): Promise<void> {
  const image = await readDicom(path);
  const ts = supportedTransferSyntaxes().find((syntax) => syntax.uid === image.transferSyntaxUID);
  const { palette, ...pixelInfo } = image.info;
  const summary = {
    file: path,
    transferSyntaxUID: image.transferSyntaxUID,
    transferSyntaxName: ts?.name ?? null,
    supported: ts !== undefined,
    numberOfFrames: image.numberOfFrames,
    info: {
      ...pixelInfo,
      ...(palette && { palette: { red: describeLut(palette.red), green: describeLut(palette.green), blue: describeLut(palette.blue) } }),
    },
    modalityLut: image.modalityLut ? { ...image.modalityLut, lut: describeLut(image.modalityLut.lut) } : null,
    voiLut: image.voiLut ? { ...image.voiLut, lut: describeLut(image.voiLut.lut) } : null,
    outputType: outputInfoFor(image.info, { modalityLut: image.frameModalityLut(0) ?? false }).outputType,
  };
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}

/** One output type for every frame: per-frame rescale may differ, the .npy has one dtype. */
function commonOutputType(types: OutputTypeName[]): OutputTypeName {
  if (types.every((type) => type === types[0])) return types[0]!;
  if (types.includes('Float64Array')) return 'Float64Array';
  if (types.includes('Float32Array')) return 'Float32Array';
  return types.includes('Uint32Array') ? 'Float64Array' : 'Int32Array';
}

async function decode(path: string, options: { out: string; frame?: number; stored?: boolean }): Promise<void> {
  const image = await readDicom(path);
  const frames = options.frame === undefined ? [...Array(image.numberOfFrames).keys()] : [options.frame];
  const modalityLuts = frames.map((index) => (options.stored ? false : image.frameModalityLut(index)));
  const outputType = commonOutputType(modalityLuts.map((lut) => outputInfoFor(image.info, { modalityLut: lut || false }).outputType));
  // The shape of every frame's output (PALETTE COLOR decodes to RGB).
  const { rows, columns, samplesPerPixel, length: frameLength } = outputInfoFor(image.info, { outputType });
  const all: PixelArray = new (outputTypeNamed(outputType).ctor)(frameLength * frames.length);
  for (const [i, index] of frames.entries()) {
    await image.decodeFrame(index, {
      modalityLut: modalityLuts[i]!,
      outputType,
      into: all.subarray(i * frameLength, (i + 1) * frameLength),
    });
  }
  const shape = [frames.length, rows, columns, ...(samplesPerPixel > 1 ? [samplesPerPixel] : [])];
  await writeFile(options.out, encodeNpy(all, shape));
  process.stderr.write(`${options.out}: ${shape.join('×')} ${outputType}\n`);
}

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command()
  .name('dicom-pixels')
  .description('Decode DICOM pixel data to real-world values')
  .version(version)
  .showHelpAfterError();

program
  .command('info')
  .description('print transfer syntax, frames, pixel attributes and LUTs as JSON')
  .argument('<file>', 'DICOM file')
  .action(info);

program
  .command('decode')
  .description('decode frames (modality LUT applied) to a NumPy .npy file')
  .argument('<file>', 'DICOM file')
  .requiredOption('-o, --out <file.npy>', 'output .npy path')
  .option('-f, --frame <n>', 'only this frame (0-based)', frameIndex)
  .option('--stored', 'stored values, without the modality LUT')
  .action(decode);

addThumbnailCommand(program);
addBenchCommand(program);
addServeCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof DecodeError || error instanceof UsageError) {
    process.stderr.write(`dicom-pixels: ${error.message}\n`);
  } else if (typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) {
    // A file system error (a missing output folder, a file that cannot be read): one line.
    process.stderr.write(`dicom-pixels: ${(error as Error).message}\n`);
  } else {
    process.stderr.write(`dicom-pixels: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exitCode = 1;
});
