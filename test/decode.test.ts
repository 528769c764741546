import { describe, expect, it } from 'vitest';
import { DecodeError, decodeFrame, type ModalityLut, type PixelInfo } from '../src/index.js';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const RLE = '1.2.840.10008.1.2.5';

const mono = (rows: number, columns: number, bitsAllocated: number, bitsStored: number, pixelRepresentation: 0 | 1): PixelInfo => ({
  rows,
  columns,
  bitsAllocated,
  bitsStored,
  pixelRepresentation,
  samplesPerPixel: 1,
  photometricInterpretation: 'MONOCHROME2',
});

/** An RLE fragment from literal-run segments: header (PS3.5 G.4) + each segment as literal runs. */
function rleFragment(segments: number[][]): Uint8Array {
  const encoded = segments.map((bytes) => {
    const out: number[] = [];
    for (let i = 0; i < bytes.length; i += 128) {
      const run = bytes.slice(i, i + 128);
      out.push(run.length - 1, ...run);
    }
    if (out.length % 2) out.push(0x80); // pad to even with a no-op
    return out;
  });
  const header = new Uint32Array(16);
  header[0] = segments.length;
  let offset = 64;
  encoded.forEach((segment, k) => {
    header[k + 1] = offset;
    offset += segment.length;
  });
  return new Uint8Array([...new Uint8Array(header.buffer), ...encoded.flat()]);
}

