// JPEG XL specifics beyond fixtures.test.ts (which decodes every fixtures/jxl file to its
// reference, the JPEG XL JPEG Recompression ones included, and the bad files to their codes):
// the JPEG rebuilt from a jbrd box byte for byte, the vendored libjxl module and its checksum,
// .111 without reconstruction data, the bounds, and the codestream header reader.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFile, decodeFrame, supportedTransferSyntaxes } from '../src/index.js';
import { parseDicom } from '../src/dicom/part10.js';
import { hasJpegReconstruction, MAX_RECONSTRUCTION_PIXELS, readJxlHeader } from '../src/decoders/jpegxl.js';
import { JXL_JPEG_MAX_MEMORY, JxlJpegStatus, libjxlJpeg } from '../src/wasm/jxl-jpeg.js';
import { FIXTURES, firstDifference, fixtureBytes, manifest as fixtures, readNpy } from './helpers.js';

const RECOMPRESSION = '1.2.840.10008.1.2.4.111';
const VENDOR = new URL('../vendor/libjxl-jpeg/', import.meta.url);

interface Recompressed {
  file: string;
  jpeg: { source: string; bytes: number; sha256: string };
}
const manifest = JSON.parse(readFileSync(new URL('jxl/manifest.json', FIXTURES), 'utf8')) as { jpegRecompression: Recompressed[] };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fragment = (file: string): Uint8Array => {
  const data = parseDicom(fixtureBytes(file)).frameData(0);
  return Array.isArray(data) ? data[0]! : (data as Uint8Array);
};
/** A JPEG fragment without the pad byte that makes its length even. */
const jpegOf = (fragment: Uint8Array): Uint8Array => {
  let end = fragment.length;
  while (end > 2 && !(fragment[end - 2] === 0xff && fragment[end - 1] === 0xd9)) end--;
  return fragment.subarray(0, end);
};

