/**
 * `dicom-pixels thumbnail PATH... --out DIR`: one PNG per DICOM file, made on a worker pool.
 * Folders are walked (dot-files skipped, relative paths kept); a bad file costs one line on
 * stderr and a place in the summary, never the batch; the exit code is 1 when any failed.
 */
import { availableParallelism } from 'node:os';
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { Piscina } from 'piscina';
import type { ThumbnailResult, ThumbnailTask } from './thumbnail-worker.js';
import { walk } from './files.js';

interface ThumbnailCliOptions {
  out: string;
  size: number;
  frame: number | 'middle';
  workers: number;
  progress?: boolean;
}

interface Job {
  input: string;
  output: string;
}

function positiveInteger(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`expected ${name} to be a positive integer`);
    return number;
  };
}

function frameOption(value: string): number | 'middle' {
  if (value === 'middle') return value;
  const index = Number(value);
  if (!Number.isInteger(index) || index < 0) throw new InvalidArgumentError("expected a frame number (0-based) or 'middle'");
  return index;
}

/** `name.dcm` → `name.png`; other names get `.png` appended (DICOM files often have no extension). */
function pngName(file: string): string {
  return file.replace(/\.dcm$/i, '') + '.png';
}

/** Jobs for the given paths; paths that cannot be read become failures straight away. */
async function plan(paths: string[], out: string, failed: (input: string, why: string) => void): Promise<Job[]> {
  const jobs: Job[] = [];
  const taken = new Set<string>();
  const add = (input: string, name: string) => {
    let output = join(out, pngName(name));
    // Two inputs with the same name (from different folders or arguments) keep both outputs.
    for (let n = 2; taken.has(output); n++) output = join(out, pngName(name).replace(/\.png$/, `-${n}.png`));
    taken.add(output);
    jobs.push({ input, output });
  };
  for (const path of paths) {
    let stats;
    try {
      stats = await stat(path);
    } catch (error) {
      failed(path, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      continue;
    }
    if (stats.isDirectory()) {
      for (const file of await walk(path)) add(file, relative(path, file));
    } else {
      add(path, basename(path));
    }
  }
  return jobs;
}

/**
 * Jobs in groups of up to 16, so that thread messages stay a small share of the work, yet at
 * least 8 groups per thread so that the threads finish together.
 */
export function batches<T>(jobs: readonly T[], threads: number): T[][] {
  const size = Math.max(1, Math.min(16, Math.floor(jobs.length / (threads * 8))));
  const groups: T[][] = [];
  for (let at = 0; at < jobs.length; at += size) groups.push(jobs.slice(at, at + size));
  return groups;
}

async function run(paths: string[], options: ThumbnailCliOptions): Promise<void> {
  const started = performance.now();
  const failures: string[] = [];
  const skipped: string[] = [];
  let bar: SingleBar | undefined;
  let bars: MultiBar | undefined;
  const line = (text: string) => (bars ? bars.log(text + '\n') : process.stderr.write(text + '\n'));
  const failed = (input: string, why: string) => {
    failures.push(`${input}: ${why}`);
    line(`dicom-pixels: ${input}: ${why}`);
  };

  const jobs = await plan(paths, options.out, failed);
  for (const folder of new Set(jobs.map((job) => dirname(job.output)))) await mkdir(folder, { recursive: true });
  const showProgress = options.progress !== false && process.stderr.isTTY === true && jobs.length > 1;
  if (showProgress) {
    bars = new MultiBar({ format: ' {bar} {value}/{total} files | {eta_formatted} left', hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
    bar = bars.create(jobs.length, 0);
  }
  const threads = Math.max(1, Math.min(options.workers, jobs.length));
  const pool = new Piscina<ThumbnailTask, ThumbnailResult[]>({
    filename: new URL('./thumbnail-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  let written = 0;
  try {
    await Promise.all(
      batches(jobs, threads).map(async (files) => {
        const results = await pool
          .run({ files, size: options.size, frame: options.frame })
          .catch((error: unknown): ThumbnailResult[] =>
            files.map(() => ({ ok: false, code: 'WORKER', message: error instanceof Error ? error.message : String(error) })),
          );
        results.forEach((result, i) => {
          const { input } = files[i]!;
          if (result.ok) written++;
          else if (result.code === 'NO_PIXEL_DATA') skipped.push(input);
          else failed(input, result.message);
        });
        bar?.increment(files.length);
      }),
    );
  } finally {
    bars?.stop();
    await pool.destroy();
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary = [`dicom-pixels thumbnail: ${written} written to ${options.out}`];
  if (skipped.length > 0) summary.push(`${skipped.length} skipped (no pixel data)`);
  summary.push(`${failures.length} failed`, `${threads} worker${threads === 1 ? '' : 's'}, ${seconds} s`);
  process.stderr.write(summary.join(', ') + '\n');
  if (failures.length > 0) {
    process.stderr.write(`failed:\n${failures.map((failure) => `  ${failure}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

/** Register the `thumbnail` subcommand. */
export function addThumbnailCommand(program: Command): void {
  program
    .command('thumbnail')
    .description('write a PNG thumbnail of each DICOM file (folders are walked) on a worker pool')
    .argument('<paths...>', 'DICOM files and folders')
    .requiredOption('-o, --out <dir>', 'output folder: <name without .dcm>.png, relative paths of folders kept')
    .option('-s, --size <pixels>', 'longest side; smaller images are not enlarged', positiveInteger('size'), 256)
    .option('-f, --frame <n|middle>', 'frame of multi-frame images (0-based)', frameOption, 'middle' as number | 'middle')
    .addOption(new Option('-w, --workers <n>', 'worker threads').argParser(positiveInteger('workers')).default(availableParallelism(), 'the number of cores'))
    .option('--no-progress', 'no progress bar (there is none unless stderr is a terminal)')
    .action(run);
}
