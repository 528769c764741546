/**
 * The worker of `dicom-pixels serve` (run by piscina): one rendered frame per task, from a file
 * of the folder (read here, so file bytes never cross threads) or from a frame an upstream
 * DICOMweb server sent with its instance's metadata; decoded, windowed, scaled and encoded as PNG
 * or JPEG here, so the server's thread only routes requests.
 */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { parseDicom, type ParsedDicom } from '../dicom/part10.js';
import { frameTransferSyntax, imageFromMetadata, type DicomWebImage } from '../dicomweb/wado.js';
import type { JsonDataset } from '../dicomweb/json.js';
import { DecodeError } from '../errors.js';
import { encodePng, renderImageFrame } from '../render/thumbnail.js';
import type { RenderedFrame } from '../render/render.js';
import type { VoiLut } from '../types.js';

/** How a frame is rendered (the query of a rendered or thumbnail request). */
export interface RenderParams {
  /** Frame index, 0-based, or the middle frame. */
  frame: number | 'middle';
  /** A window instead of the frame's own. */
  window?: VoiLut | undefined;
  /** The output fits in this box (never upscaled). */
  viewport?: { width: number; height: number } | undefined;
  type: 'image/png' | 'image/jpeg';
  /** JPEG quality, 1–100. */
  quality: number;
}

export type RenderTask = RenderParams &
  (
    | { source: 'file'; path: string }
    | { source: 'upstream'; metadataUrl: string; metadata: JsonDataset[]; frameBytes: Uint8Array; contentType: string; headers?: Record<string, string> | undefined }
  );

/** A rendered image, or why not (errors come back as data: a thrown error loses its class). */
export type RenderResult =
  | { ok: true; body: Uint8Array; width: number; height: number; decodeMs: number }
  | { ok: false; code: string; message: string };

/** Instances' metadata made into images, per metadata URL (its bulk data fetched once). */
const images = new Map<string, Promise<DicomWebImage>>();
const MAX_IMAGES = 256;

function imageOf(task: Extract<RenderTask, { source: 'upstream' }>): Promise<DicomWebImage> {
  let image = images.get(task.metadataUrl);
  if (!image) {
    image = imageFromMetadata(task.metadata, { baseUrl: task.metadataUrl, headers: task.headers });
    image.catch(() => images.delete(task.metadataUrl));
    if (images.size >= MAX_IMAGES) images.delete(images.keys().next().value!);
    images.set(task.metadataUrl, image);
  }
  return image;
}

/** The longest side that fits the frame into the viewport. */
function sizeFor(rows: number, columns: number, viewport: RenderParams['viewport']): number | undefined {
  if (!viewport) return undefined;
  const scale = Math.min(viewport.width / columns, viewport.height / rows, 1);
  return Math.max(1, Math.round(Math.max(rows, columns) * scale));
}

function encode(image: RenderedFrame, type: RenderParams['type'], quality: number): Uint8Array {
  if (type === 'image/png') return encodePng(image);
  const { width, height, data, channels } = image;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, o = 0; i < data.length; i += channels, o += 4) {
    rgba[o] = data[i]!;
    rgba[o + 1] = data[i + (channels === 3 ? 1 : 0)]!;
    rgba[o + 2] = data[i + (channels === 3 ? 2 : 0)]!;
    rgba[o + 3] = 255;
  }
  return jpeg.encode({ width, height, data: rgba }, quality).data;
}

/** Render one frame; every failure is a result with the DecodeError's code. */
export default async function render(task: RenderTask): Promise<RenderResult> {
  try {
    let image: ParsedDicom;
    if (task.source === 'file') image = parseDicom(new Uint8Array(readFileSync(task.path)));
    else {
      const described = await imageOf(task);
      // The frame as the server sent it, in the syntax it sent it in (which may not be the stored one).
      image = { ...described, transferSyntaxUID: frameTransferSyntax(task.contentType, task.frameBytes, described.info), frameData: () => task.frameBytes };
    }
    const index = task.frame === 'middle' ? Math.floor((image.numberOfFrames - 1) / 2) : task.frame;
    if (task.source === 'file' && index >= image.numberOfFrames) {
      throw new DecodeError('FRAME_OUT_OF_RANGE', `frame ${index + 1} requested, the instance has ${image.numberOfFrames}`);
    }
    const start = performance.now();
    const rendered = await renderImageFrame(image, Math.min(index, image.numberOfFrames - 1), {
      size: sizeFor(image.info.rows, image.info.columns, task.viewport),
      voiLut: task.window,
    });
    const decodeMs = performance.now() - start;
    return { ok: true, body: encode(rendered, task.type, task.quality), width: rendered.width, height: rendered.height, decodeMs };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, code: error.code, message: error.message };
    const { code, message } = error as NodeJS.ErrnoException;
    return { ok: false, code: code ?? 'ERROR', message: message ?? String(error) };
  }
}