describe('JPEG XL JPEG Recompression (.111)', () => {
  it('is supported, named for what decodes it', () => {
    expect(supportedTransferSyntaxes().find((ts) => ts.uid === RECOMPRESSION)).toEqual({
      uid: RECOMPRESSION,
      name: 'JPEG XL JPEG Recompression',
      lossless: false,
      decoder: 'jpeg-xl',
      codec: 'libjxl (JPEG reconstruction) + dicom-pixels JPEG',
    });
    expect(supportedTransferSyntaxes().find((ts) => ts.uid === '1.2.840.10008.1.2.4.112')?.codec).toBe('jxl-oxide');
  });

  it('the manifest lists the recompressed files, all of them fixtures decoded to their references', () => {
    expect(manifest.jpegRecompression.length).toBe(4);
    for (const { file } of manifest.jpegRecompression) {
      expect(fixtures.fixtures.find((entry) => entry.file === `jxl/${file}`)?.transferSyntaxUID).toBe(RECOMPRESSION);
    }
  });

  it.each(manifest.jpegRecompression.map((entry) => [entry.file, entry] as const))('%s: libjxl rebuilds the original JPEG byte for byte', async (file, { jpeg }) => {
    const codec = await libjxlJpeg.get();
    const input = fragment(`jxl/${file}`);
    expect(hasJpegReconstruction(input)).toBe(true);
    const header = readJxlHeader(input, RECOMPRESSION);
    const result = codec.decoder.reconstruct([input], header.width, header.height, 2 ** 24);
    expect(result.status).toBe(JxlJpegStatus.Ok);
    expect(result.jpeg!.length).toBe(jpeg.bytes);
    expect(sha256(result.jpeg!)).toBe(jpeg.sha256);
    // ... and that is the JPEG of the fixture it was made from.
    expect(Buffer.from(result.jpeg!).equals(Buffer.from(jpegOf(fragment(`jxl/${jpeg.source}`))))).toBe(true);
  });

  it.each(manifest.jpegRecompression.map((entry) => [entry.file, entry] as const))(
    '%s: decodes exactly as the original JPEG does, and exactly as djpeg does',
    async (file, { jpeg }) => {
      const entry = fixtures.fixtures.find((fixture) => fixture.file === `jxl/${file}`)!;
      const decoded = await decodeFile(fixtureBytes(entry.file), { modalityLut: false });
      const original = await decodeFile(fixtureBytes(`jxl/${jpeg.source}`), { modalityLut: false });
      expect(decoded.pixels.length).toBe(original.pixels.length);
      expect(firstDifference(decoded.pixels, original.pixels)).toBe(-1);
      expect(decoded.photometricInterpretation).toBe(original.photometricInterpretation);
      // The manifest's tolerance (1) is the bound for any libjpeg-like decoder; ours is exact.
      expect(entry.tolerance).toBe(1);
      expect(firstDifference(decoded.pixels, readNpy(entry.stored).data)).toBe(-1);
    },
  );

  it('a .111 frame without reconstruction data (a bare codestream) is decoded to pixels by jxl-oxide', async () => {
    const entry = fixtures.fixtures.find((fixture) => fixture.file === 'jxl/dicom/mono8.jxl-lossless.dcm')!;
    const parsed = parseDicom(fixtureBytes(entry.file));
    expect(hasJpegReconstruction(fragment(entry.file))).toBe(false);
    const decoded = await decodeFrame(parsed.frameData(0), RECOMPRESSION, parsed.info);
    expect(firstDifference(decoded.pixels, readNpy(entry.stored).data)).toBe(-1);
  });

  it('a container without a jbrd box: libjxl says so, and the pixels are decoded instead', async () => {
    const entry = fixtures.fixtures.find((fixture) => fixture.file === 'jxl/dicom/mono8.jxl-lossless-container.dcm')!;
    const input = fragment(entry.file);
    const codec = await libjxlJpeg.get();
    expect(codec.decoder.reconstruct([input], 63, 37, 2 ** 20).status).toBe(JxlJpegStatus.NoReconstruction);
    const parsed = parseDicom(fixtureBytes(entry.file));
    const decoded = await decodeFrame(parsed.frameData(0), RECOMPRESSION, parsed.info);
    expect(firstDifference(decoded.pixels, readNpy(entry.stored).data)).toBe(-1);
  });

  it('a frame too large for the module is refused before libjxl runs (FRAME_TOO_LARGE)', async () => {
    // 9000×9000 grey: SizeHeader (18181-1 A.4) with both sizes in 18 bits, all_default metadata.
    const bits: number[] = [];
    const put = (value: number, n: number) => {
      for (let i = 0; i < n; i++) bits.push((value >> i) & 1);
    };
    put(0, 1); // div8
    put(2, 2); // height: U32 selector 2, 18 bits + 1
    put(9000 - 1, 18);
    put(0, 3); // ratio 0: width follows
    put(2, 2);
    put(9000 - 1, 18);
    put(1, 1); // ImageMetadata all_default
    const codestream = [0xff, 0x0a, ...Array.from({ length: Math.ceil(bits.length / 8) }, (_, i) => bits.slice(i * 8, i * 8 + 8).reduce((v, b, j) => v | (b << j), 0))];
    const box = (type: string, payload: number[]) => [0, 0, 0, 8 + payload.length, ...[...type].map((c) => c.charCodeAt(0)), ...payload];
    const container = Uint8Array.from([
      ...[0, 0, 0, 12, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a],
      ...box('ftyp', [0x6a, 0x78, 0x6c, 0x20, 0, 0, 0, 0, 0x6a, 0x78, 0x6c, 0x20]),
      ...box('jbrd', [0, 0, 0, 0]),
      ...box('jxlp', [0x80, 0, 0, 0, ...codestream]),
    ]);
    expect(readJxlHeader(container, RECOMPRESSION)).toMatchObject({ width: 9000, height: 9000 });
    expect(9000 * 9000).toBeGreaterThan(MAX_RECONSTRUCTION_PIXELS);
    const info = { rows: 9000, columns: 9000, bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 0, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2' } as const;
    await expect(decodeFrame([container], RECOMPRESSION, info)).rejects.toMatchObject({ name: 'DecodeError', code: 'FRAME_TOO_LARGE', codec: 'libjxl' });
  });

  it('a module that traps is discarded (CORRUPT_DATA, OUT_OF_MEMORY at its memory limit), and the next decode gets a fresh one', async () => {
    const entry = fixtures.fixtures.find((fixture) => fixture.file === 'jxl/dicom/rgb8.jxl-jpeg-recompression-422.dcm')!;
    const bytes = fixtureBytes(entry.file);
    await decodeFile(bytes);
    for (const [exhausted, code] of [[false, 'CORRUPT_DATA'], [true, 'OUT_OF_MEMORY']] as const) {
      const codec = libjxlJpeg.loaded()!;
      codec.decoder.reconstruct = () => {
        throw new WebAssembly.RuntimeError('unreachable');
      };
      codec.decoder.memoryExhausted = () => exhausted;
      await expect(decodeFile(bytes)).rejects.toMatchObject({ name: 'DecodeError', code, codec: 'libjxl', message: expect.stringMatching(/libjxl: unreachable/) });
      expect(codec.discarded).toBe(true);
      expect(libjxlJpeg.loaded()).toBeUndefined();
      const again = await decodeFile(bytes, { modalityLut: false });
      expect(firstDifference(again.pixels, readNpy(entry.stored).data)).toBe(-1);
      expect(libjxlJpeg.loaded()).not.toBe(codec);
    }
  });
});

describe('the vendored libjxl module (vendor/libjxl-jpeg/)', () => {
  const wasm = new Uint8Array(readFileSync(new URL('jxl-jpeg.wasm', VENDOR)));

  it('is the file its sha256 names (scripts/build-libjxl-wasm.sh rebuilds it byte for byte)', () => {
    const [sum, name] = readFileSync(new URL('jxl-jpeg.wasm.sha256', VENDOR), 'utf8').trim().split(/\s+/);
    expect(name).toBe('jxl-jpeg.wasm');
    expect(sha256(wasm)).toBe(sum);
  });

  it('imports only what the loader provides, exports the C API, and has a bounded memory', async () => {
    const module = await WebAssembly.compile(wasm);
    expect(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).sort()).toEqual([
      'env.emscripten_notify_memory_growth',
      'wasi_snapshot_preview1.fd_close',
      'wasi_snapshot_preview1.fd_seek',
      'wasi_snapshot_preview1.fd_write',
      'wasi_snapshot_preview1.proc_exit',
    ]);
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const name of ['memory', 'malloc', 'free', 'jxl_jpeg_reconstruct', 'jxl_jpeg_data', 'jxl_jpeg_size', 'jxl_jpeg_release', '_initialize']) expect(exports).toContain(name);
    const codec = await libjxlJpeg.get();
    const memory = (codec as unknown as { module: { exports: { memory: WebAssembly.Memory } } }).module.exports.memory;
    // The maximum is in the memory type only; growing past it fails.
    expect(() => memory.grow(JXL_JPEG_MAX_MEMORY / 65536)).toThrow(RangeError);
  });
});