describe('native pixel data', () => {
  it('masks to Bits Stored at High Bit and sign-extends (PS3.3 C.7.6.3.1)', async () => {
    // 12-bit signed in 16 bits with garbage in the top nibble: 0xF7FF → 2047, 0x0800 → -2048, 0xAFFF → -1
    const bytes = new Uint8Array(new Uint16Array([0xf7ff, 0x0800, 0xafff, 0x0001]).buffer);
    const frame = await decodeFrame(bytes, EXPLICIT_LE, mono(2, 2, 16, 12, 1));
    expect(frame.pixels).toBeInstanceOf(Int16Array);
    expect(Array.from(frame.pixels)).toEqual([2047, -2048, -1, 1]);
    expect([frame.minValue, frame.maxValue]).toEqual([-2048, 2047]);
  });

  it('honours a High Bit above Bits Stored - 1', async () => {
    // BS 12 at HB 15: the value is bits 15..4.
    const bytes = new Uint8Array(new Uint16Array([0xabcd, 0x0010]).buffer);
    const frame = await decodeFrame(bytes, EXPLICIT_LE, { ...mono(1, 2, 16, 12, 0), highBit: 15 });
    expect(Array.from(frame.pixels)).toEqual([0xabc, 0x001]);
  });

  it('swaps big-endian samples', async () => {
    const bytes = new Uint8Array([0x12, 0x34, 0xff, 0xfe, 0x00, 0x01]);
    const frame = await decodeFrame(bytes, EXPLICIT_BE, mono(1, 3, 16, 16, 1));
    expect(Array.from(frame.pixels)).toEqual([0x1234, -2, 1]);
  });

  it('unpacks Bits Allocated 1, least significant bit first', async () => {
    const frame = await decodeFrame(new Uint8Array([0b10110001, 0b00000010]), EXPLICIT_LE, mono(2, 5, 1, 1, 0));
    expect(Array.from(frame.pixels)).toEqual([1, 0, 0, 0, 1, 1, 0, 1, 0, 1]);
  });

  it('interleaves Planar Configuration 1', async () => {
    const info: PixelInfo = { ...mono(1, 2, 8, 8, 0), samplesPerPixel: 3, photometricInterpretation: 'RGB', planarConfiguration: 1 };
    const frame = await decodeFrame(new Uint8Array([1, 2, 3, 4, 5, 6]), EXPLICIT_LE, info);
    expect(Array.from(frame.pixels)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('rejects pixel data shorter than the attributes say', async () => {
    await expect(decodeFrame(new Uint8Array(7), EXPLICIT_LE, mono(2, 2, 16, 16, 0))).rejects.toMatchObject({ code: 'TRUNCATED' });
  });
});

describe('RLE Lossless (PS3.5 Annex G)', () => {
  it('decodes 16-bit segments, most significant byte first', async () => {
    const values = Array.from({ length: 37 }, (_, i) => (i * 1031 - 9000) & 0xffff);
    const fragment = rleFragment([values.map((v) => v >> 8), values.map((v) => v & 0xff)]);
    const frame = await decodeFrame(fragment, RLE, mono(1, 37, 16, 16, 1));
    expect(Array.from(frame.pixels)).toEqual(values.map((v) => (v << 16) >> 16));
  });

  it('decodes replicate runs and ignores the -128 no-op', async () => {
    // 5 × 7, no-op, literal [1, 2], then 3 × 9 → 7 7 7 7 7 1 2 9 9 9
    const segment = [0xfc, 7, 0x80, 1, 1, 2, 0xfe, 9];
    const header = new Uint32Array(16);
    header[0] = 1;
    header[1] = 64;
    const fragment = new Uint8Array([...new Uint8Array(header.buffer), ...segment]);
    const frame = await decodeFrame(fragment, RLE, mono(2, 5, 8, 8, 0));
    expect(Array.from(frame.pixels)).toEqual([7, 7, 7, 7, 7, 1, 2, 9, 9, 9]);
  });

  it('interleaves RGB planes', async () => {
    const info: PixelInfo = { ...mono(1, 3, 8, 8, 0), samplesPerPixel: 3, photometricInterpretation: 'RGB', planarConfiguration: 1 };
    const frame = await decodeFrame(rleFragment([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), RLE, info);
    expect(Array.from(frame.pixels)).toEqual([1, 4, 7, 2, 5, 8, 3, 6, 9]);
  });

  it('decodes 32-bit samples', async () => {
    const values = [0x01020304, 0xfffffffe, 7];
    const planes = [3, 2, 1, 0].map((shift) => values.map((v) => (v >>> (shift * 8)) & 0xff));
    const frame = await decodeFrame(rleFragment(planes), RLE, mono(1, 3, 32, 32, 0));
    expect(Array.from(frame.pixels)).toEqual(values);
  });

  it.each([
    ['a segment count of 0', (f: Uint8Array) => f.set([0, 0, 0, 0], 0), 'CORRUPT_DATA'],
    ['a segment count of 16', (f: Uint8Array) => f.set([16, 0, 0, 0], 0), 'CORRUPT_DATA'],
    ['an offset past the end', (f: Uint8Array) => f.set([0xff, 0xff, 0, 0], 8), 'CORRUPT_DATA'],
  ])('rejects %s, then decodes correctly', async (_, damage, code) => {
    const good = rleFragment([[0, 1, 2, 3], [4, 5, 6, 7]]);
    const bad = good.slice();
    damage(bad);
    await expect(decodeFrame(bad, RLE, mono(2, 2, 16, 16, 0))).rejects.toMatchObject({ code });
    const frame = await decodeFrame(good, RLE, mono(2, 2, 16, 16, 0));
    expect(Array.from(frame.pixels)).toEqual([4, 0x105, 0x206, 0x307]);
  });

  it('gives only DecodeErrors on damaged fragments, and the next decode is right', async () => {
    const values = Array.from({ length: 600 }, (_, i) => (i * 7919) & 0xffff);
    const good = rleFragment([values.map((v) => v >> 8), values.map((v) => v & 0xff)]);
    const expected = values.map((v) => (v << 16) >> 16);
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let failures = 0;
    for (let round = 0; round < 300; round++) {
      const bad = good.slice(0, round % 3 === 0 ? Math.floor(random() * good.length) : good.length);
      for (let k = 0; k < 4; k++) bad[Math.floor(random() * bad.length)] = Math.floor(random() * 256);
      const outcome = await decodeFrame(bad, RLE, mono(20, 30, 16, 16, 1)).then(
        (frame) => frame.pixels.length,
        (error: unknown) => (error instanceof DecodeError ? 'DecodeError' : error),
      );
      if (outcome === 'DecodeError') failures++;
      else expect(outcome).toBe(600);
    }
    expect(failures).toBeGreaterThan(50);
    const frame = await decodeFrame(good, RLE, mono(20, 30, 16, 16, 1));
    expect(Array.from(frame.pixels)).toEqual(expected);
  });

  it('rejects a truncated fragment', async () => {
    const fragment = rleFragment([Array.from({ length: 200 }, (_, i) => i & 0xff)]);
    await expect(decodeFrame(fragment.subarray(0, fragment.length - 20), RLE, mono(10, 20, 8, 8, 0))).rejects.toBeInstanceOf(DecodeError);
    await expect(decodeFrame(fragment.subarray(0, fragment.length - 20), RLE, mono(10, 20, 8, 8, 0))).rejects.toMatchObject({ code: 'TRUNCATED' });
  });
});

describe('modality LUT and output type', () => {
  const ct = mono(1, 4, 16, 12, 0);
  const bytes = new Uint8Array(new Uint16Array([0, 1024, 4095, 100]).buffer);

  it('rescales to the smallest integer type holding the mapped stored range', async () => {
    const frame = await decodeFrame(bytes, EXPLICIT_LE, ct, { modalityLut: { rescaleSlope: 1, rescaleIntercept: -1024 } });
    expect(frame.pixels).toBeInstanceOf(Int16Array);
    expect(Array.from(frame.pixels)).toEqual([-1024, 0, 3071, -924]);
    expect([frame.minValue, frame.maxValue]).toEqual([-1024, 3071]);
    expect(frame.modalityLutApplied).toBe(true);
  });

  it('uses Float32 for a non-integer slope', async () => {
    const frame = await decodeFrame(bytes, EXPLICIT_LE, ct, { modalityLut: { rescaleSlope: 0.1, rescaleIntercept: -3.25 } });
    expect(frame.pixels).toBeInstanceOf(Float32Array);
    expect(Array.from(frame.pixels)).toEqual([0, 1024, 4095, 100].map((v) => Math.fround(v * 0.1 - 3.25)));
  });

  it('swaps the range for a negative slope', async () => {
    const frame = await decodeFrame(bytes, EXPLICIT_LE, ct, { modalityLut: { rescaleSlope: -1, rescaleIntercept: 0 } });
    expect(frame.pixels).toBeInstanceOf(Int16Array);
    expect([frame.minValue, frame.maxValue]).toEqual([-4095, 0]);
  });

  it('applies a LUT with clamping at both ends', async () => {
    const lut = { firstMapped: 100, bitsPerEntry: 16, data: new Uint16Array([10, 20, 30]) };
    const frame = await decodeFrame(bytes, EXPLICIT_LE, ct, { modalityLut: { lut, rescaleSlope: 5 } });
    expect(frame.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(frame.pixels)).toEqual([10, 30, 30, 10]);
  });

  it('decodes into a caller buffer', async () => {
    const into = new Int16Array(6);
    const frame = await decodeFrame(bytes, EXPLICIT_LE, ct, { modalityLut: { rescaleIntercept: -1024 }, into });
    expect(frame.pixels.buffer).toBe(into.buffer);
    expect(Array.from(into)).toEqual([-1024, 0, 3071, -924, 0, 0]);
    await expect(decodeFrame(bytes, EXPLICIT_LE, ct, { into: new Float32Array(4) })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('bad input', () => {
  it('names an unknown transfer syntax', async () => {
    await expect(decodeFrame(new Uint8Array(4), '1.2.3.4', mono(1, 2, 16, 16, 0))).rejects.toMatchObject({
      code: 'UNSUPPORTED_TRANSFER_SYNTAX',
      transferSyntaxUID: '1.2.3.4',
    });
  });

  it('rejects impossible attributes', async () => {
    await expect(decodeFrame(new Uint8Array(4), EXPLICIT_LE, mono(1, 2, 12, 12, 0))).rejects.toMatchObject({ code: 'INVALID_PIXEL_INFO' });
    await expect(decodeFrame(new Uint8Array(4), EXPLICIT_LE, mono(1, 2, 16, 17, 0))).rejects.toMatchObject({ code: 'INVALID_PIXEL_INFO' });
  });
});

describe('hostile attributes and options', () => {
  const info = { rows: 65535, columns: 65535, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 0, samplesPerPixel: 3,
    photometricInterpretation: 'RGB' } as const;

  it('refuses a frame larger than maxFrameBytes before allocating, naming the syntax', async () => {
    await expect(decodeFrame(new Uint8Array(16), '1.2.840.10008.1.2.1', info)).rejects.toMatchObject({
      name: 'DecodeError', code: 'FRAME_TOO_LARGE', transferSyntaxUID: '1.2.840.10008.1.2.1',
    });
    const small = { ...info, rows: 4, columns: 4, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2' };
    await expect(decodeFrame(new Uint8Array(32), '1.2.840.10008.1.2.1', small, { maxFrameBytes: 16 })).rejects.toMatchObject({ code: 'FRAME_TOO_LARGE' });
    expect((await decodeFrame(new Uint8Array(32), '1.2.840.10008.1.2.1', small, { maxFrameBytes: 32 })).pixels).toHaveLength(16);
  });

  it('refuses a malformed palette, LUT or into before decoding', async () => {
    const grey = { rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, samplesPerPixel: 1,
      photometricInterpretation: 'MONOCHROME2' } as const;
    const bytes = new Uint8Array(4);
    const badPalette = { ...grey, photometricInterpretation: 'PALETTE COLOR', palette: { red: null } } as unknown as PixelInfo;
    await expect(decodeFrame(bytes, '1.2.840.10008.1.2.1', badPalette)).rejects.toMatchObject({ code: 'INVALID_PIXEL_INFO' });
    const badLut = { lut: { firstMapped: 0, bitsPerEntry: 8, data: null } } as unknown as ModalityLut;
    await expect(decodeFrame(bytes, '1.2.840.10008.1.2.1', grey, { modalityLut: badLut })).rejects.toMatchObject({ code: 'INVALID_PIXEL_INFO' });
    await expect(decodeFrame(bytes, '1.2.840.10008.1.2.1', grey, { into: new Float32Array(4) })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(decodeFrame(bytes, '1.2.840.10008.1.2.1', grey, { into: new DataView(new ArrayBuffer(4)) as unknown as Uint8Array })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('stored bits of codec output (DESIGN: stored values first)', async () => {
  const { storedBits } = await import('../src/pipeline/frame.js');
  const ct = { highBit: 11, bitsStored: 12 };
  const low = (precision: number, lossy = false) => ({ at: 'lowBits', precision, lossy }) as const;
  it('native data: at High Bit with Bits Stored bits', () => expect(storedBits({ at: 'highBit' }, ct)).toEqual({ highBit: 11, bits: 12 }));
  it('lossless P > Bits Stored: masked to Bits Stored', () => expect(storedBits(low(16), ct)).toEqual({ highBit: 11, bits: 12 }));
  it('lossy P > Bits Stored: all P bits kept (2048 stays 2048)', () => expect(storedBits(low(16, true), ct)).toEqual({ highBit: 15, bits: 16 }));
  it('P < Bits Stored: at P', () => expect(storedBits(low(8), ct)).toEqual({ highBit: 7, bits: 8 }));
});
