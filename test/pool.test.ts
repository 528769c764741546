// The decoder pool in Node (worker_threads), through the built package: its worker script is
// dist/pool/worker.js, so these tests import dist/ (npm test builds first).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as built from '../dist/index.js';
import type { DecodedFrame, DecoderPool } from '../src/index.js';
import { FIXTURES } from './helpers.js';

const api = built as unknown as typeof import('../src/index.js');
const read = (file: string) => new Uint8Array(readFileSync(new URL(file, FIXTURES)));

/** One file per transfer-syntax family. */
const FILES = [
  'dicom/ct_s16.evrle.dcm',
  'dicom/ct_s16.deflate.dcm',
  'dicom/enh_mf_rescale.rle-dcmtk.dcm',
  'color/dicom/ybr_full.rle-gdcm.dcm',
  'codecs/dicom/ct_s16.dcmcjpls.dcm',
  'codecs/dicom/us_rgb8.opj-ict.dcm',
  'codecs/dicom/ct_s16.openjph-wasm.dcm',
  'jpeg/dicom/ct_s16.lossless-dcmtk-sv1.dcm',
  'jpeg/dicom/rgb8.baseline-dcmtk-422.dcm',
];

function same(a: DecodedFrame, b: DecodedFrame): void {
  expect(a.pixels.constructor).toBe(b.pixels.constructor);
  expect(Buffer.from(a.pixels.buffer, a.pixels.byteOffset, a.pixels.byteLength).equals(Buffer.from(b.pixels.buffer, b.pixels.byteOffset, b.pixels.byteLength))).toBe(true);
  expect({ ...a, pixels: undefined }).toEqual({ ...b, pixels: undefined });
}

const pools: DecoderPool[] = [];
function pool(options?: Parameters<typeof api.createDecoderPool>[0]): DecoderPool {
  const created = api.createDecoderPool(options);
  pools.push(created);
  return created;
}
afterAll(() => Promise.all(pools.map((p) => p.close())));

