// JPEG-LS, JPEG 2000 and HTJ2K beyond the generic fixture test: resolutionLevel against
// opj_decompress -r references, `into`, the codec lifecycle (a failure leaves the library
// usable, heaps stay flat over thousands of decodes) and codestreams that disagree with the
// attributes. Fixtures and references: fixtures/codecs/ (see its PROVENANCE.md).
import { describe, expect, it } from 'vitest';
import { decodeFile, decodeFrame, openDicom, supportedTransferSyntaxes, type PixelInfo } from '../src/index.js';
import { parseDicom } from '../src/dicom/part10.js';
import { charls, openjpeg, openjph } from '../src/wasm/codecs.js';
import { kernels } from '../src/wasm/kernels.js';
import { firstDifference, fixtureBytes, manifest, readNpy, type FixtureEntry } from './helpers.js';

/** A reduced-resolution reference (opj_decompress -r); `stored` is relative to fixtures/codecs/. */
interface Reduced {
  resolutionLevel: number;
  rows: number;
  columns: number;
  stored: string;
}
const readReduced = (reduced: Reduced) => readNpy(`codecs/${reduced.stored}`).data;
type CodecEntry = FixtureEntry & { reduced?: Reduced[] };

const codecFixtures = manifest.fixtures.filter((entry) => entry.file.startsWith('codecs/')) as CodecEntry[];
const fixture = (name: string): CodecEntry => {
  const entry = codecFixtures.find((candidate) => candidate.file === `codecs/dicom/${name}`);
  if (!entry) throw new Error(`no fixture codecs/dicom/${name}`);
  return entry;
};

/** The first frame's fragments and attributes, read by our Part 10 reader. */
function frameOf(entry: CodecEntry): { fragments: Uint8Array[]; info: PixelInfo; uid: string } {
  const parsed = parseDicom(fixtureBytes(entry.file));
  const data = parsed.frameData(0);
  return { fragments: Array.isArray(data) ? data : [data], info: parsed.info, uid: parsed.transferSyntaxUID };
}

const JLS = fixture('ct_s16.dcmcjpls.dcm');
const J2K = fixture('ct_s16.opj.dcm');
const HTJ2K = fixture('ct_s16.openjph-wasm.dcm');
const HTJ2K_RGB = fixture('us_rgb8.ojph-rct.dcm');
const CT_REFERENCE = readNpy(JLS.stored).data;

async function expectCt(entry: CodecEntry): Promise<void> {
  const { fragments, info, uid } = frameOf(entry);
  const decoded = await decodeFrame(fragments, uid, info);
  expect(decoded.pixels).toBeInstanceOf(Int16Array);
  expect(decoded.pixels.length).toBe(CT_REFERENCE.length);
  expect(firstDifference(decoded.pixels, CT_REFERENCE)).toBe(-1);
}

describe('supported transfer syntaxes', () => {
  it('lists JPEG-LS, JPEG 2000 (Part 1 and 2) and HTJ2K', () => {
    const listed = supportedTransferSyntaxes();
    const uids = listed.map((ts) => ts.uid);
    for (const suffix of ['80', '81', '90', '91', '92', '93', '201', '202', '203']) {
      expect(uids).toContain(`1.2.840.10008.1.2.4.${suffix}`);
    }
    expect(listed.find((ts) => ts.uid === '1.2.840.10008.1.2.4.202')).toMatchObject({ name: 'HTJ2K Lossless RPCL', lossless: true });
    expect(listed.find((ts) => ts.uid === '1.2.840.10008.1.2.4.81')).toMatchObject({ lossless: false });
  });
});

