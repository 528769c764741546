/**
 * The dicom-pixels JPEG 2000 Part 1 decoder: headers and tier-2 here (tier2.ts), tier-1, the
 * inverse wavelet transform, the component transform and the store in the kernels
 * (assembly/j2k/). `unsupported` says which codestreams it leaves to OpenJPEG.
 */
import { check, DecodeError } from '../../errors.js';
import type { PixelInfo } from '../../types.js';
import type { RawFrame } from '../../raw.js';
import type { Kernels } from '../../wasm/kernels.js';
import { codecFrame, type DecodeContext } from '../decoder.js';
import { parseCodestream, type Codestream } from './codestream.js';
import { readPackets, tileLayout, type TileLayout } from './tier2.js';

/** i32 fields per code-block in the kernels' table (assembly/j2k/t1.ts, BLOCK_FIELDS). */
const BLOCK_FIELDS = 12;

/** Why this decoder leaves a parsed codestream to OpenJPEG, or undefined when it decodes it. */
export function unsupported(stream: Codestream): string | undefined {
  const { components } = stream.size;
  const first = components[0]!;
  if (stream.packedMainHeaders) return 'packed packet headers in the main header (PPM)';
  for (const component of components) {
    if (component.dx !== 1 || component.dy !== 1) return 'subsampled components';
    if (component.precision !== first.precision || component.signed !== first.signed) return 'components with different precision or sign';
  }
  if (first.precision > 16) return `a precision of ${first.precision} bits`;
  for (const tile of stream.tiles) {
    const { parameters } = tile;
    if (parameters.roiShift.some((shift) => shift > 0)) return 'a region of interest (RGN)';
  }
  return undefined;
}

/** Parse the codestream of a frame (bytes from its SOC marker). */
export function parse(bytes: Uint8Array, transferSyntaxUID: string): Codestream {
  return parseCodestream(bytes, transferSyntaxUID);
}

/**
 * Decode a parsed codestream into kernel memory at resolution level `level` (0 full; the caller
 * clamps it to the fewest decomposition levels), all layers.
 */
export function decodeCodestream(bytes: Uint8Array, stream: Codestream, info: PixelInfo, context: DecodeContext, level: number, lossySyntax: boolean): RawFrame {
  const { kernels, transferSyntaxUID } = context;
  const corrupt = (detail: string) => new DecodeError('CORRUPT_DATA', `JPEG 2000 codestream: ${detail}`, transferSyntaxUID);
  const { size } = stream;
  if (stream.tiles.length < size.tilesAcross * size.tilesDown) {
    throw new DecodeError('TRUNCATED', `the JPEG 2000 codestream has ${stream.tiles.length} of its ${size.tilesAcross * size.tilesDown} tiles`, transferSyntaxUID);
  }
  // The caller clamps `level` to the main header's levels (COD, COC); a tile-part's own COD / COC
  // may give a tile fewer, and every tile decodes at the same reduction.
  for (const tile of stream.tiles) for (const style of tile.parameters.styles) level = Math.min(level, style.levels);
  const scale = 2 ** level;
  const imageX0 = Math.ceil(size.x0 / scale);
  const imageY0 = Math.ceil(size.y0 / scale);
  const columns = Math.ceil(size.x1 / scale) - imageX0;
  const rows = Math.ceil(size.y1 / scale) - imageY0;
  const count = size.components.length;
  const { precision, signed } = size.components[0]!;
  const sampleBytes = precision <= 8 ? 1 : 2;
  const frameBytes = rows * columns * count * sampleBytes;
  const dst = kernels.alloc(frameBytes);
  // Each tile's working regions are freed before the next tile's.
  const mark = kernels.mark();
  let complete = true;
  for (const tile of stream.tiles) {
    const layout = tileLayout(size, tile, corrupt);
    const packets = readPackets(bytes, tile, layout, tile.parameters.layers, transferSyntaxUID, corrupt);
    if (!packets.complete) complete = false;
    const planes = decodeTile(kernels, layout, packets.source, level, transferSyntaxUID);
    storeTile(kernels, layout, level, planes, { dst, frameBytes, columns, imageX0, imageY0, count, sampleBytes, precision, signed }, transferSyntaxUID);
    kernels.release(mark);
  }
  return codecFrame(
    info,
    dst,
    sampleBytes,
    // Below full resolution the 5/3 low-pass values are not the stored values; 9/7, missing
    // packets or a syntax that allows loss (the last layers or passes may be gone) neither.
    { at: 'lowBits', precision, signed, lossy: level > 0 || !complete || lossySyntax || stream.tiles.some((tile) => tile.parameters.styles.some((style) => !style.reversible)) },
    {
      rows,
      columns,
      samplesPerPixel: count,
      // The component transform undone leaves RGB (YBR_RCT: PS3.3 C.7.6.3.1.2).
      photometricInterpretation: count >= 3 && stream.tiles.some((tile) => tile.parameters.transform) ? 'RGB' : info.photometricInterpretation,
    },
  );
}

