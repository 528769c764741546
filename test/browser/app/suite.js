// What every test page and worker does with a fixture: decode it and summarise the pixels
// (a SHA-256 of their bytes, compared by test/browser/run.mjs with the Node decode's).

/** Hex SHA-256 of a typed array's bytes. */
export async function sha256(pixels) {
  const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A decoded frame's summary, or the error's. */
export async function summarise(decode) {
  try {
    const frame = await decode();
    return { hash: await sha256(frame.pixels), type: frame.pixels.constructor.name, length: frame.pixels.length, min: frame.minValue, max: frame.maxValue };
  } catch (error) {
    return { error: { name: error?.name, code: error?.code, codec: error?.codec, message: String(error?.message ?? error) } };
  }
}

/** Fetch a fixture and decode its first frame with `decodeFile`. */
export async function decodeFixture(decodeFile, url) {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return summarise(() => decodeFile(bytes));
}
