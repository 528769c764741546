import { check, DecodeError, kernelError } from '../errors.js';
import type { PixelInfo } from '../types.js';
import type { Kernels } from '../wasm/kernels.js';
import { decodeFragments, libjpeg } from '../wasm/codecs.js';
import { JpegField, JpegOption } from '../wasm/kernels.generated.js';
import type { RawFrame } from '../raw.js';
import { codecFrame, type DecodeContext, type Decoder } from './decoder.js';

/** SOFn marker codes (ITU-T T.81 Table B.1) that the JPEG transfer syntaxes carry. */
const SOF_BASELINE = 0xc0;
const SOF_EXTENDED = 0xc1;
const SOF_PROGRESSIVE = 0xc2;
const SOF_LOSSLESS = 0xc3;


/**
 * The JPEG family (PS3.5 A.4.1, ITU-T T.81): Baseline (.50), Extended (.51), Lossless (.57) and
 * Lossless first-order prediction (.70). What decodes a frame depends on its codestream, not
 * on the transfer syntax label, so mislabelled streams still decode:
 * - lossless (SOF3, 2-16 bits, predictors 1-7, point transform, restart intervals) and
 *   sequential DCT at 12 bits or into 16-bit samples: the AssemblyScript kernels;
 * - 8-bit sequential DCT (and progressive) into 8-bit samples: libjpeg-turbo, unless
 *   `colorSpace: 'native'` asks to keep YCbCr (TurboJPEG only delivers RGB); the kernels then
 *   decode it the same way (IJG integer IDCT, fancy upsampling).
 * Whether three DCT components are YCbCr is read from the codestream's markers as libjpeg does
 * (JFIF, Adobe APP14, component ids 'R' 'G' 'B'), which win over Photometric Interpretation
 * (encoders label YCbCr streams RGB); a stream without them is as Photometric Interpretation
 * says (DCMTK, GDCM and pydicom agree; libjpeg alone would guess YCbCr). YCbCr comes out as RGB (default) or, with `colorSpace: 'native'`, as
 * full-resolution YBR_FULL. Samples are delivered at the codestream's precision in the low
 * bits; pipeline/frame.ts masks to Bits Stored and sign-extends.
 */
export const jpegDecoder: Decoder = {
  name: 'jpeg',
  codec: 'dicom-pixels (libjpeg-turbo for 8-bit DCT)',
  // No prepare: which decoder takes a frame is known only from its header, and the kernels
  // decode most. The first frame for libjpeg-turbo finds it unloaded (CodecNotReady) and is
  // decoded again once it is loaded.
  decode(fragments, info, context): RawFrame {
    const { kernels, transferSyntaxUID, options } = context;
    const fn = kernels.fn;
    const frame = readFrame(fragments, info, context);
    const { src, scratch, sof, precision, colour, yCbCr } = frame;
    if (frame.libjpeg) {
      // libjpeg-turbo decodes a cut stream to the end of the claimed frame (as grey), so a few
      // bytes claiming 8192² would cost a full frame's work: every 8×8 block of the full-size
      // component takes at least one bit (a progressive DC scan; two in sequential scans).
      const blocks = Math.ceil(info.rows / 8) * Math.ceil(info.columns / 8);
      if (src.length * 8 < blocks) {
        throw new DecodeError('TRUNCATED', `the JPEG stream has ${src.length} bytes, a ${info.columns}×${info.rows} frame needs at least ${Math.ceil(blocks / 8)}`, transferSyntaxUID);
      }
      return decodeWithLibjpeg(fragments, info, context);
    }
    const native = options.colorSpace === 'native';
    const sampleBytes = info.bitsAllocated === 8 ? 1 : 2;
    const workBytes = fn.jpegWorkBytes(scratch);
    const work = workBytes > 0 ? kernels.alloc(workBytes) : 0;
    const dst = kernels.alloc(info.rows * info.columns * info.samplesPerPixel * sampleBytes);
    const status = fn.jpegDecode(src.ptr, src.length, scratch, dst, info.rows, info.columns, info.samplesPerPixel, sampleBytes, work,
      (native ? 0 : JpegOption.ConvertToRgb) | colour);
    check(status, transferSyntaxUID);
    let photometricInterpretation = info.photometricInterpretation;
    if (sof !== SOF_LOSSLESS && info.samplesPerPixel === 3) {
      photometricInterpretation = fn.jpegFrameField(scratch, JpegField.Color) === 1 || !yCbCr ? 'RGB' : 'YBR_FULL';
    } else if (info.photometricInterpretation === 'YBR_FULL_422') {
      // Lossless JPEG components are full size here: the samples are not subsampled.
      photometricInterpretation = 'YBR_FULL';
    }
    return codecFrame(info, dst, sampleBytes, { at: 'lowBits', precision, lossy: sof !== SOF_LOSSLESS }, { photometricInterpretation });
  },
};

