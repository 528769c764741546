// Area-averaging (box) downscale of 8-bit images: every output pixel is the mean of the source
// area it covers, partly covered source pixels weighted by the covered fraction. Separable and
// streaming: one pass over the source, row by row.
import { Status } from './shared';

/**
 * Downscale `src` (srcWidth × srcHeight, `channels` interleaved 8-bit samples) to `dst`
 * (dstWidth × dstHeight), never upscaling. With a scale of at least 1 a source pixel overlaps at
 * most two output pixels per axis, so each source sample is read once and added, weighted by
 * the fraction inside, to one or two sums. `scratch` holds boxScratchBytes() bytes.
 */
export function boxDownscale(src: usize, srcWidth: i32, srcHeight: i32, channels: i32, dst: usize, dstWidth: i32, dstHeight: i32, scratch: usize): i32 {
  if (channels < 1 || channels > 4 || dstWidth < 1 || dstHeight < 1 || dstWidth > srcWidth || dstHeight > srcHeight) {
    return Status.UNSUPPORTED_LAYOUT;
  }
  const ch = <usize>channels;
  const rowLength = <usize>dstWidth * ch;
  const area = (<f64>srcWidth / <f64>dstWidth) * (<f64>srcHeight / <f64>dstHeight);
  // Per source column (row): the output column (row) it starts in, and its weight there; the
  // rest of it goes to the next one.
  const columnFirst = scratch;
  const columnWeights = columnFirst + (<usize>srcWidth << 2);
  const rowFirst = columnWeights + (<usize>srcWidth << 2);
  const rowWeights = rowFirst + (<usize>srcHeight << 2);
  const rowSums = rowWeights + (<usize>srcHeight << 2);
  let current = rowSums + (rowLength << 2);  // sums of the output row being filled
  let next = current + (rowLength << 2);     // sums spilling into the row after it
  split(columnFirst, columnWeights, srcWidth, dstWidth);
  split(rowFirst, rowWeights, srcHeight, dstHeight);
  memory.fill(current, 0, rowLength << 2);
  memory.fill(next, 0, rowLength << 2);
  let outRow = 0;
  for (let j = 0; j < srcHeight; j++) {
    // Columns: sums of this source row per output column, one sample (channel) at a time, the
    // running sum in a local; a straddling pixel's remainder starts the next column's sum.
    const row = src + <usize>j * <usize>srcWidth * ch;
    for (let c: usize = 0; c < ch; c++) {
      let x: u32 = 0;
      let sum: f32 = 0;
      let spill: f32 = 0;
      for (let i = 0; i < srcWidth; i++) {
        const first = load<u32>(columnFirst + (<usize>i << 2));
        if (first != x) {
          store<f32>(rowSums + ((<usize>x * ch + c) << 2), sum);
          sum = spill;
          spill = 0;
          x = first;
        }
        const value = <f32>load<u8>(row + <usize>i * ch + c);
        const weight = load<f32>(columnWeights + (<usize>i << 2));
        sum += value * weight;
        if (weight < 1) spill = value * (1 - weight);
      }
      store<f32>(rowSums + ((<usize>x * ch + c) << 2), sum);
    }
    // Rows: add the row's sums to the output row it falls in (and the next, if it straddles).
    const weight = load<f32>(rowWeights + (<usize>j << 2));
    for (let k: usize = 0; k < rowLength; k++) {
      const sum = load<f32>(rowSums + (k << 2));
      store<f32>(current + (k << 2), load<f32>(current + (k << 2)) + sum * weight);
      if (weight < 1) store<f32>(next + (k << 2), load<f32>(next + (k << 2)) + sum * (1 - weight));
    }
    // The output row is complete unless the next source row still starts in it.
    if (j + 1 == srcHeight || load<u32>(rowFirst + (<usize>(j + 1) << 2)) != <u32>outRow || weight < 1) {
      const out = dst + <usize>outRow * rowLength;
      for (let k: usize = 0; k < rowLength; k++) {
        // Divide (not multiply by 1/area): an exact mean of .5 must round up, as numpy's does.
        const value = Math.floor(<f64>load<f32>(current + (k << 2)) / area + 0.5);
        store<u8>(out + k, <u8>(value >= 255 ? 255 : value > 0 ? <u32>value : 0));
      }
      const filled = current;
      current = next;
      next = filled;
      memory.fill(next, 0, rowLength << 2);
      outRow++;
    }
  }
  return Status.OK;
}

/**
 * For each of `from` source pixels, the output pixel it starts in (output pixel x covers source
 * [x · from / to, (x + 1) · from / to)) and the fraction of it inside that one: 1 unless it
 * straddles the edge to the next.
 */
function split(first: usize, weights: usize, from: i32, to: i32): void {
  for (let i = 0; i < from; i++) {
    const x = <i64>i * to / from;
    const inside = <f64>((x + 1) * from) / <f64>to - <f64>i;
    store<u32>(first + (<usize>i << 2), <u32>x);
    store<f32>(weights + (<usize>i << 2), <f32>(inside < 1 ? inside : 1));
  }
}

/** Scratch bytes boxDownscale needs. */
export function boxScratchBytes(srcWidth: i32, srcHeight: i32, channels: i32, dstWidth: i32): usize {
  return (<usize>srcWidth << 3) + (<usize>srcHeight << 3) + 12 * <usize>dstWidth * <usize>channels;
}
