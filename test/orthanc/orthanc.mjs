// A throw-away Orthanc PACS on loopback, for the tests and benchmarks that fetch frames over
// DICOMweb from a real server. Each startOrthanc() gets its own temp folder (configuration, index
// and storage), its own free HTTP port and no DICOM port, and dies with its parent: on stop(), on
// the parent's 'exit', and, when the parent is killed outright (SIGKILL, OOM), through a tiny
// shell watchdog that polls the parent's pid.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';

// Where Debian's orthanc and orthanc-dicomweb packages install them; ORTHANC and ORTHANC_PLUGINS
// point elsewhere.
const DEBIAN_ORTHANC = '/usr/sbin/Orthanc';
const DEBIAN_PLUGINS = '/usr/share/orthanc/plugins';

/** Plugin names startOrthanc() accepts, and their shared-library file names. */
const PLUGIN_FILES = { dicomweb: 'libOrthancDicomWeb.so' };

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 5;
const STDERR_TAIL = 4096;
// Orthanc's message (error 2003) when it cannot bind its HTTP port: the one failure worth a retry
// on another port, since the free-port probe and Orthanc's bind are not atomic.
const PORT_IN_USE = /TCP port of the HTTP server is privileged or already in use/;

/** Orthanc processes still alive, for the 'exit' handler. */
const live = new Set();
let exitHookInstalled = false;

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Orthanc executable: $ORTHANC, else Debian's, else `Orthanc` on PATH; null if none. */
function findOrthanc() {
  if (process.env.ORTHANC) return isExecutable(process.env.ORTHANC) ? process.env.ORTHANC : null;
  if (isExecutable(DEBIAN_ORTHANC)) return DEBIAN_ORTHANC;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'Orthanc'))) return join(dir, 'Orthanc');
  }
  return null;
}

function pluginPath(name) {
  const file = PLUGIN_FILES[name];
  if (!file) throw new Error(`unknown Orthanc plugin '${name}' (known: ${Object.keys(PLUGIN_FILES).join(', ')})`);
  return join(process.env.ORTHANC_PLUGINS || DEBIAN_PLUGINS, file);
}

/**
 * Whether startOrthanc() can run here: an Orthanc executable ($ORTHANC, else /usr/sbin/Orthanc,
 * else `Orthanc` on PATH) and the requested plugins (default: DICOMweb) in $ORTHANC_PLUGINS, else
 * /usr/share/orthanc/plugins. `reason` says what is missing; meant for `describe.skipIf`.
 * @param {{ plugins?: string[] }} [options]
 * @returns {{ ok: boolean, reason?: string }}
 */
export function orthancAvailable({ plugins = ['dicomweb'] } = {}) {
  const orthanc = findOrthanc();
  if (!orthanc) {
    return {
      ok: false,
      reason: process.env.ORTHANC
        ? `ORTHANC=${process.env.ORTHANC} is not an executable`
        : `no Orthanc executable (${DEBIAN_ORTHANC} or on PATH; set ORTHANC=/path)`,
    };
  }
  for (const name of plugins) {
    let path;
    try {
      path = pluginPath(name);
    } catch (error) {
      return { ok: false, reason: error.message };
    }
    if (!existsSync(path)) return { ok: false, reason: `Orthanc plugin '${name}' not found at ${path} (set ORTHANC_PLUGINS=dir)` };
  }
  return { ok: true };
}

