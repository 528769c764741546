#!/usr/bin/env node
// The lossless syntaxes side by side, as users compare them when they choose one: for the CT,
// DX and US phantoms, the compressed size and this library's decode speed (decodeFrame, MP/s,
// median of rounds) of JPEG XL Lossless (cjxl -d 0 -e 7, Debian's libjxl-tools), JPEG-LS
// (dcmcjpls), JPEG 2000 (opj_compress), HTJ2K (OpenJPH's encoder) and RLE (dcmcrle). Every
// decode is checked against the stored values first.
//
//   node bench/syntaxes.mjs [--quick] [--only=ct,dx,us] [--json=FILE]   (needs npm run build)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_DIR, fail, fmt, importDicomPixels, machineLine, median, suiteOptions, table, writeJson } from './lib.mjs';
import { makeCodecData, makeData } from './make-data.mjs';

const options = suiteOptions({ rounds: [7, 3], time: [0.4, 0.2], json: 'syntaxes-last-run.json' });
const api = await importDicomPixels();
const codecs = await makeCodecData({ log: () => {} });
const rle = await makeData({ log: () => {} });
const hasCjxl = spawnSync('cjxl', ['--version'], { encoding: 'utf8' }).status === 0;
const cjxlVersion = hasCjxl ? /v?(\d+\.\d+\.\d+)/.exec(spawnSync('cjxl', ['--version'], { encoding: 'utf8' }).stdout)?.[1] : undefined;
if (!hasCjxl) console.log('bench/syntaxes: cjxl not found (apt-get install libjxl-tools): JPEG XL rows left out');

/** A JPEG XL Lossless codestream of an image (samples as unsigned bit patterns, 16-bit PGM/PPM big endian). */
function encodeJxl(image, raw) {
  const { rows, columns, samplesPerPixel, bitsAllocated } = image.info;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dicom-pixels-jxl-'));
  try {
    const input = path.join(dir, samplesPerPixel === 3 ? 'in.ppm' : 'in.pgm');
    let body = Buffer.from(raw);
    if (bitsAllocated === 16) body = Buffer.from(body).swap16();
    fs.writeFileSync(input, Buffer.concat([Buffer.from(`${samplesPerPixel === 3 ? 'P6' : 'P5'}\n${columns} ${rows}\n${bitsAllocated === 16 ? 65535 : 255}\n`), body]));
    const output = path.join(dir, 'out.jxl');
    const run = spawnSync('cjxl', [input, output, '-d', '0', '-e', '7'], { encoding: 'utf8' });
    if (run.status !== 0) fail(`cjxl failed: ${run.stderr}`);
    return new Uint8Array(fs.readFileSync(output));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const SYNTAXES = [
  ['JPEG XL Lossless', '1.2.840.10008.1.2.4.110', 'jxl'],
  ['JPEG-LS Lossless', '1.2.840.10008.1.2.4.80', 'jls'],
  ['JPEG 2000 Lossless', '1.2.840.10008.1.2.4.90', 'j2k'],
  ['HTJ2K Lossless', '1.2.840.10008.1.2.4.201', 'htj2k'],
  ['RLE Lossless', '1.2.840.10008.1.2.5', 'rle'],
];

const rows = [];
for (const image of options.pick(codecs.images)) {
  const raw = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, image.rawFile)));
  const pixels = image.info.rows * image.info.columns;
  const rleImage = rle.images.find((im) => im.name === image.name);
  for (const [name, uid, key] of SYNTAXES) {
    let bytes;
    let encoder;
    if (key === 'jxl') {
      if (!hasCjxl) continue;
      bytes = encodeJxl(image, raw);
      encoder = `cjxl ${cjxlVersion} -d 0 -e 7`;
    } else if (key === 'rle') {
      bytes = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, rleImage.fragmentFile)));
      encoder = rle.encoder;
    } else {
      bytes = new Uint8Array(fs.readFileSync(path.join(DATA_DIR, image.codestreams[key].file)));
      encoder = image.codestreams[key].encoder;
    }
    const first = await api.decodeFrame(bytes, uid, image.info, { modalityLut: false });
    const got = new Uint8Array(first.pixels.buffer, first.pixels.byteOffset, first.pixels.byteLength);
    if (got.length !== raw.length || got.some((b, i) => b !== raw[i])) fail(`${image.name} ${name}: the decode differs from the stored values`);
    const perRound = [];
    for (let round = 0; round < options.rounds; round++) {
      const start = performance.now();
      let n = 0;
      while (n < 3 || performance.now() - start < options.maxTime * 1000) {
        await api.decodeFrame(bytes, uid, image.info, { modalityLut: false });
        n++;
      }
      perRound.push((performance.now() - start) / n);
    }
    const ms = median(perRound);
    rows.push({ image: image.label, syntax: name, encoder, bytes: bytes.length, ratio: raw.length / bytes.length, ms, mps: pixels / ms / 1000 });
  }
}

console.log(`${machineLine()}\nthis library's decodeFrame (stored values), median of ${options.rounds} rounds\n`);
console.log(table(['image', 'syntax', 'encoder', 'bytes', 'ratio', 'decode ms', 'MP/s'], rows.map((r) => [r.image, r.syntax, r.encoder, r.bytes, `${fmt(r.ratio)}:1`, fmt(r.ms), fmt(r.mps, 1)]), 'lllrrrr'));
writeJson(options.json, { machine: machineLine(), rows });
console.log(`\nwrote ${path.relative(process.cwd(), options.json)}`);