describe('JPEG XL header reader', () => {
  it('reads size and depth from a bare codestream and from a container split in jxlp boxes', () => {
    // 64×64, 8 bits: SizeHeader div8 (7 × 8 + 8), ratio 1, ImageMetadata all_default.
    expect(readJxlHeader(Uint8Array.of(0xff, 0x0a, 0x4f, 0x02), '1.2.840.10008.1.2.4.110')).toMatchObject({ width: 64, height: 64, bitsPerSample: 8, floatSample: false });
    const box = (type: string, payload: number[]) => [0, 0, 0, 8 + payload.length, ...[...type].map((c) => c.charCodeAt(0)), ...payload];
    const container = Uint8Array.from([
      ...[0, 0, 0, 12, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a],
      ...box('ftyp', [0x6a, 0x78, 0x6c, 0x20, 0, 0, 0, 0, 0x6a, 0x78, 0x6c, 0x20]),
      ...box('jxlp', [0, 0, 0, 0, 0xff, 0x0a]),
      ...box('jbrd', [1, 2, 3]),
      ...box('jxlp', [0x80, 0, 0, 1, 0x4f, 0x02]),
    ]);
    expect(readJxlHeader(container, '1.2.840.10008.1.2.4.110')).toMatchObject({ width: 64, height: 64, bitsPerSample: 8 });
    expect(hasJpegReconstruction(container)).toBe(true);
    expect(() => readJxlHeader(Uint8Array.of(0xff, 0x0a), '1.2.840.10008.1.2.4.110')).toThrow(/ends inside its headers/);
    expect(() => readJxlHeader(Uint8Array.of(1, 2, 3, 4), '1.2.840.10008.1.2.4.110')).toThrow(/not a JPEG XL codestream/);
  });
});
