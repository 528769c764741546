// The transfer syntax table (src/uids.ts) against DICOM PS3.6 Table A-1, as pydicom lists it
// (test/data/ps3.6-transfer-syntaxes.json, written by scripts/ps36-transfer-syntaxes.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRANSFER_SYNTAXES } from '../src/uids.js';
import { supportedTransferSyntaxes } from '../src/index.js';

const PS36 = JSON.parse(readFileSync(new URL('./data/ps3.6-transfer-syntaxes.json', import.meta.url), 'utf8')) as {
  transferSyntaxes: { uid: string; name: string; retired: boolean }[];
};
const standard = new Map(PS36.transferSyntaxes.map((ts) => [ts.uid, ts]));
const NATIVE = ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2'];

describe('transfer syntax table', () => {
  it.each(TRANSFER_SYNTAXES.map((ts) => [ts.uid, ts] as const))('%s is a PS3.6 transfer syntax, described as the standard does', (uid, ts) => {
    const entry = standard.get(uid);
    expect(entry, `${uid} is not in PS3.6 Table A-1`).toBeDefined();
    expect(ts.encapsulated).toBe(!NATIVE.includes(uid));
    // The standard's name says "Lossless" for the lossless-only compressed syntaxes (not "Near-Lossless").
    const lossless = (/Lossless/.test(entry!.name) && !/Near-Lossless/.test(entry!.name)) || /Deflated Image Frame/.test(entry!.name);
    if (ts.encapsulated) expect(ts.lossless).toBe(lossless);
    if (/JPEG 2000|High-Throughput/.test(entry!.name)) expect(ts.resolutionLevels).toBe(true);
  });

  it('has one entry per UID, and every decoded syntax is listed by supportedTransferSyntaxes', () => {
    expect(new Set(TRANSFER_SYNTAXES.map((ts) => ts.uid)).size).toBe(TRANSFER_SYNTAXES.length);
    expect(supportedTransferSyntaxes().map((ts) => ts.uid)).toEqual(TRANSFER_SYNTAXES.filter((ts) => ts.decoder).map((ts) => ts.uid));
  });
});
