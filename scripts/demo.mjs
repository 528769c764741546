// Decode every bundled fixture through the public API and print what came out.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { decodeFile, openDicom, supportedTransferSyntaxes } from '../dist/index.js';

// fixtures/dicom/ and each codec family's fixtures/<family>/dicom/.
const fixtures = new URL('../fixtures/', import.meta.url);
const folders = ['', ...readdirSync(fixtures, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${e.name}/`)]
  .map((prefix) => `${prefix}dicom/`)
  .filter((folder) => existsSync(new URL(folder, fixtures)));
const files = folders.flatMap((folder) =>
  readdirSync(new URL(folder, fixtures)).filter((name) => name.endsWith('.dcm')).sort().map((name) => `${folder}${name}`),
);
const names = new Map(supportedTransferSyntaxes().map((ts) => [ts.uid, ts.name]));
const rows = [];
for (const file of files) {
  const bytes = readFileSync(new URL(file, fixtures));
  try {
    const image = openDicom(bytes);
    await decodeFile(bytes); // first call also instantiates the kernels
    const start = performance.now();
    const frame = await decodeFile(bytes);
    const ms = performance.now() - start;
    rows.push([
      file,
      names.get(image.transferSyntaxUID) ?? image.transferSyntaxUID,
      `${frame.columns}×${frame.rows}${frame.samplesPerPixel > 1 ? `×${frame.samplesPerPixel}` : ''}${image.numberOfFrames > 1 ? ` (${image.numberOfFrames} fr)` : ''}`,
      frame.pixels.constructor.name,
      `${+frame.minValue.toPrecision(6)} / ${+frame.maxValue.toPrecision(6)}`,
      ms.toFixed(3),
    ]);
  } catch (error) {
    rows.push([file, '', '', `${error.code ?? 'ERROR'}`, error.message, '']);
  }
}
const header = ['file', 'transfer syntax', 'size', 'output', 'min / max', 'decode ms'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));
console.log(`\n${rows.length} files; frame 0 of each, modality LUT applied; decode ms is the second call.`);
