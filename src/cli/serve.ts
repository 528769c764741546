/**
 * `dicom-pixels serve`: the DICOMweb rendered and thumbnail resources (PS3.18 10.4.1.1.3, 10.4.1.3)
 * of a folder of DICOM files or of an upstream DICOMweb service, rendered on a worker pool.
 *
 * node:http, not a framework: five routes, no bodies to parse, and the server must control
 * streaming, timeouts and backpressure itself. Stateless apart from caches (instances are
 * immutable, so a rendered frame cached under its UIDs and parameters never goes stale): run
 * more of them behind any load balancer.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { Piscina } from 'piscina';
import { readInstanceUids } from '../dicom/part10.js';
import type { JsonDataset } from '../dicomweb/json.js';
import { STORED_FRAMES_ACCEPT, UNCOMPRESSED_FRAMES_ACCEPT } from '../dicomweb/media.js';
import { multipartParts } from '../dicomweb/wado.js';
import { DecodeError } from '../errors.js';
import type { VoiLut } from '../types.js';
import type { RenderParams, RenderResult, RenderTask } from './serve-worker.js';

/** Options of {@link startServer} (and the command's flags). */
export interface ServeOptions {
  /** A folder of DICOM files (searched recursively), indexed at start-up. */
  folder?: string | undefined;
  /** Or the base URL of a DICOMweb service (its /studies/... resources). */
  upstream?: string | undefined;
  port?: number | undefined;
  host?: string | undefined;
  workers?: number | undefined;
  /** Tasks waiting for a worker beyond which requests get 503 (default 64 per worker). */
  queue?: number | undefined;
  /** Seconds a request may take, upstream fetches included (default 30). */
  timeout?: number | undefined;
  /** Bytes of rendered images kept (default 64 MiB). */
  cacheBytes?: number | undefined;
  /** false: no render cache and no sharing of identical requests in flight (benchmarks). */
  cache?: boolean | undefined;
  /** Where request logs go (one JSON object per line); default stdout, `null` for none. */
  log?: ((line: string) => void) | null | undefined;
}

/** A running server. */
export interface RunningServer {
  url: string;
  server: Server;
  /** Instances indexed (folder mode). */
  instances: number;
  /** Files skipped because an earlier file (in path order) has their SOP Instance UID. */
  duplicates: number;
  close(): Promise<void>;
}

/** A client error in the DICOMweb style: a status, and the reason in a Warning header and the body. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const STATUS_OF_CODE: Record<string, number> = {
  UNSUPPORTED_TRANSFER_SYNTAX: 415,
  FRAME_OUT_OF_RANGE: 404,
  NOT_DICOM: 422,
  NO_PIXEL_DATA: 422,
  INVALID_PIXEL_INFO: 422,
  TRUNCATED: 422,
  CORRUPT_DATA: 422,
  FRAME_TOO_LARGE: 422,
  INVALID_OPTIONS: 400,
  OUT_OF_MEMORY: 503,
  ENOENT: 404,
};

/** Which image type the Accept header asks for, PNG by default. */
export function negotiate(accept: string | undefined): RenderParams['type'] {
  if (!accept || !accept.trim()) return 'image/png';
  const ranges = accept
    .split(',')
    .map((range, order) => {
      const [type = '', ...parameters] = range.split(';').map((s) => s.trim().toLowerCase());
      const q = Number(parameters.find((p) => p.startsWith('q='))?.slice(2) ?? 1);
      return { type, q: Number.isFinite(q) ? q : 0, order };
    })
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { type } of ranges) {
    if (type === 'image/png' || type === 'image/*' || type === '*/*') return 'image/png';
    if (type === 'image/jpeg') return 'image/jpeg';
  }
  throw new HttpError(406, `cannot render as ${accept}: image/png and image/jpeg are available`);
}

const FUNCTIONS = new Set(['LINEAR', 'LINEAR_EXACT', 'SIGMOID']);

