// A module worker that decodes fixtures with the library (imported by its bare name, resolved by
// the bundler; loaded by URL where there is no bundler: run.mjs rewrites the import).
import { configure, decodeFile } from 'dicom-pixels';
import { decodeFixture } from './suite.js';

self.onmessage = async ({ data: { urls, wasmBaseUrl } }) => {
  if (wasmBaseUrl) configure({ wasmBaseUrl });
  const results = [];
  for (const url of urls) results.push(await decodeFixture(decodeFile, url));
  self.postMessage(results);
};
