// JPEG XL specifics beyond fixtures.test.ts (which decodes every fixtures/jxl file to its
// reference): the recompression syntax is refused by name, and the codestream header reader.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../src/index.js';
import { readJxlHeader } from '../src/decoders/jpegxl.js';
import { FIXTURES, fixtureBytes } from './helpers.js';

const manifest = JSON.parse(readFileSync(new URL('jxl/manifest.json', FIXTURES), 'utf8')) as { jpegRecompression: { file: string }[] };

describe('JPEG XL', () => {
  it('JPEG XL JPEG Recompression (.111) is refused naming the syntax (it needs the JPEG rebuilt)', async () => {
    expect(manifest.jpegRecompression.length).toBeGreaterThan(0);
    for (const { file } of manifest.jpegRecompression) {
      await expect(decodeFile(fixtureBytes(`jxl/${file}`))).rejects.toMatchObject({
        name: 'DecodeError',
        code: 'UNSUPPORTED_TRANSFER_SYNTAX',
        message: expect.stringMatching(/JPEG XL JPEG Recompression/),
      });
    }
  });

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
    expect(() => readJxlHeader(Uint8Array.of(0xff, 0x0a), '1.2.840.10008.1.2.4.110')).toThrow(/ends inside its headers/);
    expect(() => readJxlHeader(Uint8Array.of(1, 2, 3, 4), '1.2.840.10008.1.2.4.110')).toThrow(/not a JPEG XL codestream/);
  });
});