/**
 * The frame's codestream in kernel memory, its header read and checked against the attributes,
 * and which decoder takes it.
 */
function readFrame(fragments: readonly Uint8Array[], info: PixelInfo, { kernels, transferSyntaxUID, options }: DecodeContext) {
  const fn = kernels.fn;
  if (info.bitsAllocated !== 8 && info.bitsAllocated !== 16) {
    throw new DecodeError('INVALID_PIXEL_INFO', `JPEG samples need Bits Allocated 8 or 16, got ${info.bitsAllocated}`, transferSyntaxUID);
  }
  // A frame is one or more fragments (PS3.5 A.4): joined into one codestream.
  const src = kernels.copyInAll(fragments);
  const scratch = kernels.alloc(fn.jpegScratchBytes());
  const sof = fn.jpegReadHeader(src.ptr, src.length, scratch);
  if (sof < 0) throw kernelError(sof, transferSyntaxUID);
  checkFrame(kernels, scratch, info, transferSyntaxUID);
  const precision = fn.jpegFrameField(scratch, JpegField.Precision);
  const colour = info.photometricInterpretation === 'RGB' ? JpegOption.UnmarkedIsRgb : 0;
  const yCbCr = fn.jpegIsYCbCr(scratch, colour) === 1;
  // TurboJPEG always converts YCbCr to RGB, and guesses YCbCr for an unmarked stream.
  const libjpegAgrees = info.samplesPerPixel === 1 || (yCbCr ? options.colorSpace !== 'native' : fn.jpegColorMarked(scratch) === 1);
  const libjpegFits = (sof === SOF_BASELINE || sof === SOF_EXTENDED || sof === SOF_PROGRESSIVE) && precision === 8 && info.bitsAllocated === 8;
  return { src, scratch, sof, precision, colour, yCbCr, libjpeg: libjpegFits && libjpegAgrees };
}

/** The frame header must describe the frame the Image Pixel Module describes. */
function checkFrame(kernels: Kernels, scratch: number, info: PixelInfo, transferSyntaxUID: string): void {
  const field = (index: number) => kernels.fn.jpegFrameField(scratch, index);
  const rows = field(JpegField.Rows);
  const columns = field(JpegField.Columns);
  const components = field(JpegField.Components);
  const precision = field(JpegField.Precision);
  if (rows !== info.rows || columns !== info.columns || components !== info.samplesPerPixel || precision > info.bitsAllocated) {
    throw new DecodeError(
      'INVALID_PIXEL_INFO',
      `the JPEG frame is ${columns}×${rows}, ${components} component(s) of ${precision} bits; the attributes say ` +
        `${info.columns}×${info.rows}, ${info.samplesPerPixel} sample(s) per pixel in ${info.bitsAllocated} bits`,
      transferSyntaxUID,
    );
  }
}

/** 8-bit sequential DCT with libjpeg-turbo; the samples are copied into kernel memory. */
function decodeWithLibjpeg(fragments: readonly Uint8Array[], info: PixelInfo, { kernels, transferSyntaxUID }: DecodeContext): RawFrame {
  const { value: samples } = decodeFragments(libjpeg, fragments, transferSyntaxUID, (decoder) => decoder.getDecodedBuffer());
  const bytes = info.rows * info.columns * info.samplesPerPixel;
  if (samples.length !== bytes) {
    throw new DecodeError('CORRUPT_DATA', `libjpeg-turbo decoded ${samples.length} bytes, the frame needs ${bytes}`, transferSyntaxUID);
  }
  // TurboJPEG delivers three components as RGB (converted from YCbCr where the stream is YCbCr).
  const photometricInterpretation = info.samplesPerPixel === 3 ? 'RGB' : info.photometricInterpretation;
  return codecFrame(info, kernels.copyIn(samples), 1, { at: 'lowBits', precision: 8, lossy: true }, { photometricInterpretation });
}