/** The query of a rendered request (PS3.18 8.3.5): window, viewport, quality. */
export function renderQuery(query: URLSearchParams): { window?: VoiLut; viewport?: { width: number; height: number }; quality: number } {
  const out: { window?: VoiLut; viewport?: { width: number; height: number }; quality: number } = { quality: 90 };
  const window = query.get('window');
  if (window !== null) {
    const [center, width, fn = 'linear'] = window.split(',');
    const c = Number(center);
    const w = Number(width);
    if (!center || !width || !Number.isFinite(c) || !Number.isFinite(w) || w <= 0 || !FUNCTIONS.has(fn.toUpperCase())) {
      throw new HttpError(400, `window must be center,width[,linear|linear_exact|sigmoid] with width > 0, got "${window}"`);
    }
    out.window = { windowCenter: c, windowWidth: w, function: fn.toUpperCase() as NonNullable<VoiLut['function']> };
  }
  const viewport = query.get('viewport');
  if (viewport !== null) {
    const [width, height] = viewport.split(',').map(Number);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width! < 1 || height! < 1 || width! > 16384 || height! > 16384) {
      throw new HttpError(400, `viewport must be width,height in pixels (1 to 16384), got "${viewport}"`);
    }
    out.viewport = { width: width!, height: height! };
  }
  const quality = query.get('quality');
  if (quality !== null) {
    const q = Number(quality);
    if (!Number.isInteger(q) || q < 1 || q > 100) throw new HttpError(400, `quality must be an integer from 1 to 100, got "${quality}"`);
    out.quality = q;
  }
  return out;
}

/** A bounded cache: least recently used out first, by total bytes. */
class ByteCache<V extends { body: Uint8Array }> {
  private readonly entries = new Map<string, V>();
  private bytes = 0;
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    if (value.body.length > this.limit / 4) return;
    this.entries.set(key, value);
    this.bytes += value.body.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.limit) break;
      this.entries.delete(oldest);
      this.bytes -= old.body.length;
    }
  }
}

/** Where instances come from: the folder's index, or the upstream service. */
interface Source {
  /** The render task for one frame (0-based, or the middle one) of an instance. */
  task(study: string, series: string, instance: string, frame: number | 'middle', signal: AbortSignal): Promise<Omit<RenderTask, keyof RenderParams> & { frame: number | 'middle' }>;
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath ?? (entry as { path?: string }).path ?? folder, entry.name));
}

/** Index a folder: SOP Instance UID → file, with its study and series. */
async function folderSource(folder: string): Promise<Source & { size: number; duplicates: number }> {
  const index = new Map<string, { path: string; study?: string | undefined; series?: string | undefined }>();
  let duplicates = 0;
  // In path order, the first file of a SOP Instance UID serves it; later copies are counted.
  for (const path of (await listFiles(folder)).sort()) {
    try {
      const uids = readInstanceUids(new Uint8Array(await readFile(path)));
      if (!uids.sopInstanceUID) continue;
      if (index.has(uids.sopInstanceUID)) duplicates++;
      else index.set(uids.sopInstanceUID, { path, study: uids.studyInstanceUID, series: uids.seriesInstanceUID });
    } catch {
      // Not DICOM: not an instance.
    }
  }
  return {
    size: index.size,
    duplicates,
    async task(study, series, instance, frame) {
      const entry = index.get(instance);
      if (!entry || (entry.study !== undefined && entry.study !== study) || (entry.series !== undefined && entry.series !== series)) {
        throw new HttpError(404, `no instance ${instance} in series ${series} of study ${study}`);
      }
      return { source: 'file', path: entry.path, frame };
    },
  };
}

