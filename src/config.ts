/**
 * Library-wide settings: set once, before the first decode, by the application (never inside a
 * decode call).
 */

/** What {@link configure} accepts. */
export interface Configuration {
  /**
   * Where the codecs' `.wasm` files are served from, for apps that host them (a CDN, or a
   * stricter asset policy) instead of using the copies embedded in the browser build. The files
   * to serve are `dist/wasm/*.wasm` of this package; each is fetched as `new URL(file,
   * wasmBaseUrl)`, so end the URL with `/`. Browsers and workers only: in Node the codec packages'
   * own files are read. `undefined` returns to the embedded copies.
   */
  wasmBaseUrl?: string | URL | undefined;
}

const settings: { wasmBaseUrl?: URL | undefined } = {};

/**
 * Change library-wide settings; fields left out keep their value. A codec already loaded keeps
 * its module; the setting applies to modules loaded afterwards.
 *
 * @throws TypeError when `wasmBaseUrl` is not an absolute URL (relative to the page is allowed in
 *   a browser).
 * @example
 * configure({ wasmBaseUrl: 'https://cdn.example.org/dicom-pixels@0.1.0/dist/wasm/' });
 */
export function configure(options: Configuration): void {
  if ('wasmBaseUrl' in options) {
    const value = options.wasmBaseUrl;
    if (value === undefined) settings.wasmBaseUrl = undefined;
    else {
      const base = typeof location === 'object' && location?.href ? location.href : undefined;
      try {
        settings.wasmBaseUrl = new URL(String(value), base);
      } catch {
        throw new TypeError(`configure: wasmBaseUrl must be a URL, got ${JSON.stringify(String(value))}`);
      }
    }
  }
}

/** The URL a codec's `.wasm` file is fetched from, when the app serves them itself. */
export function wasmFileUrl(file: string): string | undefined {
  return settings.wasmBaseUrl ? new URL(file, settings.wasmBaseUrl).href : undefined;
}

/** The settings as `configure` takes them, to hand to another realm (the decoder pool's workers). */
export function currentConfiguration(): { wasmBaseUrl: string | undefined } {
  return { wasmBaseUrl: settings.wasmBaseUrl?.href };
}
