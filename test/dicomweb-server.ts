// A local DICOMweb server for the tests, speaking PS3.18 the way servers do (multipart/related
// frames with transfer-syntax parameters, DICOM JSON metadata, bulk data), serving
// fixtures/dicomweb/ (made by pydicom, see make_dicomweb.py); a path prefix picks how it
// misbehaves: /ok, /preamble, /truncated, /wrong-boundary, /unsupported, /slow.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIXTURES } from './helpers.js';

export interface Case {
  case: string;
  source: string;
  transferSyntaxUID: string;
  frames: number;
}
export const CASES = (JSON.parse(readFileSync(new URL('dicomweb/cases.json', FIXTURES), 'utf8')) as { cases: Case[] }).cases;
const caseFile = (name: string, file: string) => readFileSync(new URL(`dicomweb/cases/${name}/${file}`, FIXTURES));

const MEDIA: Record<string, string> = {
  '1.2.840.10008.1.2.1': 'application/octet-stream',
  '1.2.840.10008.1.2.5': 'image/dicom-rle',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.201': 'image/jphc',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
};

/** A multipart/related body of frames, as a server writes it (with or without a preamble). */
export function multipart(boundary: string, parts: { type: string; body: Uint8Array }[], preamble = ''): Buffer {
  const chunks: Buffer[] = [Buffer.from(preamble)];
  parts.forEach((part, i) => {
    chunks.push(Buffer.from(`${i ? '\r\n' : ''}--${boundary}\r\nContent-Type: ${part.type}\r\nContent-Location: frame-${i + 1}\r\n\r\n`), Buffer.from(part.body));
  });
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export interface FakeDicomWeb {
  /** Origin: instance URLs are `${base}/{mode}/instances/{case}` (or with /studies/s/series/e before /instances). */
  base: string;
  requests: { url: string; accept: string | undefined }[];
  close(): Promise<void>;
}

/** Start the server on 127.0.0.1 (any free port). */
export async function startFakeDicomWeb(): Promise<FakeDicomWeb> {
  const requests: { url: string; accept: string | undefined }[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url!, accept: req.headers.accept });
    const match = /^\/([a-z-]+)(?:\/studies\/[^/]+\/series\/[^/]+)?\/instances\/([a-z0-9_]+)\/(metadata|bulk\/[^/]+|frames\/[0-9,]+)$/.exec(req.url!);
    if (!match) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"no such resource"}');
    const [, mode, name, resource] = match as unknown as [string, string, string, string];
    const entry = CASES.find((c) => c.case === name);
    if (!entry) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"no such instance"}');
    if (resource === 'metadata') return void res.writeHead(200, { 'Content-Type': 'application/dicom+json' }).end(caseFile(name, 'metadata.json'));
    if (resource.startsWith('bulk/')) {
      const body = caseFile(name, resource);
      return void res.writeHead(200, { 'Content-Type': 'multipart/related; type="application/octet-stream"; boundary=bulk' }).end(multipart('bulk', [{ type: 'application/octet-stream', body }]));
    }
    const numbers = resource.slice('frames/'.length).split(',').map(Number);
    const type = `${MEDIA[entry.transferSyntaxUID]}; transfer-syntax=${entry.transferSyntaxUID}`;
    const parts = numbers.map((n) => ({ type: mode === 'unsupported' ? 'image/x-unknown' : type, body: caseFile(name, `frames/${n}.bin`) }));
    const body = multipart('frames-b0undary', parts, mode === 'preamble' ? '\r\nthis is a preamble\r\n' : '');
    const contentType = `multipart/related; type="${MEDIA[entry.transferSyntaxUID]}"; boundary=${mode === 'wrong-boundary' ? 'other' : 'frames-b0undary'}`;
    if (mode === 'truncated') return void res.writeHead(200, { 'Content-Type': contentType }).end(body.subarray(0, body.length >> 1));
    if (mode === 'slow') {
      res.writeHead(200, { 'Content-Type': contentType });
      res.write(body.subarray(0, 10));
      return; // never finishes
    }
    res.writeHead(200, { 'Content-Type': contentType }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