/** Fetch from the upstream service, with the caller's abort signal; its failures as HTTP errors. */
async function upstreamFetch(url: string, accept: string, signal: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: accept }, signal });
  } catch (cause) {
    if (signal.aborted) throw new HttpError(504, `the upstream service did not answer in time: ${url}`);
    throw new HttpError(502, `the upstream service cannot be reached: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (response.status === 404) throw new HttpError(404, `the upstream service has no ${url}`);
  if (!response.ok) throw new HttpError(502, `the upstream service answered ${response.status} ${response.statusText} for ${url}`);
  return response;
}

/** Proxy an upstream DICOMweb service: metadata cached per instance, frames fetched per request. */
function upstreamSource(base: string): Source {
  const root = base.replace(/\/+$/, '');
  const metadata = new Map<string, Promise<JsonDataset[]>>();
  const MAX_METADATA = 1024;
  const metadataOf = (url: string, signal: AbortSignal): Promise<JsonDataset[]> => {
    let entry = metadata.get(url);
    if (!entry) {
      entry = upstreamFetch(url, 'application/dicom+json, application/json', signal).then(async (response) => {
        try {
          const json = (await response.json()) as JsonDataset[];
          if (!Array.isArray(json) || !json[0]) throw new Error('not an array of datasets');
          return json;
        } catch (cause) {
          throw new HttpError(502, `the upstream metadata ${url} is not DICOM JSON (${cause instanceof Error ? cause.message : String(cause)})`);
        }
      });
      entry.catch(() => metadata.delete(url));
      if (metadata.size >= MAX_METADATA) metadata.delete(metadata.keys().next().value!);
      metadata.set(url, entry);
    }
    return entry;
  };
  return {
    async task(study, series, instance, frame, signal) {
      const instanceUrl = `${root}/studies/${encodeURIComponent(study)}/series/${encodeURIComponent(series)}/instances/${encodeURIComponent(instance)}`;
      const metadataUrl = `${instanceUrl}/metadata`;
      const json = await metadataOf(metadataUrl, signal);
      const frames = Math.max(1, Number(String(json[0]!['00280008']?.Value?.[0] ?? 1)) || 1);
      const index = frame === 'middle' ? Math.floor((frames - 1) / 2) : frame;
      if (index >= frames) throw new HttpError(404, `frame ${index + 1} requested, the instance has ${frames}`);
      const framesUrl = `${instanceUrl}/frames/${index + 1}`;
      // The stored syntax as it is; uncompressed where the upstream cannot send that.
      const response = await upstreamFetch(framesUrl, STORED_FRAMES_ACCEPT, signal).catch((error: unknown) => {
        if (error instanceof HttpError && error.status === 502) return upstreamFetch(framesUrl, UNCOMPRESSED_FRAMES_ACCEPT, signal);
        throw error;
      });
      try {
        const type = response.headers.get('content-type') ?? '';
        if (!type.toLowerCase().startsWith('multipart/')) {
          return { source: 'upstream', metadataUrl, metadata: json, frameBytes: new Uint8Array(await response.arrayBuffer()), contentType: type, frame: index };
        }
        for await (const part of multipartParts(response, framesUrl)) {
          return { source: 'upstream', metadataUrl, metadata: json, frameBytes: part.bytes, contentType: part.headers['content-type'] ?? 'application/octet-stream', frame: index };
        }
        throw new DecodeError('TRUNCATED', `${framesUrl}: no frame in the answer`);
      } catch (error) {
        if (signal.aborted) throw new HttpError(504, `the upstream service did not send ${framesUrl} in time`);
        if (error instanceof DecodeError) {
          if (error.code === 'UNSUPPORTED_TRANSFER_SYNTAX') throw new HttpError(415, error.message);
          throw new HttpError(502, `the upstream answer is unusable: ${error.message}`);
        }
        throw error;
      }
    },
  };
}

const ROUTE = /^\/studies\/([^/]+)\/series\/([^/]+)\/instances\/([^/]+)(?:\/frames\/([^/]+))?\/(rendered|thumbnail)$/;
/** Longest side of a thumbnail without a viewport (PS3.18 lets the server choose). */
const THUMBNAIL_SIZE = 256;

/**
 * Start the server. Resolves once it listens (folder mode: after indexing).
 *
 * @throws Error when neither or both of `folder` and `upstream` are given.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  if (!options.folder === !options.upstream) throw new Error('give a folder or --upstream URL, not both');
  const log = options.log === null ? undefined : (options.log ?? ((line: string) => process.stdout.write(`${line}\n`)));
  const workers = options.workers ?? Math.max(1, availableParallelism());
  const timeoutMs = (options.timeout ?? 30) * 1000;
  const source = options.folder ? await folderSource(options.folder) : upstreamSource(options.upstream!);
  const pool = new Piscina<RenderTask, RenderResult>({
    filename: new URL('./serve-worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
  // Renders waiting or running: past the workers and the queue, a request is refused (503) at
  // once rather than left to wait behind work the server cannot finish in time.
  const capacity = workers + (options.queue ?? 64 * workers);
  let outstanding = 0;
  const caching = options.cache !== false;
  const cache = new ByteCache<{ body: Uint8Array; etag: string; type: string; width: number; height: number }>(caching ? (options.cacheBytes ?? 64 * 2 ** 20) : 0);
  const inFlight = new Map<string, Promise<{ body: Uint8Array; etag: string; type: string; width: number; height: number; decodeMs: number }>>();
  const started = Date.now();

  async function handle(req: IncomingMessage, res: ServerResponse, entry: Record<string, unknown>): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not supported`, { Allow: 'GET, HEAD' });
    if (url.pathname === '/healthz') {
      const body = JSON.stringify({ status: 'ok', workers, outstanding, capacity, uptimeSeconds: Math.round((Date.now() - started) / 1000), mode: options.folder ? 'folder' : 'upstream' });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(body);
      return 200;
    }
    const route = ROUTE.exec(url.pathname);
    if (!route) throw new HttpError(404, `no resource ${url.pathname}: this service has /studies/{study}/series/{series}/instances/{instance}[/frames/{frame}]/(rendered|thumbnail) and /healthz`);
    const [, study, series, instance, frameList, kind] = route.map((part) => part && decodeURIComponent(part)) as [string, string, string, string, string | undefined, string];
    let frame: number | 'middle' = kind === 'thumbnail' ? 'middle' : 0;
    if (frameList !== undefined) {
      const number = Number(frameList);
      if (!/^\d+$/.test(frameList) || number < 1) throw new HttpError(400, `frames/${frameList}: one frame number from 1 is rendered per request`);
      frame = number - 1;
    }
    const type = negotiate(req.headers.accept);
    const query = renderQuery(url.searchParams);
    const viewport = query.viewport ?? (kind === 'thumbnail' ? { width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE } : undefined);
    const key = JSON.stringify([study, series, instance, frame, query.window, viewport, type, type === 'image/jpeg' ? query.quality : 0]);
    let result: { body: Uint8Array; etag: string; type: string; width: number; height: number; decodeMs?: number } | undefined = cache.get(key);
    entry.cache = result ? 'hit' : 'miss';
    if (!result) {
      let pending = inFlight.get(key);
      if (!pending) {
        pending = (async () => {
          const signal = AbortSignal.timeout(timeoutMs);
          if (outstanding >= capacity) throw new HttpError(503, `the render queue is full (${capacity - workers} waiting)`, { 'Retry-After': '1' });
          outstanding++;
          let rendered: RenderResult;
          try {
            const task = await source.task(study, series, instance, frame, signal);
            rendered = await pool.run({ ...task, window: query.window, viewport, type, quality: query.quality } as RenderTask, { signal });
          } catch (error) {
            if (signal.aborted && !(error instanceof HttpError)) throw new HttpError(504, `rendering did not finish in ${timeoutMs / 1000} s`);
            throw error;
          } finally {
            outstanding--;
          }
          if (!rendered.ok) throw new HttpError(STATUS_OF_CODE[rendered.code] ?? 500, rendered.message);
          const etag = `"${createHash('sha1').update(rendered.body).digest('base64url').slice(0, 22)}"`;
          const value = { body: rendered.body, etag, type, width: rendered.width, height: rendered.height, decodeMs: rendered.decodeMs };
          cache.set(key, value);
          return value;
        })();
        if (caching) {
          inFlight.set(key, pending);
          pending.finally(() => inFlight.delete(key)).catch(() => {});
        }
      } else entry.cache = 'shared';
      result = await pending;
    }
    const headers: Record<string, string> = {
      'Content-Type': result.type,
      ETag: result.etag,
      'Cache-Control': 'public, max-age=3600',
      'Content-Length': String(result.body.length),
      ...(result.decodeMs !== undefined && { 'Server-Timing': `render;dur=${result.decodeMs.toFixed(1)}` }),
    };
    entry.size = `${result.width}x${result.height}`;
    if (req.headers['if-none-match'] === result.etag) {
      res.writeHead(304, { ETag: result.etag, 'Cache-Control': headers['Cache-Control']! }).end();
      return 304;
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : result.body);
    entry.bytes = result.body.length;
    return 200;
  }

  const server = createServer((req, res) => {
    const start = performance.now();
    const entry: Record<string, unknown> = { time: new Date().toISOString(), method: req.method, path: req.url };
    handle(req, res, entry)
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message = error instanceof Error ? error.message : String(error);
        entry.error = message;
        if (!res.headersSent) {
          // PS3.18 8.6: the status says what went wrong; a Warning header says why.
          res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Warning: `299 dicom-pixels "${message.replace(/["\\\r\n]/g, ' ').slice(0, 300)}"`, ...(error instanceof HttpError ? error.headers : {}) });
          res.end(`${message}\n`);
        } else res.destroy();
        return status;
      })
      .then((status) => {
        entry.status = status;
        entry.ms = Math.round((performance.now() - start) * 10) / 10;
        log?.(JSON.stringify(entry));
      });
  });
  server.requestTimeout = timeoutMs + 5000;
  server.headersTimeout = Math.min(60_000, timeoutMs + 5000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    instances: 'size' in source ? (source as { size: number }).size : 0,
    duplicates: 'duplicates' in source ? (source as { duplicates: number }).duplicates : 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.destroy();
    },
  };
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('expected a whole number');
  return number;
}