describe('resolutionLevel', () => {
  const cases = codecFixtures.flatMap((entry) => (entry.reduced ?? []).map((reduced) => [entry.file, reduced.resolutionLevel, entry, reduced] as const));

  it('has reduced references for JPEG 2000 and HTJ2K through both codecs', () => {
    const uids = new Set(cases.map(([, , entry]) => entry.transferSyntaxUID));
    expect(uids).toContain('1.2.840.10008.1.2.4.90');
    expect(uids).toContain('1.2.840.10008.1.2.4.201');
    expect(uids).toContain('1.2.840.10008.1.2.4.202');
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s at level %i matches opj_decompress -r', async (_, level, entry, reduced) => {
    const reference = readReduced(reduced);
    const decoded = await decodeFile(fixtureBytes(entry.file), { modalityLut: false, resolutionLevel: level });
    expect([decoded.rows, decoded.columns, decoded.samplesPerPixel]).toEqual([reduced.rows, reduced.columns, entry.samplesPerPixel]);
    expect(decoded.pixels.length).toBe(reference.length);
    expect(firstDifference(decoded.pixels, reference)).toBe(-1);
  });

  it('clamps the level to the decomposition levels in the codestream', async () => {
    // opj_compress and OpenJPH write 5 decomposition levels: 1/32 per axis at most.
    for (const entry of [J2K, HTJ2K]) {
      const decoded = await decodeFile(fixtureBytes(entry.file), { resolutionLevel: 20 });
      expect([decoded.rows, decoded.columns]).toEqual([Math.ceil(entry.rows / 32), Math.ceil(entry.columns / 32)]);
      expect(decoded.pixels.length).toBe(decoded.rows * decoded.columns);
    }
  });

  it('applies the modality LUT to the reduced frame', async () => {
    const decoded = await decodeFile(fixtureBytes(J2K.file), { resolutionLevel: 3 });
    const stored = readReduced(J2K.reduced!.find((reduced) => reduced.resolutionLevel === 3)!);
    expect(decoded.modalityLutApplied).toBe(true);
    expect(firstDifference(decoded.pixels, Array.from(stored, (value) => value - 1024))).toBe(-1);
  });

  it('is ignored by JPEG-LS', async () => {
    const decoded = await decodeFile(fixtureBytes(JLS.file), { modalityLut: false, resolutionLevel: 2 });
    expect([decoded.rows, decoded.columns]).toEqual([JLS.rows, JLS.columns]);
    expect(firstDifference(decoded.pixels, CT_REFERENCE)).toBe(-1);
  });
});

describe('into', () => {
  it.each([JLS, J2K, HTJ2K])('decodes $file into the caller’s buffer', async (entry) => {
    const { fragments, info, uid } = frameOf(entry);
    const target = new Int16Array(CT_REFERENCE.length);
    const decoded = await decodeFrame(fragments, uid, info, { into: target });
    expect(decoded.pixels).toBe(target);
    expect(firstDifference(target, CT_REFERENCE)).toBe(-1);
  });

  it('fills the start of a larger buffer at a reduced resolution', async () => {
    const { fragments, info, uid } = frameOf(J2K);
    const target = new Int16Array(CT_REFERENCE.length).fill(12345);
    const decoded = await decodeFrame(fragments, uid, info, { into: target, resolutionLevel: 1 });
    const reference = readReduced(J2K.reduced!.find((reduced) => reduced.resolutionLevel === 1)!);
    expect(decoded.pixels.buffer).toBe(target.buffer);
    expect(decoded.pixels.length).toBe(reference.length);
    expect(firstDifference(decoded.pixels, reference)).toBe(-1);
    expect(target[reference.length]).toBe(12345);
  });
});

