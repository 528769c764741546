// Decodes in one realm need no queue: everything asynchronous (kernels, codec modules) happens
// before a decode resets the arena, and from there to its result it runs synchronously. Started
// together in a fresh realm, so that first loads of every codec race the other decodes.
import { describe, expect, it } from 'vitest';
import { decodeFile, thumbnail } from '../src/index.js';
import { firstDifference, fixtureBytes, manifest, readNpy } from './helpers.js';

describe('decodes started together in one realm', () => {
  it("every fixture's first frame, and thumbnails in between, as when decoded alone", async () => {
    const decodes = manifest.fixtures.map(async (entry) => {
      const decoded = await decodeFile(fixtureBytes(entry.file), { modalityLut: false });
      return { file: entry.file, at: firstDifference(decoded.pixels, readNpy(entry.stored).data, 0, undefined, entry.tolerance ?? 0) };
    });
    const thumbnails = manifest.fixtures.filter((_, i) => i % 7 === 0).map(async (entry) => {
      const bytes = fixtureBytes(entry.file);
      return { entry, together: await thumbnail(bytes, { size: 32 }) };
    });
    const wrong = (await Promise.all(decodes)).filter((result) => result.at !== -1).map((result) => `${result.file} at ${result.at}`);
    expect(wrong).toEqual([]);
    // The same thumbnails once more, one at a time: byte for byte what the concurrent run made.
    for (const { entry, together } of await Promise.all(thumbnails)) {
      const alone = await thumbnail(fixtureBytes(entry.file), { size: 32 });
      expect(Buffer.from(together.png).equals(Buffer.from(alone.png)), entry.file).toBe(true);
    }
  });
});
