/**
 * The worker of `dicom-pixels thumbnail` (run by piscina): DICOM files → PNG files, a few per
 * task so that messages between threads stay a small share of the work. File IO is synchronous:
 * this thread has nothing else to do meanwhile, and it spares a hop through libuv's thread pool
 * per file. The main thread makes the output folders.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DecodeError, thumbnail } from '../index.js';

/** Files to make thumbnails of, with the same size and frame. */
export interface ThumbnailTask {
  files: { input: string; output: string }[];
  size: number;
  frame: number | 'middle';
}

/** What happened to one file: errors come back as data (a worker's thrown error loses its class). */
export type ThumbnailResult =
  | { ok: true; width: number; height: number }
  | { ok: false; code: string; message: string };

/** Read each input, write its thumbnail to its output (whose folder exists); one result per file. */
export default async function makeThumbnails(task: ThumbnailTask): Promise<ThumbnailResult[]> {
  const results: ThumbnailResult[] = [];
  for (const { input, output } of task.files) {
    try {
      const { png, width, height } = await thumbnail(readFileSync(input), { size: task.size, frame: task.frame });
      writeFileSync(output, png);
      results.push({ ok: true, width, height });
    } catch (error) {
      if (error instanceof DecodeError) {
        results.push({ ok: false, code: error.code, message: error.message });
      } else {
        const { code, message } = error as NodeJS.ErrnoException;
        results.push({ ok: false, code: code ?? 'ERROR', message: message ?? String(error) });
      }
    }
  }
  return results;
}
