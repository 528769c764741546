// Two-phase decoders in a fresh realm: `prepare` loads a decoder's usual codec; a codec chosen
// only once the codestream is read (OpenJPEG for an HTJ2K-labelled stream without HT code-blocks)
// is found unloaded by the synchronous decode, loaded, and the decode runs again.
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../src/index.js';
import { parseDicom } from '../src/dicom/part10.js';
import { openjpeg, openjph } from '../src/wasm/codecs.js';
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