/** A TCP port free on loopback right now (the OS picks it; Orthanc binds it a moment later). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function configuration(name, dir, port, plugins) {
  return {
    Name: name,
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'storage'),
    // Orthanc 1.10 has no bind-address option: civetweb listens on 0.0.0.0:HttpPort, and
    // RemoteAccessAllowed=false makes it refuse (403) every client that is not on loopback.
    HttpPort: port,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    // Responses as Orthanc produces them: benchmarks time decoding, not gzip, and tests compare
    // part sizes with Content-Length.
    HttpCompressionEnabled: false,
    // Nothing beyond the REST API and the requested plugins.
    OrthancExplorerEnabled: false,
    WebDavEnabled: false,
    MetricsEnabled: false,
    // Several fixtures are encodings of one image with the same SOP Instance UID: the file
    // uploaded last is the one served (Orthanc's default keeps the first and answers
    // 'AlreadyStored').
    OverwriteInstances: true,
    // The storage is deleted with the temp folder: no need to fsync it or to keep jobs.
    SyncStorageArea: false,
    SaveJobs: false,
    Plugins: plugins.map(pluginPath),
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
  };
}

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL and rmSync. Signals that end Node without an
  // 'exit' event (default SIGINT/SIGTERM, SIGKILL) are the watchdog's job.
  process.on('exit', () => {
    for (const instance of live) instance.killSync();
  });
}

/**
 * A shell that SIGKILLs Orthanc (and removes the temp folder) as soon as this process is gone,
 * polling twice a second. It also ends by itself once Orthanc has exited. Detached into its own
 * process group so that a Ctrl-C meant for the tests does not kill it before it has done its job.
 */
function spawnWatchdog(orthancPid, dir) {
  const script = [
    'while kill -0 "$PARENT_PID" 2>/dev/null && kill -0 "$ORTHANC_PID" 2>/dev/null; do sleep 0.5; done',
    'if ! kill -0 "$PARENT_PID" 2>/dev/null; then',
    '  kill -KILL "$ORTHANC_PID" 2>/dev/null',
    // Orthanc may still hold files in the folder for a moment after SIGKILL.
    '  sleep 0.2; rm -rf -- "$ORTHANC_DIR"',
    'fi',
  ].join('\n');
  const watchdog = spawn('/bin/sh', ['-c', script], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PARENT_PID: String(process.pid), ORTHANC_PID: String(orthancPid), ORTHANC_DIR: dir },
  });
  watchdog.unref();
  return watchdog;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** 'ready' if `GET /system` answers 200 with our instance's name, else the error. */
async function probe(restUrl, name) {
  try {
    const response = await fetch(`${restUrl}system`, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    if (!response.ok) return new Error(`HTTP ${response.status}`);
    // Another server may hold the port if Orthanc failed to bind it: only our name counts.
    return JSON.parse(text).Name === name ? 'ready' : new Error('another server answers on this port');
  } catch (error) {
    return error;
  }
}

/** Polls until Orthanc is ready ('ready') or has exited ('exited'); throws after 30 s. */
async function waitReady(restUrl, name, exited) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const hasExited = exited.then(() => 'exited');
  let lastError;
  while (Date.now() < deadline) {
    const outcome = await Promise.race([hasExited, probe(restUrl, name)]);
    if (outcome === 'ready' || outcome === 'exited') return outcome;
    lastError = outcome;
    await Promise.race([sleep(100), exited]);
  }
  throw new Error(`Orthanc did not answer GET /system within ${READY_TIMEOUT_MS / 1000} s (${lastError?.message})`);
}