/** Where each component's coefficients are in kernel memory while a tile decodes. */
interface Planes {
  base: number;
  /** The end of the planes' region. */
  end: number;
  strides: number[];
  offsets: number[];
  widths: number[];
  heights: number[];
}

/** Tier-1 and the inverse transform of every component of one tile, into coefficient planes. */
function decodeTile(kernels: Kernels, layout: TileLayout, source: Uint8Array, level: number, transferSyntaxUID: string): Planes {
  const fn = kernels.fn;
  // The coefficient planes, one after another, at the resolution decoded.
  const strides: number[] = [];
  const offsets: number[] = [];
  const widths: number[] = [];
  const heights: number[] = [];
  let elements = 0;
  let blocks = 0;
  let segments = 0;
  let dataBytes = 0;
  let largest = 0;
  for (const component of layout.components) {
    const top = component.resolutions[component.style.levels - level]!;
    const width = top.x1 - top.x0;
    const height = top.y1 - top.y0;
    offsets.push(elements);
    strides.push(width);
    widths.push(width);
    heights.push(height);
    elements += width * height;
    largest = Math.max(largest, width, height);
    for (let r = 0; r <= component.style.levels - level; r++) {
      for (const precinct of component.resolutions[r]!.precincts) {
        if (!precinct) continue;
        for (const band of precinct) {
          for (const block of band.blocks) {
            if (block.passes === 0) continue;
            blocks++;
            segments += block.segments.length;
            for (const segment of block.segments) dataBytes += segment.length;
          }
        }
      }
    }
  }
  const coefficients = kernels.alloc(elements * 4);
  const end = coefficients + elements * 4;
  new Int32Array(fn.memory.buffer, coefficients, elements).fill(0);
  // No coded block: every coefficient is 0, and so is its inverse transform.
  if (blocks === 0) return { base: coefficients, end, strides, offsets, widths, heights };
  const table = kernels.alloc(blocks * BLOCK_FIELDS * 4);
  const segmentTable = kernels.alloc(segments * 8);
  const data = kernels.alloc(dataBytes);
  const dwtWorkBytes = fn.j2kDwtWorkBytes(largest);
  const dwtWork = kernels.alloc(dwtWorkBytes);
  const bounds = kernels.alloc(33 * 16);
  const blockWork = kernels.alloc(fn.j2kBlockWorkBytes());
  const memory = fn.memory.buffer;
  const fields = new Int32Array(memory, table, blocks * BLOCK_FIELDS);
  const pairs = new Int32Array(memory, segmentTable, segments * 2);
  const dataView = new Uint8Array(memory, data, dataBytes);
  let b = 0;
  let s = 0;
  let at = 0;
  layout.components.forEach((component, c) => {
    const style = component.style.blockStyle;
    for (let r = 0; r <= component.style.levels - level; r++) {
      const resolution = component.resolutions[r]!;
      for (const precinct of resolution.precincts) {
        if (!precinct) continue;
        precinct.forEach((bandBlocks, index) => {
          const band = resolution.bands[index]!;
          const step = band.step === 1 ? 0 : f32Bits(band.step);
          for (const block of bandBlocks.blocks) {
            if (block.passes === 0) continue;
            const o = b * BLOCK_FIELDS;
            fields[o] = offsets[c]! + (block.y0 - band.y0 + band.offsetY) * strides[c]! + (block.x0 - band.x0 + band.offsetX);
            fields[o + 1] = strides[c]!;
            fields[o + 2] = block.x1 - block.x0;
            fields[o + 3] = block.y1 - block.y0;
            fields[o + 4] = band.orient;
            fields[o + 5] = block.planes;
            fields[o + 6] = block.passes;
            fields[o + 7] = style;
            fields[o + 8] = at;
            fields[o + 9] = block.segments.length;
            fields[o + 10] = s;
            fields[o + 11] = step;
            for (const segment of block.segments) {
              pairs[2 * s] = segment.length;
              pairs[2 * s + 1] = segment.passes;
              s++;
              for (let i = 0; i < segment.pieces.length; i += 2) {
                const start = segment.pieces[i]!;
                const length = segment.pieces[i + 1]!;
                dataView.set(source.subarray(start, start + length), at);
                at += length;
              }
            }
            b++;
          }
        });
      }
    }
  });
  check(fn.j2kDecodeBlocks(table, blocks, segmentTable, segments, data, dataBytes, coefficients, elements, blockWork), transferSyntaxUID);
  layout.components.forEach((component, c) => {
    const levels = component.style.levels - level;
    const view = new Int32Array(fn.memory.buffer, bounds, 4 * (levels + 1));
    for (let r = 0; r <= levels; r++) {
      const resolution = component.resolutions[r]!;
      view[4 * r] = resolution.x0;
      view[4 * r + 1] = resolution.y0;
      view[4 * r + 2] = resolution.x1;
      view[4 * r + 3] = resolution.y1;
    }
    const plane = coefficients + offsets[c]! * 4;
    const irreversible = component.style.reversible ? 0 : 1;
    check(fn.j2kInverseDwt(plane, widths[c]! * heights[c]!, strides[c]!, bounds, levels, irreversible, dwtWork, dwtWorkBytes), transferSyntaxUID);
  });
  return { base: coefficients, end, strides, offsets, widths, heights };
}

