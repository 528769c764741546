// The public surface is a contract (README "API"): a change here must be deliberate.
import { describe, expectTypeOf, it, expect } from 'vitest';
import * as api from '../src/index.js';
import type { Configuration, DecodedFrame, DecodeFileOptions, DecodeOptions, DicomImage, ModalityLut, OutputInfo, OutputTypeName, PixelArray, PixelInfo, TransferSyntaxInfo } from '../src/index.js';

describe('public API', () => {
  it('exports exactly the documented values', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'DecodeError',
        'ERROR_MESSAGES',
        'configure',
        'createDecoderPool',
        'decodeFramesResponse',
        'fetchFrames',
        'fetchImage',
        'framesAcceptHeader',
        'imageFromMetadata',
        'decodeFile',
        'decodeFrame',
        'openDicom',
        'outputInfoFor',
        'outputTypeFor',
        'renderFrame',
        'supportedTransferSyntaxes',
        'thumbnail',
      ].sort(),
    );
  });

  it('keeps the documented signatures', () => {
    expectTypeOf(api.decodeFrame).parameters.toEqualTypeOf<
      [Uint8Array | readonly Uint8Array[], string, PixelInfo, DecodeOptions?]
    >();
    expectTypeOf(api.decodeFrame).returns.toEqualTypeOf<Promise<DecodedFrame>>();
    expectTypeOf(api.openDicom).toEqualTypeOf<(bytes: Uint8Array) => DicomImage>();
    expectTypeOf(api.configure).toEqualTypeOf<(options: Configuration) => void>();
    expectTypeOf(api.decodeFile).parameters.toEqualTypeOf<[Uint8Array, DecodeFileOptions?]>();
    expectTypeOf<DecodeFileOptions>().toMatchTypeOf<DecodeOptions & { frame?: number }>();
    expectTypeOf<DecodeOptions['into']>().toEqualTypeOf<PixelArray | undefined>();
    expectTypeOf<DecodeOptions['modalityLut']>().toEqualTypeOf<ModalityLut | false | undefined>();
    expectTypeOf(api.outputInfoFor).parameters.toEqualTypeOf<[PixelInfo, DecodeOptions?]>();
    expectTypeOf(api.outputInfoFor).returns.toEqualTypeOf<OutputInfo>();
    expectTypeOf<OutputInfo>().toEqualTypeOf<{
      outputType: OutputTypeName; rows: number; columns: number; samplesPerPixel: number; length: number;
    }>();
    // DicomImage is the public shape, not an internal one: exactly these members.
    expectTypeOf<keyof DicomImage>().toEqualTypeOf<
      'transferSyntaxUID' | 'numberOfFrames' | 'info' | 'modalityLut' | 'voiLut' | 'frameModalityLut' | 'frameVoiLut' | 'presentationLutShape' | 'frameData' | 'decodeFrame'
    >();
    expectTypeOf(api.supportedTransferSyntaxes).returns.toEqualTypeOf<TransferSyntaxInfo[]>();
    expectTypeOf<DicomImage['decodeFrame']>().parameters.toEqualTypeOf<[number, DecodeOptions?]>();
    expectTypeOf<DicomImage['modalityLut']>().toEqualTypeOf<ModalityLut | undefined>();
    expectTypeOf<api.DecodeError['code']>().toEqualTypeOf<api.DecodeErrorCode>();
    expectTypeOf<DecodedFrame>().toHaveProperty('minValue').toEqualTypeOf<number>();
    expectTypeOf(api.renderFrame).returns.toEqualTypeOf<{ data: Uint8Array; width: number; height: number; channels: 1 | 3 }>();
    expectTypeOf(api.thumbnail).returns.toEqualTypeOf<Promise<{ png: Uint8Array; width: number; height: number }>>();
    expectTypeOf(api.thumbnail).parameter(1).toMatchTypeOf<{ size?: number; frame?: number | 'middle' } | undefined>();
  });

  it('lists the transfer syntaxes it decodes', () => {
    const uids = api.supportedTransferSyntaxes().map((ts) => ts.uid);
    expect(uids).toEqual(
      expect.arrayContaining(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.5']),
    );
  });
});
