// Two-phase decoders in a fresh realm: `prepare` loads a decoder's usual codec; a codec chosen
// only once the codestream is read (OpenJPEG for an HTJ2K-labelled stream without HT code-blocks)
// is found unloaded by the synchronous decode, loaded, and the decode runs again.
import { describe, expect, it, vi } from 'vitest';
import { decodeFrame } from '../src/index.js';
import { parseDicom } from '../src/dicom/part10.js';
import { codecLoader, MAX_CODEC_HEAP_BYTES, openjpeg, openjph, type EmbindObject } from '../src/wasm/codecs.js';
import { firstDifference, fixtureBytes, manifest, readNpy } from './helpers.js';

const HTJ2K_LOSSLESS = '1.2.840.10008.1.2.4.201';

describe('codec loading', () => {
  it('loads the codec a codestream needs when the decode finds it unloaded', async () => {
    expect(openjpeg.loaded()).toBeUndefined();
    const entry = manifest.fixtures.find((fixture) => fixture.file === 'codecs/dicom/ct_s16.opj.dcm')!;
    const parsed = parseDicom(fixtureBytes(entry.file));
    // A Part 1 codestream under an HTJ2K label: OpenJPH cannot decode it, OpenJPEG can.
    const decoded = await decodeFrame(parsed.frameData(0), HTJ2K_LOSSLESS, parsed.info);
    expect(firstDifference(decoded.pixels, readNpy(entry.stored).data)).toBe(-1);
    expect(openjpeg.loaded()).toBeDefined();
    expect(openjph.loaded()).toBeDefined(); // prepare's choice for the family
  });

  it('loads a discarded codec again', async () => {
    const entry = manifest.fixtures.find((fixture) => fixture.file === 'codecs/dicom/ct_s16.opj.dcm')!;
    const parsed = parseDicom(fixtureBytes(entry.file));
    openjpeg.discard(openjpeg.loaded()!);
    expect(openjpeg.loaded()).toBeUndefined();
    const decoded = await decodeFrame(parsed.frameData(0), parsed.transferSyntaxUID, parsed.info);
    expect(firstDifference(decoded.pixels, readNpy(entry.stored).data)).toBe(-1);
  });
});

describe('codec heaps', () => {
  it('a codec whose heap grew past the limit is replaced after the decode, which is still exact', async () => {
    const entry = manifest.fixtures.find((fixture) => fixture.file === 'codecs/dicom/ct_s16.openjph-wasm.dcm')!;
    const parsed = parseDicom(fixtureBytes(entry.file));
    await decodeFrame(parsed.frameData(0), parsed.transferSyntaxUID, parsed.info);
    const grown = openjph.loaded()!;
    // As if a codestream claiming a vast image had grown its heap (emscripten heaps never shrink).
    grown.heapBytes = () => MAX_CODEC_HEAP_BYTES + 1;
    const decoded = await decodeFrame(parsed.frameData(0), parsed.transferSyntaxUID, parsed.info);
    expect(firstDifference(decoded.pixels, readNpy(entry.stored).data)).toBe(-1);
    expect(grown.discarded).toBe(true);
    expect(openjph.loaded()).toBeUndefined();
    const again = await decodeFrame(parsed.frameData(0), parsed.transferSyntaxUID, parsed.info);
    expect(firstDifference(again.pixels, readNpy(entry.stored).data)).toBe(-1);
    expect(openjph.loaded()).not.toBe(grown);
  });
});

describe('a module that cannot load', () => {
  it('is CODEC_UNAVAILABLE naming the codec and where from, and the next call tries again', async () => {
    let attempts = 0;
    const loader = codecLoader<EmbindObject>({
      name: 'Test',
      package: 'test-codec',
      load: () => {
        attempts++;
        return Promise.reject(new TypeError('Failed to fetch'));
      },
      wasm: 'test.wasm',
      create: () => ({ delete() {} }),
    });
    const first = loader.get();
    await expect(first).rejects.toMatchObject({ name: 'DecodeError', code: 'CODEC_UNAVAILABLE', codec: 'Test' });
    await expect(first).rejects.toThrow(/the Test codec \(test\.wasm\) from the test-codec package could not be loaded \(TypeError: Failed to fetch\)/);
    await expect(loader.get()).rejects.toMatchObject({ code: 'CODEC_UNAVAILABLE' });
    expect(attempts).toBe(2);
  });

  it('the kernels: a refused compile (CSP) is CODEC_UNAVAILABLE with the hint, and is not cached', async () => {
    vi.resetModules();
    const compile = WebAssembly.compile;
    const refuse = vi.fn(() => Promise.reject(new WebAssembly.CompileError("WebAssembly.compile(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source")));
    WebAssembly.compile = refuse as unknown as typeof WebAssembly.compile;
    try {
      const fresh = await import('../src/index.js');
      const bytes = new Uint8Array(2);
      const info = { rows: 1, columns: 1, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 0, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2' } as const;
      const failed = fresh.decodeFrame(bytes, '1.2.840.10008.1.2.1', info);
      await expect(failed).rejects.toMatchObject({ name: 'DecodeError', code: 'CODEC_UNAVAILABLE', transferSyntaxUID: '1.2.840.10008.1.2.1' });
      await expect(failed).rejects.toThrow(/'wasm-unsafe-eval'/);
      WebAssembly.compile = compile;
      await expect(fresh.decodeFrame(bytes, '1.2.840.10008.1.2.1', info)).resolves.toMatchObject({ rows: 1, columns: 1 });
      expect(refuse).toHaveBeenCalledTimes(1);
    } finally {
      WebAssembly.compile = compile;
    }
  });
});