/** The inverse component transform and the store of one decoded tile into the frame. */
function storeTile(
  kernels: Kernels, layout: TileLayout, level: number, planes: Planes,
  frame: { dst: number; frameBytes: number; columns: number; imageX0: number; imageY0: number; count: number; sampleBytes: number; precision: number; signed: boolean },
  transferSyntaxUID: string,
): void {
  const fn = kernels.fn;
  const { base, end, strides, offsets, widths, heights } = planes;
  const plane = (c: number) => base + offsets[c]! * 4;
  const reversible = layout.components.map((component) => component.style.reversible);
  if (layout.parameters.transform && frame.count >= 3) {
    // RCT after the 5/3 wavelet, ICT after the 9/7 (G.2, G.3): the first three components agree.
    if (reversible[0] !== reversible[1] || reversible[0] !== reversible[2]) {
      throw new DecodeError('CORRUPT_DATA', 'JPEG 2000 component transform over components with different wavelets', transferSyntaxUID);
    }
    const transform = reversible[0] ? fn.j2kInverseRct : fn.j2kInverseIct;
    check(transform(plane(0), plane(1), plane(2), strides[0]!, widths[0]!, heights[0]!, end), transferSyntaxUID);
  }
  const { precision, signed, sampleBytes, count, columns } = frame;
  const shift = signed ? 0 : 2 ** (precision - 1);
  const low = signed ? -(2 ** (precision - 1)) : 0;
  const high = signed ? 2 ** (precision - 1) - 1 : 2 ** precision - 1;
  const tileStart = (component: TileLayout['components'][number], c: number) => {
    const top = component.resolutions[component.style.levels - level]!;
    return frame.dst + (((top.y0 - frame.imageY0) * columns + top.x0 - frame.imageX0) * count + c) * sampleBytes;
  };
  if (count === 3 && sampleBytes === 1 && reversible[0] === reversible[1] && reversible[0] === reversible[2] && widths[0] === widths[1] && widths[0] === widths[2] && heights[0] === heights[1] && heights[0] === heights[2] && strides[0] === strides[1] && strides[0] === strides[2]) {
    // 8-bit colour: the three components interleaved in one pass.
    check(
      fn.j2kStoreComponents3(plane(0), plane(1), plane(2), end, strides[0]!, widths[0]!, heights[0]!, reversible[0] ? 0 : 1, tileStart(layout.components[0]!, 0), frame.dst + frame.frameBytes, columns * 3, shift, low, high),
      transferSyntaxUID,
    );
    return;
  }
  layout.components.forEach((component, c) => {
    const at = tileStart(component, c);
    check(
      fn.j2kStoreComponent(plane(c), end, strides[c]!, widths[c]!, heights[c]!, reversible[c] ? 0 : 1, at, frame.dst + frame.frameBytes, count * sampleBytes, columns * count * sampleBytes, sampleBytes, shift, low, high),
      transferSyntaxUID,
    );
  });
}

const F32 = new Float32Array(1);
const F32_BITS = new Int32Array(F32.buffer);
function f32Bits(value: number): number {
  F32[0] = value;
  return F32_BITS[0]!;
}
