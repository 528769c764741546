#!/usr/bin/env node
// Builds the benchmark inputs in bench/data/ from deterministic phantoms (CT, DX, US RGB), written
// as native Explicit VR Little Endian DICOM and encoded by the reference tools:
// - makeData (bench/rle.mjs, bench/thumbnails.mjs): RLE with DCMTK — the `dcmcrle` command line
//   when it is on PATH, otherwise DCMTK's RLE encoder compiled to WASM (dcmjs-codecs
//   `NativeCodecs.encodeRle`). For each image it keeps the single RLE fragment (<name>.rle), the
//   original stored values (<name>.raw, little endian, interleaved) and, with dcmcrle, the RLE
//   Part 10 file (<name>.rle.dcm). manifest.json records the PixelInfo of each and the encoder.
// - makeCodecData (bench/codecs.mjs, bench/thumbnails.mjs): JPEG-LS, JPEG 2000, HTJ2K codestreams.
// - makeJpegData (bench/jpeg.mjs): JPEG Lossless SV1 and Baseline fragments.
//
//   node bench/make-data.mjs [--force] [--encoder=wasm]     (all three sets)
//   (BENCH_ENCODER=dcmcrle|dcmcjpeg|wasm does the same as --encoder)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  DATA_DIR, benchRequire as require, concat, dcmjsAttributes, isMain, rootRequire, storedBytes, writeNativeDicom,
} from './lib.mjs';

export const MANIFEST = path.join(DATA_DIR, 'manifest.json');
// Bump when a phantom or the file layout changes, so that stale data gets rebuilt.
export const DATA_VERSION = 3;

// ---------------------------------------------------------------- deterministic random numbers
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function gaussian(rand) {
  let spare = null;
  return function next() {
    if (spare !== null) { const s = spare; spare = null; return s; }
    let u = 0;
    while (u === 0) u = rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}
const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);
const smoothstep = (e0, e1, x) => { const t = clamp((x - e0) / (e1 - e0), 0, 1); return t * t * (3 - 2 * t); };
// Inside-ness of an ellipse: < 1 inside, 1 on the boundary.
const ell = (x, y, cx, cy, a, b) => ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2;

// ---------------------------------------------------------------- phantoms
// 512×512 axial chest CT, stored values in HU, signed 16-bit. Padding -2000 outside the
// reconstruction circle, air -1000, fat -100, soft tissue 40, lungs -800 with vessels, heart,
// aorta, ribs, sternum and a vertebra (~1000 HU cortex), patient table; Gaussian noise σ = 10.
function makeCT() {
  const rows = 512, columns = 512;
  const rand = mulberry32(0xc7512);
  const noise = gaussian(mulberry32(0xc7513));
  const px = new Int16Array(rows * columns);
  const vessels = [];
  for (let i = 0; i < 70; i++) {
    const left = i % 2 === 0;
    const t = rand() * 2 * Math.PI, r = Math.sqrt(rand()) * 0.85;
    vessels.push({ x: (left ? 176 : 336) + 66 * r * Math.cos(t), y: 232 + 92 * r * Math.sin(t), r: 1.5 + rand() * 3 });
  }
  const ribs = [];
  for (let k = 0; k < 12; k++) {
    const side = k < 6 ? -1 : 1;
    const ang = (-0.75 + (k % 6) * 0.3) * Math.PI / 2; // spread around each side
    ribs.push({ x: 256 + side * 182 * Math.cos(ang), y: 250 + 132 * Math.sin(ang), a: 9, b: 5 });
  }
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      let hu;
      if ((x - 255.5) ** 2 + (y - 255.5) ** 2 > 254 ** 2) { px[y * columns + x] = -2000; continue; }
      hu = -1000;
      if (y >= 436 && y < 446 && Math.abs(x - 256) < 230) hu = 150;                  // table top
      else if (y >= 446 && y < 470 && Math.abs(x - 256) < 200) hu = -600;            // table core
      const body = ell(x, y, 256, 250, 205, 158);
      if (body < 1) {
        hu = ell(x, y, 256, 250, 190, 143) < 1 ? 40 : -100;                          // fat rim, soft tissue
        if (ell(x, y, 256, 250, 188, 141) < 1 && ell(x, y, 256, 250, 176, 130) >= 1) hu = -90;
        if (ell(x, y, 205, 330, 60, 22) < 1 || ell(x, y, 307, 330, 60, 22) < 1) hu = 55;  // muscles
        const inLungL = ell(x, y, 176, 232, 72, 98) < 1;
        const inLungR = ell(x, y, 336, 232, 72, 98) < 1;
        if (inLungL || inLungR) {
          hu = -800 + 60 * (y - 232) / 98;                                             // gravity gradient
          for (const v of vessels) if ((x - v.x) ** 2 + (y - v.y) ** 2 < v.r * v.r) { hu = 30; break; }
        }
        if (ell(x, y, 282, 262, 62, 56) < 1) hu = 45;                                   // heart
        if ((x - 232) ** 2 + (y - 318) ** 2 < 14 ** 2) hu = 180;                        // aorta (contrast)
        if (Math.abs(x - 256) < 16 && y > 104 && y < 116) hu = 650;                     // sternum
        for (const r of ribs) if (ell(x, y, r.x, r.y, r.a, r.b) < 1) { hu = ell(x, y, r.x, r.y, r.a - 3, r.b - 2) < 1 ? 300 : 1000; break; }
        const dv = (x - 256) ** 2 + (y - 362) ** 2;                                      // vertebra
        if (dv < 24 ** 2) hu = dv < 17 ** 2 ? 250 : 1000;
        if (ell(x, y, 256, 392, 8, 14) < 1) hu = 1000;                                  // spinous process
      }
      px[y * columns + x] = Math.round(hu + 10 * noise());
    }
  }
  return {
    name: 'ct-512-s16', label: 'CT 512×512 signed 16-bit',
    info: { rows, columns, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 1,
      samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2' },
    modality: 'CT', sopClass: '1.2.840.10008.5.1.4.1.1.2', imageType: 'ORIGINAL\\PRIMARY\\AXIAL',
    extra: { windowCenter: '40', windowWidth: '400', rescaleIntercept: '0', rescaleSlope: '1', rescaleType: 'HU' },
    pixels: px,
  };
}

