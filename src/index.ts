/**
 * dicom-pixels: DICOM pixel data → typed arrays of real-world values.
 * Public re-exports only.
 */
export { decodeFrame } from './decode.js';
export { openDicom, decodeFile } from './file.js';
export { supportedTransferSyntaxes } from './decoders/registry.js';
export { outputTypeFor } from './pipeline/modality.js';
export { outputInfoFor, type OutputInfo } from './pipeline/plan.js';
export { renderFrame, type RenderOptions, type RenderedFrame } from './render/render.js';
export { thumbnail, type Thumbnail, type ThumbnailOptions } from './render/thumbnail.js';
export { configure, type Configuration } from './config.js';
export { createDecoderPool, type DecoderPool, type DecoderPoolOptions, type PoolTaskOptions } from './pool/pool.js';
export {
  decodeFramesResponse,
  fetchFrames,
  fetchImage,
  imageFromMetadata,
  type DicomWebImage,
  type FetchedFrame,
  type FetchFramesOptions,
  type RequestOptions,
} from './dicomweb/wado.js';
export { framesAcceptHeader, type AcceptOptions } from './dicomweb/media.js';
export type { JsonAttribute, JsonDataset } from './dicomweb/json.js';
export { DecodeError, ERROR_MESSAGES, type DecodeErrorCode } from './errors.js';
export type {
  DecodedFrame,
  DecodeFileOptions,
  DecodeOptions,
  DicomImage,
  LutData,
  ModalityLut,
  OutputTypeName,
  PixelArray,
  PixelInfo,
  TransferSyntaxInfo,
  VoiLut,
} from './types.js';
