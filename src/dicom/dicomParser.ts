/**
 * The parts of dicom-parser this package uses, typed, with the module interop settled once.
 *
 * dicom-parser ships a UMD bundle: under Node's ESM loader its functions are reachable only
 * through the default export, while bundlers may also expose them as named exports.
 */
import * as dicomParserModule from 'dicom-parser';
import type { ByteArray, ByteArrayParser, DataSet, Element } from 'dicom-parser';

export type { ByteArrayParser, DataSet, Element, Fragment } from 'dicom-parser';

type DicomParserApi = typeof dicomParserModule & {
  /** Exported at runtime but missing from the package's declarations. */
  DataSet: new (byteArrayParser: ByteArrayParser, byteArray: ByteArray, elements: Record<string, Element>) => DataSet;
};

const api = ((dicomParserModule as unknown as { default?: DicomParserApi }).default ??
  dicomParserModule) as DicomParserApi;

export const {
  ByteStream,
  DataSet: DataSetClass,
  findEndOfEncapsulatedElement,
  littleEndianByteArrayParser,
  bigEndianByteArrayParser,
  readDicomElementExplicit,
  readDicomElementImplicit,
  readTag,
} = api;