// 2048×2048 chest DX, 14 bits stored in 16, unsigned, MONOCHROME2 (dense = bright). Smooth
// body/lung/mediastinum/rib/clavicle gradients, a low-frequency exposure field, quantum-like noise
// (σ grows with √signal) and a black shutter outside the collimated field.
function makeDX() {
  const rows = 2048, columns = 2048, maxV = (1 << 14) - 1;
  const noise = gaussian(mulberry32(0xd8204));
  const px = new Uint16Array(rows * columns);
  const cx = 1024;
  for (let y = 0; y < rows; y++) {
    const fy = y / rows;
    for (let x = 0; x < columns; x++) {
      if (x < 70 || x >= 1990 || y < 52 || y >= 2010) { px[y * columns + x] = 0; continue; }
      const fx = x / columns;
      let v = 1400 + 500 * fx + 300 * Math.sin(3.1 * fy + 0.4);                          // direct exposure
      const body = ell(x, y, cx, 1180, 860, 1150);
      if (body < 1) {
        const thick = Math.sqrt(1 - body);
        v += 6800 * smoothstep(0, 0.35, thick) + 900 * thick;
        const lungL = ell(x, y, cx - 380, 1010, 300, 620), lungR = ell(x, y, cx + 380, 1010, 300, 620);
        const lung = Math.max(lungL < 1 ? Math.sqrt(1 - lungL) : 0, lungR < 1 ? Math.sqrt(1 - lungR) : 0);
        v -= 4200 * smoothstep(0, 0.5, lung);
        const heart = ell(x, y, cx + 110, 1320, 330, 300);
        if (heart < 1) v += 2600 * smoothstep(0, 0.4, Math.sqrt(1 - heart));
        const spine = Math.abs(x - cx) / 85;
        if (spine < 1) v += 2400 * Math.sqrt(1 - spine * spine);
        // ribs: curved bands crossing the lung fields
        for (let k = 0; k < 10; k++) {
          const ry = 520 + k * 125 + 0.00042 * (x - cx) ** 2;
          const d = Math.abs(y - ry) / 26;
          if (d < 1 && Math.abs(x - cx) > 90 && Math.abs(x - cx) < 720) v += 1300 * (1 - d * d);
        }
        for (const s of [-1, 1]) {                                                        // clavicles
          const d = Math.abs(y - (430 + 0.00018 * (x - cx - s * 330) ** 2)) / 32;
          if (d < 1 && Math.abs(x - cx - s * 330) < 320) v += 1700 * (1 - d * d);
        }
        v += 350 * Math.sin(fx * 9.7 + fy * 4.1) * Math.cos(fy * 7.3 - fx * 2.2);        // soft texture
      }
      v += (0.9 * Math.sqrt(v) + 4) * noise();
      px[y * columns + x] = clamp(Math.round(v), 0, maxV);
    }
  }
  return {
    name: 'dx-2048-u16', label: 'DX 2048×2048 unsigned 16-bit (14 stored)',
    info: { rows, columns, bitsAllocated: 16, bitsStored: 14, highBit: 13, pixelRepresentation: 0,
      samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2' },
    modality: 'DX', sopClass: '1.2.840.10008.5.1.4.1.1.1.1', imageType: 'ORIGINAL\\PRIMARY',
    extra: { windowCenter: '8000', windowWidth: '12000' },
    pixels: px,
  };
}

// 640×480 ultrasound, 8-bit RGB: grey speckle sector (Rayleigh speckle, correlated over a few
// pixels, depth gain, a cyst, bright interfaces) with a colour-Doppler box (red/blue flow in a
// vessel), a colour bar, green box outline and white annotation text blocks on black.
function makeUS() {
  const rows = 480, columns = 640;
  const rand = mulberry32(0x05640);
  const rgb = new Uint8Array(rows * columns * 3);
  // speckle field: Rayleigh amplitudes on a coarse grid, bilinearly upsampled ×2 laterally.
  const sw = columns / 2 + 2, sh = rows + 1;
  const speck = new Float32Array(sw * sh);
  for (let i = 0; i < speck.length; i++) speck[i] = Math.sqrt(-2 * Math.log(1 - rand())) * 0.8;
  const speckleAt = (x, y) => {
    const gx = x / 2, ix = gx | 0, t = gx - ix;
    const a = speck[y * sw + ix], b = speck[y * sw + ix + 1];
    const c = speck[(y + 1) * sw + ix], d = speck[(y + 1) * sw + ix + 1];
    return 0.5 * ((a * (1 - t) + b * t) + (c * (1 - t) + d * t));
  };
  const apexX = 320, apexY = 30, r0 = 40, r1 = 450, halfAngle = 37 * Math.PI / 180;
  const set = (x, y, r, g, b) => { const o = (y * columns + x) * 3; rgb[o] = r; rgb[o + 1] = g; rgb[o + 2] = b; };
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const dx = x - apexX, dy = y - apexY;
      const rr = Math.sqrt(dx * dx + dy * dy), th = Math.atan2(dx, dy);
      if (rr < r0 || rr > r1 || Math.abs(th) > halfAngle) continue;                       // black
      let echo = 70 + 30 * Math.sin(rr / 37) * Math.cos(th * 5.0);                      // tissue layers
      if (Math.abs(rr - 120 - 12 * Math.sin(th * 4)) < 4) echo += 110;                  // fascia
      if (Math.abs(rr - 330 + 20 * Math.cos(th * 3)) < 6) echo += 90;                   // deeper interface
      const cyst = ell(x, y, 250, 250, 48, 34);
      if (cyst < 1) echo *= 0.08;                                                          // anechoic
      else if (cyst < 1.25) echo += 60;                                                    // wall
      if (cyst >= 1 && ell(x, y, 250, 250 + 40, 52, 18) < 1) echo *= 1.5;               // enhancement
      echo *= 1.0 - 0.45 * (rr - r0) / (r1 - r0);                                          // attenuation after TGC
      const g = clamp(Math.round(echo * speckleAt(x, y)), 0, 255);
      set(x, y, g, g, g);
    }
  }
  // colour Doppler box: sector between angles and depths, flow in a slanted vessel
  const cb = { a0: -8 * Math.PI / 180, a1: 16 * Math.PI / 180, d0: 170, d1: 300 };
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const dx = x - apexX, dy = y - apexY;
      const rr = Math.sqrt(dx * dx + dy * dy), th = Math.atan2(dx, dy);
      if (rr < cb.d0 || rr > cb.d1 || th < cb.a0 || th > cb.a1) continue;
      const edge = Math.abs(rr - cb.d0) < 1 || Math.abs(rr - cb.d1) < 1 ||
        Math.abs(th - cb.a0) * rr < 1 || Math.abs(th - cb.a1) * rr < 1;
      if (edge) { set(x, y, 40, 200, 40); continue; }
      const vesselD = Math.abs((y - 235) - 0.35 * (x - 350)) / 1.06;                     // distance to axis
      if (vesselD < 14) {
        const prof = 1 - (vesselD / 14) ** 2;                                             // laminar profile
        const v = prof * (0.75 + 0.25 * Math.sin(x / 9)) + 0.08 * (rand() - 0.5);
        const s = clamp(v, 0, 1);
        if (x < 365) set(x, y, Math.round(120 + 135 * s), Math.round(40 * s * s), 0);    // toward: red
        else set(x, y, 0, Math.round(60 * s * s), Math.round(120 + 135 * s));           // away: blue
      }
    }
  }
  for (let y = 90; y < 330; y++) {                                                         // colour bar
    const t = (y - 90) / 239;
    const r = t < 0.5 ? Math.round(255 * (1 - 2 * t)) : 0, b = t >= 0.5 ? Math.round(255 * (2 * t - 1)) : 0;
    const gch = Math.round(70 * (1 - Math.abs(2 * t - 1)));
    for (let x = 604; x < 616; x++) set(x, y, r, gch, b);
  }
  // annotation "text": 5×7 glyph blocks from the PRNG, white, top left and right
  const glyphs = (x0, y0, n) => {
    for (let k = 0; k < n; k++) {
      const bits = Math.floor(rand() * 2 ** 30);
      for (let gy = 0; gy < 7; gy++) for (let gx = 0; gx < 5; gx++) {
        if ((bits >>> ((gy * 5 + gx) % 30)) & 1) set(x0 + k * 7 + gx, y0 + gy, 230, 230, 230);
      }
    }
  };
  glyphs(8, 8, 14); glyphs(8, 20, 10); glyphs(8, 32, 12); glyphs(520, 8, 15); glyphs(560, 460, 10);
  return {
    name: 'us-640x480-rgb', label: 'US 640×480 8-bit RGB',
    info: { rows, columns, bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 0,
      samplesPerPixel: 3, photometricInterpretation: 'RGB', planarConfiguration: 0 },
    modality: 'US', sopClass: '1.2.840.10008.5.1.4.1.1.6.1', imageType: 'ORIGINAL\\PRIMARY',
    extra: {},
    pixels: rgb,
  };
}