describe('codestreams that disagree with the attributes', () => {
  it.each([JLS, J2K, HTJ2K])('$file: wrong Rows / Columns / Samples per Pixel → INVALID_PIXEL_INFO', async (entry) => {
    const { fragments, info, uid } = frameOf(entry);
    for (const wrong of [
      { ...info, rows: info.columns, columns: info.rows },
      { ...info, rows: info.rows - 1 },
      { ...info, samplesPerPixel: 3, photometricInterpretation: 'RGB' },
    ]) {
      await expect(decodeFrame(fragments, uid, wrong)).rejects.toMatchObject({ name: 'DecodeError', code: 'INVALID_PIXEL_INFO' });
    }
    // a 16-bit codestream in an 8-bit frame
    await expect(decodeFrame(fragments, uid, { ...info, bitsAllocated: 8, bitsStored: 8, highBit: 7 })).rejects.toMatchObject({
      code: 'INVALID_PIXEL_INFO',
    });
    await expectCt(entry);
  });

  it('decodes signed 8-bit JPEG 2000 samples (which OpenJPEG would clamp at 0)', async () => {
    const entry = fixture('mono8.gdcm-j2k.dcm');
    const { fragments, info, uid } = frameOf(entry);
    const stream = Uint8Array.from(fragments.flatMap((part) => Array.from(part)));
    const siz = stream.findIndex((byte, i) => byte === 0xff && stream[i + 1] === 0x51);
    stream[siz + 2 + 38] |= 0x80; // Ssiz of component 0: signed (ISO/IEC 15444-1 A.5.1)
    // The same coefficients without the DC level shift (G.1.2): every sample 128 lower.
    const decoded = await decodeFrame(stream, uid, { ...info, pixelRepresentation: 1 });
    expect(decoded.pixels).toBeInstanceOf(Int8Array);
    expect(firstDifference(decoded.pixels, Array.from(readNpy(entry.stored).data, (value) => Number(value) - 128))).toBe(-1);
  });

  it('decodes a codestream inside a JP2 file', async () => {
    const { fragments, info, uid } = frameOf(J2K);
    const codestream = Uint8Array.from(fragments.flatMap((part) => Array.from(part)));
    const box = (type: string, body: Uint8Array) => {
      const out = new Uint8Array(8 + body.length);
      new DataView(out.buffer).setUint32(0, out.length);
      out.set(Array.from(type, (c) => c.charCodeAt(0)), 4);
      out.set(body, 8);
      return out;
    };
    const signature = box('jP  ', Uint8Array.of(0x0d, 0x0a, 0x87, 0x0a));
    const fileType = box('ftyp', Uint8Array.from('jp2 \0\0\0\0jp2 ', (c) => c.charCodeAt(0)));
    const jp2 = new Uint8Array([...signature, ...fileType, ...box('jp2c', codestream)]);
    const decoded = await decodeFrame(jp2, uid, info);
    expect(firstDifference(decoded.pixels, CT_REFERENCE)).toBe(-1);
  });
});

/** A copy of the frame with its entropy-coded data garbled from `start` on, end marker kept. */
/** A JPEG-LS stream whose scan header asks for interleave mode 3 (C.2.3 allows 0-2): well formed, refused by CharLS. */
function badInterleave(fragments: Uint8Array[]): Uint8Array {
  const bytes = Uint8Array.from(fragments.flatMap((part) => Array.from(part)));
  const sos = bytes.findIndex((byte, i) => byte === 0xff && bytes[i + 1] === 0xda);
  const components = bytes[sos + 4]!;
  bytes[sos + 5 + 2 * components + 1] = 3;
  return bytes;
}