/** Register `serve` on the CLI. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve DICOMweb rendered and thumbnail images of a folder, or of an upstream DICOMweb service')
    .argument('[dir]', 'folder of DICOM files (searched recursively)')
    .option('--upstream <url>', 'base URL of a DICOMweb service to proxy (…/dicom-web)')
    .option('--port <n>', 'port (0: any free port)', positiveInteger, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--workers <n>', 'render workers (default: one per core)', positiveInteger)
    .option('--queue <n>', 'tasks waiting beyond which requests get 503 (default: 64 per worker)', positiveInteger)
    .option('--timeout <seconds>', 'longest a request may take', positiveInteger, 30)
    .option('--quiet', 'no request logs')
    .option('--no-cache', 'render every request (no cache of rendered images, no sharing of identical requests)')
    .action(async (dir: string | undefined, flags: { upstream?: string; port: number; host: string; workers?: number; queue?: number; timeout: number; quiet?: boolean; cache: boolean }) => {
      if (!dir === !flags.upstream) throw new InvalidArgumentError('give a folder or --upstream URL (one of them)');
      const running = await startServer({ folder: dir, upstream: flags.upstream, port: flags.port, host: flags.host, workers: flags.workers, queue: flags.queue, timeout: flags.timeout, cache: flags.cache, log: flags.quiet ? null : undefined });
      process.stderr.write(`dicom-pixels serve: ${running.url}/ (${dir ? `${running.instances} instances in ${dir}${running.duplicates ? `, ${running.duplicates} files with a SOP Instance UID seen before skipped` : ''}` : `proxying ${flags.upstream}`})\n`);
      const stop = () => void running.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