export const PHANTOMS = [makeCT, makeDX, makeUS];

// ---------------------------------------------------------------- tools
/** A command line's version (from `pattern` in its output), or null when it is not installed. */
export function toolVersion(command, args, pattern) {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error || (r.status !== 0 && !`${r.stdout}${r.stderr}`.match(pattern))) return null;
  return `${r.stdout}${r.stderr}`.match(pattern)?.[1] ?? 'unknown';
}

function run(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

/** The encapsulated fragments of a Part 10 file (copies), with its parsed dataset. */
function fragmentsOf(file) {
  const dicomParser = require('dicom-parser');
  const bytes = new Uint8Array(fs.readFileSync(file));
  const dataset = dicomParser.parseDicom(bytes);
  const el = dataset.elements.x7fe00010;
  if (!el?.fragments?.length) throw new Error(`${file} has no encapsulated fragments`);
  return { dataset, fragments: el.fragments.map((f) => bytes.slice(f.position, f.position + f.length)) };
}
/** The one fragment of a single-fragment file. */
function onlyFragment(file) {
  const { dataset, fragments } = fragmentsOf(file);
  if (fragments.length !== 1) throw new Error(`expected one fragment in ${file}, got ${fragments.length}`);
  return { dataset, fragment: fragments[0] };
}

/** dcmjs-codecs (DCMTK in WASM) with a phantom's stored values as the decoded buffer. */
async function dcmjsContext(ph, planarConfiguration = 0) {
  const { NativeCodecs, Context } = require('dcmjs-codecs');
  if (!NativeCodecs.isInitialized()) await NativeCodecs.initializeAsync();
  return { NativeCodecs, context: new Context({ ...dcmjsAttributes(ph.info, planarConfiguration), decodedBuffer: storedBytes(ph.pixels) }) };
}
/** Release dcmjs-codecs after encoding, so that a suite times its own initialisation. */
function releaseDcmjs() {
  require('dcmjs-codecs').NativeCodecs.release();
}

/**
 * A manifest in bench/data if it has `version` and every file `files(image)` names exists, else
 * null (the inputs are then made again).
 */
function currentManifest(file, version, files) {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    return m.version === version && m.images.every((im) => files(im).every((f) => fs.existsSync(path.join(DATA_DIR, f)))) ? m : null;
  } catch { return null; }
}
function saveManifest(file, manifest) {
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** BENCH_ENCODER / --encoder as it applies to one set: the tool's name or 'wasm', else undefined. */
const encoderFor = (tool, encoder = process.env.BENCH_ENCODER) => (encoder === tool || encoder === 'wasm' ? encoder : undefined);

// ---------------------------------------------------------------- RLE inputs (bench/rle.mjs)
function encodeWithDcmcrle(ph, nativePath, rlePath) {
  run('dcmcrle', [nativePath, rlePath]);
  const { dataset, fragment } = onlyFragment(rlePath);
  const ts = dataset.string('x00020010');
  if (ts !== '1.2.840.10008.1.2.5') throw new Error(`dcmcrle wrote transfer syntax ${ts}`);
  const info = { ...ph.info };
  if (info.samplesPerPixel > 1) info.planarConfiguration = dataset.uint16('x00280006') ?? 0;
  return { fragment, info };
}
async function encodeRleWithWasm(ph) {
  const { NativeCodecs, context } = await dcmjsContext(ph, ph.info.planarConfiguration ?? 0);
  const out = NativeCodecs.encodeRle(context);
  const info = { ...ph.info };
  if (info.samplesPerPixel > 1) info.planarConfiguration = out.getPlanarConfiguration() ?? info.planarConfiguration;
  return { fragment: new Uint8Array(out.getEncodedBuffer()), info };
}

/** Make (or reuse) the RLE bench inputs; returns manifest.json. */
export async function makeData({ force = false, encoder: wanted, log = console.log } = {}) {
  const encoder = encoderFor('dcmcrle', wanted);
  const current = currentManifest(MANIFEST, DATA_VERSION, (im) => [im.fragmentFile, im.rawFile]);
  if (!force && current && (!encoder || current.encoderKind === encoder)) return current;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const dcmtkVersion = encoder === 'wasm' ? null : toolVersion('dcmcrle', ['--version'], /v(\d+\.\d+\.\d+)/);
  if (encoder === 'dcmcrle' && !dcmtkVersion) throw new Error('dcmcrle is not on PATH');
  const encoderName = dcmtkVersion ? `dcmcrle (DCMTK ${dcmtkVersion})` : 'dcmjs-codecs NativeCodecs.encodeRle (DCMTK, WASM)';
  log(`making bench inputs in bench/data with ${encoderName} ...`);
  const images = [];
  for (const make of PHANTOMS) {
    const t0 = performance.now();
    const ph = make();
    const nativePath = path.join(DATA_DIR, `${ph.name}.dcm`);
    const rlePath = path.join(DATA_DIR, `${ph.name}.rle.dcm`);
    fs.writeFileSync(nativePath, writeNativeDicom(ph));
    const { fragment, info } = dcmtkVersion ? encodeWithDcmcrle(ph, nativePath, rlePath) : await encodeRleWithWasm(ph);
    const fragmentFile = `${ph.name}.rle`, rawFile = `${ph.name}.raw`;
    fs.writeFileSync(path.join(DATA_DIR, fragmentFile), fragment);
    fs.writeFileSync(path.join(DATA_DIR, rawFile), storedBytes(ph.pixels));
    fs.rmSync(nativePath);
    const rawBytes = ph.pixels.byteLength;
    images.push({ name: ph.name, label: ph.label, fragmentFile, rawFile, info,
      rleFile: dcmtkVersion ? `${ph.name}.rle.dcm` : null,
      fragmentBytes: fragment.length, rawBytes, compression: +(rawBytes / fragment.length).toFixed(2) });
    log(`  ${ph.name}: ${rawBytes} B → ${fragment.length} B RLE (${(rawBytes / fragment.length).toFixed(2)}:1), ` +
      `planar ${info.planarConfiguration ?? '-'}, ${(performance.now() - t0).toFixed(0)} ms`);
  }
  if (!dcmtkVersion) releaseDcmjs();
  return saveManifest(MANIFEST, { version: DATA_VERSION, encoder: encoderName, encoderKind: dcmtkVersion ? 'dcmcrle' : 'wasm', images });
}

// ---------------------------------------------------------------- JPEG inputs (bench/jpeg.mjs)
// JPEG Lossless process 14, selection value 1 (what transfer syntax .70 means) for every phantom,
// and Baseline q90 for the RGB one, by DCMTK `dcmcjpeg` when it is on PATH, otherwise by DCMTK's
// encoder compiled to WASM (dcmjs-codecs `NativeCodecs.encodeJpeg`). <name>.jpll / <name>.jpbl
// are the frame's fragments concatenated; jpeg-manifest.json records them and the encoder.
export const JPEG_MANIFEST = path.join(DATA_DIR, 'jpeg-manifest.json');
export const JPEG_DATA_VERSION = 1;

async function encodeJpegWithWasm(ph, lossless) {
  const { NativeCodecs, context } = await dcmjsContext(ph);
  const out = NativeCodecs.encodeJpeg(context, lossless ? { lossy: false, predictor: 1 } : { lossy: true, quality: 90 });
  return { fragment: new Uint8Array(out.getEncodedBuffer()),
    photometric: out.getPhotometricInterpretation?.() ?? (lossless ? ph.info.photometricInterpretation : 'YBR_FULL_422') };
}

/** Make (or reuse) the JPEG Lossless and Baseline bench inputs; returns jpeg-manifest.json. */
export async function makeJpegData({ force = false, encoder: wanted, log = console.log } = {}) {
  const current = currentManifest(JPEG_MANIFEST, JPEG_DATA_VERSION, (im) => [im.file]);
  if (!force && current) return current;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const encoder = encoderFor('dcmcjpeg', wanted);
  const version = encoder === 'wasm' ? null : toolVersion('dcmcjpeg', ['--version'], /v(\d+\.\d+\.\d+)/);
  if (encoder === 'dcmcjpeg' && !version) throw new Error('dcmcjpeg is not on PATH');
  const encoderName = version ? `dcmcjpeg (DCMTK ${version})` : 'dcmjs-codecs NativeCodecs.encodeJpeg (DCMTK, WASM)';
  log(`making JPEG bench inputs in bench/data with ${encoderName} ...`);
  const images = [];
  for (const make of PHANTOMS) {
    const ph = make();
    const rawFile = `${ph.name}.raw`;
    const a = ph.pixels;
    fs.writeFileSync(path.join(DATA_DIR, rawFile), storedBytes(a));
    const nativePath = path.join(DATA_DIR, `${ph.name}.dcm`);
    if (version) fs.writeFileSync(nativePath, writeNativeDicom(ph));
    const kinds = [{ kind: 'lossless', args: ['+e1'] }];
    if (ph.info.samplesPerPixel === 3) kinds.push({ kind: 'baseline', args: ['+eb', '+q', '90'] });
    for (const { kind, args } of kinds) {
      const file = `${ph.name}.${kind === 'lossless' ? 'jpll' : 'jpbl'}`;
      let fragment, photometric;
      if (version) {
        const dcm = path.join(DATA_DIR, `${ph.name}.${kind}.dcm`);
        run('dcmcjpeg', [...args, nativePath, dcm]);
        const { dataset, fragments } = fragmentsOf(dcm);
        fragment = fragments.length === 1 ? fragments[0] : concat(fragments);
        photometric = dataset.string('x00280004');
        fs.rmSync(dcm);
      } else {
        ({ fragment, photometric } = await encodeJpegWithWasm(ph, kind === 'lossless'));
      }
      fs.writeFileSync(path.join(DATA_DIR, file), fragment);
      images.push({ name: `${ph.name}-${kind}`, label: `${ph.label}, ${kind === 'lossless' ? 'JPEG Lossless SV1' : 'JPEG Baseline q90'}`,
        kind, file, rawFile, info: { ...ph.info, photometricInterpretation: photometric }, fragmentBytes: fragment.length,
        rawBytes: a.byteLength, compression: +(a.byteLength / fragment.length).toFixed(2) });
      log(`  ${ph.name} ${kind}: ${a.byteLength} B → ${fragment.length} B (${(a.byteLength / fragment.length).toFixed(2)}:1)`);
    }
    if (version) fs.rmSync(nativePath);
  }
  if (!version) releaseDcmjs();
  return saveManifest(JPEG_MANIFEST, { version: JPEG_DATA_VERSION, encoder: encoderName, images });
}

// ---------------------------------------------------------------- JPEG-LS, JPEG 2000 and HTJ2K inputs (bench/codecs.mjs)
// The same phantoms, losslessly encoded: JPEG-LS by DCMTK `dcmcjpls`, JPEG 2000 by OpenJPEG
// `opj_compress` (defaults: 5 decomposition levels, 64×64 code-blocks, one tile; RCT for RGB),
// falling back to the CharLS / OpenJPEG encoders of the @cornerstonejs codec packages when the
// tools are not on PATH; HTJ2K always by the OpenJPH encoder of @cornerstonejs/codec-openjph
// (Debian's ojph_compress 0.9 writes 16-bit signed streams other decoders misread). Each
// <name>.<jls|j2k|htj2k> is the bare codestream (one fragment); codecs-manifest.json records who made it.
//
// Lossy JPEG 2000 (transfer syntax .91), kept apart in each image's `lossy.j2k` so that the suites
// that walk `codestreams` see only lossless ones: `opj_compress -I -r RATE` (the 9/7 irreversible
// wavelet, ICT for RGB, one quality layer; RATE in LOSSY_RATES, over the stored bits), as
// <name>.lossy.j2k, with its reference output <name>.lossy.ref (what `opj_decompress` makes of it,
// as stored values little endian, interleaved, like <name>.raw). Without opj_compress: the
// OpenJPEG encoder of @cornerstonejs/codec-openjpeg, the reference then its decoder's output.
// With opj_compress, each JPEG 2000 stream also has a 1×1 twin (`baselineFile`: the same
// components, precision, sign and wavelet, one resolution) that bench/codecs.mjs decodes with the
// native tools to measure what a process costs besides the decode.
export const CODEC_MANIFEST = path.join(DATA_DIR, 'codecs-manifest.json');
export const CODEC_DATA_VERSION = 2;
/** opj_compress -r for the lossy streams: about 10:1 for CT and DX; the US phantom is already ~10:1 lossless. */
export const LOSSY_RATES = { 'ct-512-s16': 10, 'dx-2048-u16': 10, 'us-640x480-rgb': 30 };

function frameInfoOf(info) {
  return {
    width: info.columns, height: info.rows, bitsPerSample: info.bitsStored, componentCount: info.samplesPerPixel,
    isSigned: info.pixelRepresentation === 1, isUsingColorTransform: info.samplesPerPixel === 3,
  };
}

async function wasmEncode(pkg, className, ph, configure) {
  const codec = await rootRequire(pkg)({ print() {}, printErr() {} });
  const encoder = new codec[className]();
  encoder.getDecodedBuffer(frameInfoOf(ph.info)).set(storedBytes(ph.pixels));
  configure(encoder);
  encoder.encode();
  const out = encoder.getEncodedBuffer().slice();
  encoder.delete();
  return out;
}

/** @cornerstonejs/codec-openjpeg's decode of a codestream: little-endian interleaved stored values. */
async function wasmDecodeJ2k(codestream) {
  const codec = await rootRequire('@cornerstonejs/codec-openjpeg/decodewasmjs')({ print() {}, printErr() {} });
  const decoder = new codec.J2KDecoder();
  decoder.getEncodedBuffer(codestream.length).set(codestream);
  decoder.decode();
  const out = decoder.getDecodedBuffer().slice();
  decoder.delete();
  return out;
}

/** PGM/PPM for unsigned data, little-endian raw for signed (opj_compress -F). */
function writeOpjInput(ph, stem) {
  const { info } = ph;
  if (info.pixelRepresentation === 1) {
    fs.writeFileSync(`${stem}.rawl`, storedBytes(ph.pixels));
    return [`${stem}.rawl`, '-F', `${info.columns},${info.rows},1,${info.bitsAllocated},s`];
  }
  const maxval = 2 ** info.bitsStored - 1;
  const head = Buffer.from(`${info.samplesPerPixel === 3 ? 'P6' : 'P5'}\n${info.columns} ${info.rows}\n${maxval}\n`);
  let body = Buffer.from(storedBytes(ph.pixels));
  if (info.bitsAllocated === 16) body = Buffer.from(body).swap16(); // PNM samples are big endian
  fs.writeFileSync(`${stem}.${info.samplesPerPixel === 3 ? 'ppm' : 'pgm'}`, Buffer.concat([head, body]));
  return [`${stem}.${info.samplesPerPixel === 3 ? 'ppm' : 'pgm'}`];
}

/**
 * RAWL as opj_decompress and grk_decompress write it (component after component, little endian,
 * 1 byte a sample up to 8 bits, else 2) → stored values interleaved, little endian (as <name>.raw).
 */
export function interleaveRawl(bytes, info) {
  const n = info.rows * info.columns, spp = info.samplesPerPixel, size = info.bitsAllocated > 8 ? 2 : 1;
  if (bytes.length !== n * spp * size) throw new Error(`RAWL output of ${bytes.length} bytes, expected ${n * spp * size}`);
  if (spp === 1) return new Uint8Array(bytes);
  const out = new Uint8Array(bytes.length);
  for (let c = 0; c < spp; c++) {
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < size; b++) out[(i * spp + c) * size + b] = bytes[(c * n + i) * size + b];
    }
  }
  return out;
}