describe('codec lifecycle', () => {
  it('CharLS: a stream it throws on gives CORRUPT_DATA, a fresh module, and the next decode is correct', async () => {
    const { fragments, info, uid } = frameOf(JLS);
    await expectCt(JLS);
    const before = await charls.get();
    await expect(decodeFrame(badInterleave(fragments), uid, info)).rejects.toMatchObject({ name: 'DecodeError', code: 'CORRUPT_DATA', codec: 'CharLS' });
    const after = await charls.get();
    expect(before.discarded).toBe(true);
    expect(after).not.toBe(before);
    await expectCt(JLS);
  });

  it('CharLS: a stream cut short gives TRUNCATED and the next decode is correct', async () => {
    const { fragments, info, uid } = frameOf(JLS);
    const whole = Uint8Array.from(fragments.flatMap((part) => Array.from(part)));
    await expect(decodeFrame(whole.subarray(0, 300), uid, info)).rejects.toMatchObject({ code: 'TRUNCATED' });
    await expect(decodeFrame(whole.subarray(0, 20), uid, info)).rejects.toMatchObject({ code: 'TRUNCATED' });
    await expectCt(JLS);
  });

  it('OpenJPEG: an error it prints (not throws) is a DecodeError, never the previous frame', async () => {
    // A stream with a region of interest: the dicom-pixels decoder leaves those to OpenJPEG.
    const roi = parseDicom(fixtureBytes('j2k/dicom/rgb8.opj-roi.dcm'));
    const first = roi.frameData(0);
    const [fragments, info, uid] = [Array.isArray(first) ? first : [first], roi.info, roi.transferSyntaxUID];
    const before = (await decodeFrame(fragments, uid, info)).pixels;
    const stream = Uint8Array.from(fragments.flatMap((part) => Array.from(part)));
    const sot = stream.findIndex((byte, i) => byte === 0xff && stream[i + 1] === 0x90);
    const tile = Uint8Array.from(stream);
    tile[sot + 10] = 5; // TPsot 5 in a tile's only tile-part (what OpenJPEG checks and our header reader does not)
    await expect(decodeFrame(tile, uid, info)).rejects.toMatchObject({ code: 'CORRUPT_DATA', message: expect.stringContaining('OpenJPEG') });
    expect(firstDifference((await decodeFrame(fragments, uid, info)).pixels, before)).toBe(-1);
    // The dicom-pixels decoder refuses the same lie itself.
    const j2k = frameOf(J2K);
    const lying = Uint8Array.from(j2k.fragments.flatMap((part) => Array.from(part)));
    lying[lying.findIndex((byte, i) => byte === 0xff && lying[i + 1] === 0x90) + 5] = 7;
    await expect(decodeFrame(lying, j2k.uid, j2k.info)).rejects.toMatchObject({ code: 'CORRUPT_DATA', message: expect.stringContaining('tile 7') });
    await expectCt(J2K);
  });

  it('OpenJPH: a header it refuses is a DecodeError, never the previous frame', async () => {
    const { fragments, info, uid } = frameOf(HTJ2K);
    await expectCt(HTJ2K);
    const stream = Uint8Array.from(fragments.flatMap((part) => Array.from(part)));
    const qcd = stream.findIndex((byte, i) => byte === 0xff && stream[i + 1] === 0x5c);
    stream[qcd + 4] = (stream[qcd + 4]! & 0xe0) | 3; // quantization style 3 (A.6.4: reserved)
    await expect(decodeFrame(stream, uid, info)).rejects.toMatchObject({
      code: 'CORRUPT_DATA',
      message: expect.stringContaining('OpenJPH'),
    });
    await expectCt(HTJ2K);
  });

  it('JPEG 2000 headers that claim more than the data can hold are refused before the codec runs', async () => {
    for (const entry of [J2K, HTJ2K]) {
      const { fragments, info, uid } = frameOf(entry);
      const whole = Uint8Array.from(fragments.flatMap((part) => Array.from(part)));
      const siz = whole.findIndex((byte, i) => byte === 0xff && whole[i + 1] === 0x51);
      const cod = whole.findIndex((byte, i) => byte === 0xff && whole[i + 1] === 0x52);
      const edit = (change: (view: DataView, bytes: Uint8Array) => void) => {
        const bytes = whole.slice();
        change(new DataView(bytes.buffer), bytes);
        return bytes;
      };
      // 1×1 tiles: 16320 tiles need 14 bytes each, far more than the stream has.
      const tiny = edit((v) => { v.setUint32(siz + 22, 1); v.setUint32(siz + 26, 1); });
      await expect(decodeFrame(tiny, uid, info)).rejects.toMatchObject({ code: 'TRUNCATED', message: expect.stringContaining('needs at least') });
      // 8192² in 1×1 tiles, agreeing with the attributes: more tiles than Isot can number.
      const bomb = edit((v) => { v.setUint32(siz + 6, 8192); v.setUint32(siz + 10, 8192); v.setUint32(siz + 22, 1); v.setUint32(siz + 26, 1); });
      await expect(decodeFrame(bomb, uid, { ...info, rows: 8192, columns: 8192 })).rejects.toMatchObject({
        code: 'CORRUPT_DATA', message: expect.stringContaining('67108864 tiles'),
      });
      const levels = edit((_, b) => { b[cod + 9] = 40; });
      await expect(decodeFrame(levels, uid, info)).rejects.toMatchObject({ code: 'CORRUPT_DATA', message: expect.stringContaining('40 decomposition levels') });
      const blocks = edit((_, b) => { b[cod + 10] = 9; });
      await expect(decodeFrame(blocks, uid, info)).rejects.toMatchObject({ code: 'CORRUPT_DATA', message: expect.stringContaining('code-blocks of 2^11') });
      await expectCt(entry);
    }
  });

  it('JPEG 2000 and HTJ2K cut inside a tile-part give TRUNCATED', async () => {
    for (const entry of [J2K, HTJ2K]) {
      const { fragments, info, uid } = frameOf(entry);
      const whole = Uint8Array.from(fragments.flatMap((part) => Array.from(part)));
      for (const length of [whole.length - 10, Math.floor(whole.length / 2), 60]) {
        await expect(decodeFrame(whole.subarray(0, length), uid, info)).rejects.toMatchObject({ code: 'TRUNCATED' });
      }
      await expectCt(entry);
    }
  });

  it('codecs decoding in turn and concurrently do not disturb each other', async () => {
    const entries = [JLS, J2K, HTJ2K, JLS, HTJ2K, J2K];
    await Promise.all(entries.map((entry) => expectCt(entry)));
    const rgb = frameOf(HTJ2K_RGB);
    const [colour] = await Promise.all([decodeFrame(rgb.fragments, rgb.uid, rgb.info), expectCt(JLS), expectCt(J2K)]);
    expect(colour.photometricInterpretation).toBe('RGB'); // YBR_RCT undone by the codec
    expect(firstDifference(colour.pixels, readNpy(HTJ2K_RGB.stored).data)).toBe(-1);
  });

  it('keeps every heap flat over thousands of decodes, failures included', async () => {
    const loaders = [
      [charls, JLS],
      [openjpeg, fixture('mr_u12.gdcm-j2k.dcm')],
      [openjph, fixture('mr_u12.ojph.dcm')],
    ] as const;
    const kernelMemory = async () => (await kernels()).fn.memory.buffer.byteLength;
    for (const [loader, entry] of loaders) {
      const { fragments, info, uid } = frameOf(entry);
      const reference = readNpy(entry.stored).data;
      const target = new (entry.pixelRepresentation ? Int16Array : Uint16Array)(reference.length);
      const decodeMany = async (count: number) => {
        for (let i = 0; i < count; i++) {
          await decodeFrame(fragments, uid, info, { into: target, resolutionLevel: i % 3 });
        }
      };
      await decodeMany(50);
      const codec = await loader.get();
      const heap = codec.heapBytes();
      const ours = await kernelMemory();
      await decodeMany(2000);
      // a codec error that is printed, not thrown, keeps the module: its heap must not grow either
      if (loader !== charls) {
        const broken = Uint8Array.from(fragments.flatMap((part) => Array.from(part)));
        broken[broken.findIndex((byte, i) => byte === 0xff && broken[i + 1] === 0x52) + 10] = 9;
        for (let i = 0; i < 200; i++) await expect(decodeFrame(broken, uid, info)).rejects.toMatchObject({ name: 'DecodeError' });
        await decodeMany(50);
      }
      expect(await loader.get()).toBe(codec);
      expect(codec.heapBytes()).toBe(heap);
      expect(await kernelMemory()).toBe(ours);
      const last = await decodeFrame(fragments, uid, info, { into: target });
      expect(firstDifference(last.pixels, reference)).toBe(-1);
    }
  }, 120_000);
});

describe('photometric interpretation of the output', () => {
  it('reports RGB for YBR_RCT and YBR_ICT (the codec undoes the component transform)', async () => {
    for (const name of ['us_rgb8.opj-rct.dcm', 'us_rgb8.opj-ict.dcm', 'us_rgb8.ojph-rct.dcm', 'us_rgb8.ojph-ict.dcm']) {
      const entry = fixture(name);
      const image = openDicom(fixtureBytes(entry.file));
      expect(image.info.photometricInterpretation).toMatch(/^YBR_(RCT|ICT)$/);
      const decoded = await image.decodeFrame(0);
      expect(decoded.photometricInterpretation).toBe('RGB');
    }
  });

  it('keeps RGB for colour coded without a component transform', async () => {
    const decoded = await decodeFile(fixtureBytes(fixture('us_rgb8.ojph-nomct.dcm').file));
    expect(decoded.photometricInterpretation).toBe('RGB');
  });
});
