// The README's examples against the built package (dist/), compiled by test/readme-types.test.ts with the strictest options a user
// may have (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess): they must type-check.
import { decodeFile, decodeFrame, openDicom, outputInfoFor, renderFrame, thumbnail } from '../../dist/index.js';

export async function examples(bytes: Uint8Array, fragment: Uint8Array, i: number): Promise<void> {
  const { pixels, minValue, maxValue } = await decodeFile(bytes);
  void [pixels, minValue, maxValue];

  const image = openDicom(bytes);
  void [image.transferSyntaxUID, image.numberOfFrames, image.info, image.modalityLut, image.voiLut];
  await image.decodeFrame(3);
  await image.decodeFrame(3, { modalityLut: false });
  image.frameData(3);

  await decodeFrame(fragment, '1.2.840.10008.1.2.5', {
    rows: 512, columns: 512, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1,
    samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2',
  }, { modalityLut: { rescaleSlope: 1, rescaleIntercept: -1024 } });

  const { length } = outputInfoFor(image.info, { modalityLut: image.modalityLut ?? false });
  const volume = new Int16Array(length * image.numberOfFrames);
  await image.decodeFrame(i, { into: volume.subarray(i * length, (i + 1) * length) });
  // Options filled from values that may be undefined.
  await image.decodeFrame(i, { modalityLut: image.frameModalityLut(i), resolutionLevel: undefined });

  const frame = await image.decodeFrame(0);
  const { data, width, height } = renderFrame(frame, { voiLut: image.frameVoiLut(0), size: 256, presentationLutShape: image.presentationLutShape });
  void [data, width, height];
  const { png } = await thumbnail(bytes, { size: 128, frame: undefined });
  void png;
}