describe('createDecoderPool (Node worker_threads)', () => {
  it('decodes every family as the library does in-process, two workers at once', async () => {
    const decoders = pool({ size: 2 });
    const frames = await Promise.all(FILES.map((file) => decoders.decodeFile(read(file))));
    for (const [i, file] of FILES.entries()) same(frames[i]!, await api.decodeFile(read(file)));
  });

  it('with transfer the input is handed over; the output arrives transferred', async () => {
    const bytes = read('codecs/dicom/ct_s16.dcmcjpls.dcm');
    const parsed = api.openDicom(bytes);
    const expected = await parsed.decodeFrame(0);
    const copy = new Uint8Array(bytes);
    const frame = await pool({ size: 1 }).decodeFile(copy, { transfer: true });
    same(frame, expected);
    expect(copy.byteLength).toBe(0); // detached: it went to the worker
    const info = { rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 1, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2' } as const;
    const native = new Uint8Array([0xff, 0x0f, 0x05, 0x00]);
    const options = { modalityLut: { rescaleSlope: 2, rescaleIntercept: -1 } };
    same(await pool({ size: 1 }).decodeFrame([native.subarray(0, 2), native.subarray(2)], '1.2.840.10008.1.2.1', info, { ...options, transfer: true }), await api.decodeFrame(new Uint8Array([0xff, 0x0f, 0x05, 0x00]), '1.2.840.10008.1.2.1', info, options));
    expect(native.byteLength).toBe(0);
    // Without transfer, only the view's bytes travel (a copy); the caller's buffer stays whole.
    const file = new Uint8Array(64 * 1024);
    file.set([0xff, 0x0f, 0x05, 0x00], 1000);
    const frame2 = await pool({ size: 1 }).decodeFrame(file.subarray(1000, 1004), '1.2.840.10008.1.2.1', info, options);
    same(frame2, await api.decodeFrame(new Uint8Array([0xff, 0x0f, 0x05, 0x00]), '1.2.840.10008.1.2.1', info, options));
    expect(file.byteLength).toBe(64 * 1024);
  });

  it('decodes straight into an `into` on a SharedArrayBuffer, and fills any other `into`', async () => {
    const bytes = read('dicom/ct_s16.evrle.dcm');
    const expected = await api.decodeFile(bytes);
    const count = expected.pixels.length;
    const Type = expected.pixels.constructor as Int32ArrayConstructor;
    const volume = new Type(new SharedArrayBuffer(count * 2 * Type.BYTES_PER_ELEMENT));
    const slice = volume.subarray(count, count * 2);
    const decoders = pool({ size: 1 });
    const shared = await decoders.decodeFile(bytes, { into: slice });
    expect(shared.pixels).toBe(slice);
    same({ ...shared, pixels: volume.subarray(count) }, expected);
    const plain = new Type(count + 5);
    const filled = await decoders.decodeFile(bytes, { into: plain });
    expect(filled.pixels.buffer).toBe(plain.buffer);
    same(filled, expected);
    await expect(decoders.decodeFile(bytes, { into: new Uint8Array(count) })).rejects.toMatchObject({ name: 'DecodeError', code: 'INVALID_OPTIONS' });
  });

  it('gives each failure as the same DecodeError the library throws', async () => {
    const bad = read('codecs/bad/j2k-truncated.dcm');
    type Failure = InstanceType<typeof api.DecodeError>;
    const failure = (decoded: Promise<unknown>) => decoded.then((): Failure => expect.fail('decoded'), (error: unknown) => error as Failure);
    const local = await failure(api.decodeFile(bad));
    const remote = await failure(pool({ size: 1 }).decodeFile(bad));
    expect(remote).toBeInstanceOf(api.DecodeError);
    expect(local).toBeInstanceOf(api.DecodeError);
    expect({ name: remote.name, code: remote.code, message: remote.message, transferSyntaxUID: remote.transferSyntaxUID, frame: remote.frame, codec: remote.codec }).toEqual({
      name: local.name,
      code: local.code,
      message: local.message,
      transferSyntaxUID: local.transferSyntaxUID,
      frame: local.frame,
      codec: local.codec,
    });
  });

  it('runs the highest priority first, in order within a priority, and drops aborted tasks', async () => {
    const decoders = pool({ size: 1 });
    const bytes = read('dicom/ct_s16.evrle.dcm');
    const order: string[] = [];
    const track = (name: string, promise: Promise<unknown>) => promise.then(() => order.push(name), () => order.push(`${name} rejected`));
    const aborted = new AbortController();
    const tasks = [
      track('first', decoders.decodeFile(bytes)), // running while the rest queue
      track('low 1', decoders.decodeFile(bytes)),
      track('low 2', decoders.decodeFile(bytes)),
      track('aborted', decoders.decodeFile(bytes, { priority: 5, signal: aborted.signal })),
      track('high', decoders.decodeFile(bytes, { priority: 1 })),
    ];
    expect(decoders.queued).toBe(4);
    aborted.abort();
    expect(decoders.queued).toBe(3);
    await Promise.all(tasks);
    expect(order).toEqual(['aborted rejected', 'first', 'high', 'low 1', 'low 2']);
    const signal = AbortSignal.abort();
    await expect(decoders.decodeFile(bytes, { signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('replaces a worker whose memory grew past the limit, and one that died', async () => {
    const bytes = read('codecs/dicom/ct_s16.openjph-wasm.dcm');
    const expected = await api.decodeFile(bytes);
    // Every worker holds more than 1 byte: each task's worker is replaced, and the next still decodes.
    const recycling = pool({ size: 1, maxWorkerMemory: 1 });
    for (let i = 0; i < 3; i++) same(await recycling.decodeFile(bytes), expected);

    const dir = mkdtempSync(join(tmpdir(), 'dicom-pixels-pool-'));
    const crashing = join(dir, 'crash.mjs');
    writeFileSync(crashing, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
    const dying = pool({ size: 1, workerUrl: new URL(`file://${crashing}`) });
    const failed = dying.decodeFile(bytes, { frame: 0 });
    await expect(failed).rejects.toMatchObject({ name: 'DecodeError', code: 'WORKER_FAILED', frame: 0 });
    await expect(failed).rejects.toThrow(/exited with code 3/);
    await expect(dying.decodeFile(bytes)).rejects.toMatchObject({ code: 'WORKER_FAILED' }); // a fresh worker, which dies again
    rmSync(dir, { recursive: true, force: true });
  });

  it('close() rejects what is queued, lets the running task finish, and stops', async () => {
    const decoders = api.createDecoderPool({ size: 1 });
    const bytes = read('dicom/ct_s16.evrle.dcm');
    const running = decoders.decodeFile(bytes);
    const queued = decoders.decodeFile(bytes);
    const closed = decoders.close();
    await expect(queued).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    await expect(running).resolves.toMatchObject({ rows: expect.any(Number) });
    await closed;
    await expect(decoders.decodeFile(bytes)).rejects.toThrow(/the pool is closed/);
  });

  it('refuses a size that is not 1 to 64', () => {
    expect(() => api.createDecoderPool({ size: 0 })).toThrow(/size/);
    expect(() => api.createDecoderPool({ size: 1.5 })).toThrow(/size/);
  });
});