/** A 1×1 phantom like `ph` (same components, bits and sign). */
function onePixel(ph) {
  const Type = ph.pixels.constructor;
  return { ...ph, info: { ...ph.info, rows: 1, columns: 1 }, pixels: new Type(ph.info.samplesPerPixel).fill(ph.info.pixelRepresentation ? -1 : 1) };
}

/** Make (or reuse) the JPEG-LS, JPEG 2000 and HTJ2K bench inputs; returns codecs-manifest.json. */
export async function makeCodecData({ force = false, log = console.log } = {}) {
  const files = (im) => [im.rawFile, ...Object.values(im.codestreams).map((c) => c.file),
    im.lossy.j2k.file, im.lossy.j2k.referenceFile,
    ...[im.codestreams.j2k.baselineFile, im.lossy.j2k.baselineFile].filter(Boolean)];
  const current = currentManifest(CODEC_MANIFEST, CODEC_DATA_VERSION, files);
  if (!force && current) return current;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const dcmtk = toolVersion('dcmcjpls', ['--version'], /v(\d+\.\d+\.\d+)/);
  const openjpeg = toolVersion('opj_compress', ['-h'], /OpenJPEG version (\d+\.\d+\.\d+)/) ??
    toolVersion('opj_compress', ['-h'], /library v(\d+\.\d+\.\d+)/);
  const opjDecompress = openjpeg && toolVersion('opj_decompress', ['-h'], /library v(\d+\.\d+\.\d+)/);
  // the packages' exports hide package.json: read it next to their dist/ folder
  const version = (pkg) => JSON.parse(fs.readFileSync(path.join(path.dirname(rootRequire.resolve(pkg)), '..', 'package.json'), 'utf8')).version;
  const openjpegJs = `@cornerstonejs/codec-openjpeg ${version('@cornerstonejs/codec-openjpeg')}`;
  const encoders = {
    jls: dcmtk ? `dcmcjpls (DCMTK ${dcmtk})` : `@cornerstonejs/codec-charls ${version('@cornerstonejs/codec-charls')} JpegLSEncoder`,
    j2k: openjpeg ? `opj_compress (OpenJPEG ${openjpeg})` : `${openjpegJs} J2KEncoder`,
    htj2k: `@cornerstonejs/codec-openjph ${version('@cornerstonejs/codec-openjph')} HTJ2KEncoder`,
    j2kLossy: openjpeg ? `opj_compress -I -r RATE (OpenJPEG ${openjpeg})` : `${openjpegJs} J2KEncoder, irreversible`,
  };
  const lossyReference = opjDecompress ? `opj_decompress (OpenJPEG ${opjDecompress})` : `${openjpegJs} J2KDecoder`;
  log(`making JPEG-LS / JPEG 2000 / HTJ2K bench inputs with ${Object.values(encoders).join(', ')} ...`);
  const tmp = fs.mkdtempSync(path.join(DATA_DIR, '.tmp-'));
  const images = [];
  try {
    for (const make of PHANTOMS) {
      const ph = make();
      const stem = path.join(tmp, ph.name);
      const rawFile = `${ph.name}.raw`;
      const rate = LOSSY_RATES[ph.name] ?? 10;
      fs.writeFileSync(path.join(DATA_DIR, rawFile), storedBytes(ph.pixels));
      const streams = {};
      let lossy, lossyRef;
      const baselines = {};
      if (dcmtk) {
        fs.writeFileSync(`${stem}.dcm`, writeNativeDicom(ph));
        run('dcmcjpls', [`${stem}.dcm`, `${stem}.jls.dcm`]);
        streams.jls = onlyFragment(`${stem}.jls.dcm`).fragment;
      } else {
        streams.jls = await wasmEncode('@cornerstonejs/codec-charls/wasmjs', 'JpegLSEncoder', ph, (e) => {
          // line interleaved for colour; CharLS refuses an interleave mode for one component
          if (ph.info.samplesPerPixel > 1) e.setInterleaveMode(1);
        });
      }
      if (openjpeg) {
        const [input, ...options] = writeOpjInput(ph, stem);
        run('opj_compress', ['-i', input, '-o', `${stem}.j2k`, ...options]);
        streams.j2k = new Uint8Array(fs.readFileSync(`${stem}.j2k`));
        run('opj_compress', ['-i', input, '-o', `${stem}.lossy.j2k`, ...options, '-I', '-r', String(rate)]);
        lossy = new Uint8Array(fs.readFileSync(`${stem}.lossy.j2k`));
        // the 1×1 twins: one resolution (a 1×1 image has no room for more)
        const [input1, ...options1] = writeOpjInput(onePixel(ph), `${stem}.1x1`);
        run('opj_compress', ['-i', input1, '-o', `${stem}.1x1.j2k`, ...options1, '-n', '1']);
        run('opj_compress', ['-i', input1, '-o', `${stem}.lossy.1x1.j2k`, ...options1, '-n', '1', '-I', '-r', String(rate)]);
        baselines.j2k = new Uint8Array(fs.readFileSync(`${stem}.1x1.j2k`));
        baselines.j2kLossy = new Uint8Array(fs.readFileSync(`${stem}.lossy.1x1.j2k`));
      } else {
        streams.j2k = await wasmEncode('@cornerstonejs/codec-openjpeg/wasmjs', 'J2KEncoder', ph, (e) => e.setQuality(true, 0));
        lossy = await wasmEncode('@cornerstonejs/codec-openjpeg/wasmjs', 'J2KEncoder', ph, (e) => { e.setQuality(false, 0); e.setCompressionRatio(0, rate); });
      }
      if (opjDecompress) {
        run('opj_decompress', ['-quiet', '-threads', '1', '-i', `${stem}.lossy.j2k`, '-o', `${stem}.lossy.rawl`]);
        lossyRef = interleaveRawl(fs.readFileSync(`${stem}.lossy.rawl`), ph.info);
      } else {
        lossyRef = await wasmDecodeJ2k(lossy);
      }
      streams.htj2k = await wasmEncode('@cornerstonejs/codec-openjph/wasmjs', 'HTJ2KEncoder', ph, (e) => e.setQuality(true, 0));
      const entry = (file, bytes, encoder) => ({ file, bytes: bytes.length, compression: +(ph.pixels.byteLength / bytes.length).toFixed(2), encoder });
      const codestreams = {};
      for (const [kind, bytes] of Object.entries(streams)) {
        const file = `${ph.name}.${kind}`;
        fs.writeFileSync(path.join(DATA_DIR, file), bytes);
        codestreams[kind] = entry(file, bytes, encoders[kind]);
      }
      const lossyEntry = { ...entry(`${ph.name}.lossy.j2k`, lossy, encoders.j2kLossy.replace('RATE', rate)), rate,
        referenceFile: `${ph.name}.lossy.ref`, reference: lossyReference };
      fs.writeFileSync(path.join(DATA_DIR, lossyEntry.file), lossy);
      fs.writeFileSync(path.join(DATA_DIR, lossyEntry.referenceFile), lossyRef);
      if (baselines.j2k) {
        codestreams.j2k.baselineFile = `${ph.name}.1x1.j2k`;
        lossyEntry.baselineFile = `${ph.name}.lossy.1x1.j2k`;
        fs.writeFileSync(path.join(DATA_DIR, codestreams.j2k.baselineFile), baselines.j2k);
        fs.writeFileSync(path.join(DATA_DIR, lossyEntry.baselineFile), baselines.j2kLossy);
      }
      images.push({ name: ph.name, label: ph.label, info: ph.info, rawFile, rawBytes: ph.pixels.byteLength, codestreams, lossy: { j2k: lossyEntry } });
      log(`  ${ph.name}: ${Object.entries(codestreams).map(([k, c]) => `${k} ${c.compression}:1`).join(', ')}, ` +
        `j2k lossy ${lossyEntry.compression}:1 (-r ${rate})`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return saveManifest(CODEC_MANIFEST, { version: CODEC_DATA_VERSION, encoders, lossyReference, images });
}

// ---------------------------------------------------------------- command line
if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const encoder = args.find((a) => a.startsWith('--encoder='))?.slice(10) ?? process.env.BENCH_ENCODER;
  const force = args.includes('--force');
  await makeData({ force, encoder });
  await makeJpegData({ force, encoder });
  await makeCodecData({ force });
}