async function startOnce(orthanc, dir, plugins, log) {
  const port = await freePort();
  const name = `dicom-pixels-test-${basename(dir)}-${port}`;
  const configPath = join(dir, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(configuration(name, dir, port, plugins), null, 2));

  // Orthanc resolves relative paths against its working directory: run it in the temp folder so
  // that nothing it writes can land elsewhere.
  const child = spawn(orthanc, [configPath], { cwd: dir, detached: false, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const onOutput = (chunk) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    if (log) process.stderr.write(chunk);
  };
  // Always drained, so that a chatty Orthanc never blocks on a full pipe.
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  const watchdog = child.pid === undefined ? null : spawnWatchdog(child.pid, dir);

  const restUrl = `http://${HOST}:${port}/`;
  let state;
  try {
    state = await waitReady(restUrl, name, exited);
  } catch (error) {
    child.kill('SIGKILL');
    watchdog?.kill('SIGKILL');
    throw error;
  }
  if (state === 'exited') {
    watchdog?.kill('SIGKILL');
    const { code, signal, error } = await exited;
    return { failed: true, portInUse: PORT_IN_USE.test(tail), message: error ? error.message : `exit code ${code}${signal ? `, signal ${signal}` : ''}`, tail };
  }
  return { failed: false, child, watchdog, exited, port, restUrl };
}

/**
 * Starts a throw-away Orthanc on 127.0.0.1 (free HTTP port, no DICOM port, no authentication,
 * only loopback clients) with its configuration, index and storage in a fresh temp folder.
 * Waits until `GET /system` answers (up to 30 s); throws with Orthanc's stderr tail if it exits
 * first. Orthanc is SIGKILLed by stop(), by this process's 'exit', or by a watchdog within about
 * a second once this process is gone; stop() also deletes the temp folder.
 * @param {{ plugins?: string[], log?: boolean }} [options] `plugins`: names, default
 *   ['dicomweb'] (DICOMweb at /dicom-web/); `log`: copy Orthanc's output to this stderr.
 * @returns {Promise<import('./orthanc.d.mts').Orthanc>}
 */
export async function startOrthanc({ plugins = ['dicomweb'], log = false } = {}) {
  const available = orthancAvailable({ plugins });
  if (!available.ok) throw new Error(`cannot start Orthanc: ${available.reason}`);
  const orthanc = findOrthanc();
  const dir = await mkdtemp(join(tmpdir(), 'dicom-pixels-orthanc-'));

  let started;
  try {
    for (let attempt = 1; ; attempt++) {
      const result = await startOnce(orthanc, dir, plugins, log);
      if (!result.failed) {
        started = result;
        break;
      }
      if (!result.portInUse || attempt === PORT_ATTEMPTS) {
        throw new Error(`Orthanc exited while starting (${result.message}); its output ended with:\n${result.tail}`);
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const { child, watchdog, exited, port, restUrl } = started;
  const url = `http://${HOST}:${port}`;
  let stopping;
  const instance = {
    killSync() {
      live.delete(instance);
      try {
        child.kill('SIGKILL');
      } catch {}
      try {
        watchdog?.kill('SIGKILL');
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(instance);
  installExitHook();

  async function json(path, init) {
    const response = await fetch(`${restUrl}${path}`, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`Orthanc ${init?.method ?? 'GET'} /${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
    return JSON.parse(text);
  }

  async function upload(bytes) {
    const stored = await json('instances', {
      method: 'POST',
      headers: { 'Content-Type': 'application/dicom' },
      body: bytes,
    });
    // The study and series UIDs live on the parent resources in /instances/{id}; the simplified
    // tags have all three in one request.
    const tags = await json(`instances/${stored.ID}/tags?simplify`);
    return {
      ...stored,
      StudyInstanceUID: tags.StudyInstanceUID,
      SeriesInstanceUID: tags.SeriesInstanceUID,
      SOPInstanceUID: tags.SOPInstanceUID,
    };
  }

  return {
    url,
    restUrl,
    dicomWebUrl: `${url}/dicom-web/`,
    port,
    pid: child.pid,
    upload,
    async uploadFiles(paths) {
      const results = [];
      // One at a time: the order of the answers is the order of the paths, and Orthanc's
      // SQLite index serialises the writes anyway.
      for (const path of paths) results.push(await upload(await readFile(path)));
      return results;
    },
    stop() {
      // SIGKILL rather than SIGTERM: a graceful stop takes Orthanc 1.10 about 2.5 s (its jobs
      // engine winds down), and nothing it would flush outlives the temp folder.
      stopping ??= (async () => {
        live.delete(instance);
        child.kill('SIGKILL');
        await exited;
        watchdog?.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * Runs `fn` with a fresh Orthanc (startOrthanc(options)) and stops it afterwards, whether `fn`
 * returns or throws.
 * @template T
 * @param {(orthanc: import('./orthanc.d.mts').Orthanc) => T | Promise<T>} fn
 * @param {{ plugins?: string[], log?: boolean }} [options]
 * @returns {Promise<T>}
 */
export async function withOrthanc(fn, options) {
  const orthanc = await startOrthanc(options);
  try {
    return await fn(orthanc);
  } finally {
    await orthanc.stop();
  }
}
