/**
 * jxl-oxide (a JPEG XL decoder in Rust, ISO/IEC 18181; wasm-bindgen build from npm): loaded once,
 * lazily, like the other codecs. Its module keeps one heap for the life of the realm
 * (wasm-bindgen instantiates once per import), so work is bounded before it runs: the frame
 * size is checked against the attributes from the codestream header first.
 */
import { wasmFileUrl } from '../config.js';
import { jxlBinary } from './jxl-binary.js';
import { CodecNotReady, unavailable } from './codecs.js';

type JxlModule = typeof import('jxl-oxide-wasm');

let loaded: JxlModule | undefined;
let loading: Promise<JxlModule> | undefined;

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** Load jxl-oxide (once; a failed load is not kept). */
export function loadJxl(): Promise<JxlModule> {
  loading ??= (async () => {
    const url = isNode ? undefined : wasmFileUrl('jxl_oxide_wasm_bg.wasm');
    try {
      const module = await import('jxl-oxide-wasm');
      await module.default({ module_or_path: url ?? (await jxlBinary()) });
      loaded = module;
      return module;
    } catch (cause) {
      loading = undefined;
      throw unavailable(`the jxl-oxide codec (jxl_oxide_wasm_bg.wasm) ${url ? `from ${url}` : isNode ? 'from the jxl-oxide-wasm package' : 'embedded in dicom-pixels'}`, cause, 'jxl-oxide');
    }
  })();
  return loading;
}

/** jxl-oxide if it is loaded, for a decoder's `prepare`. */
export function preloadJxl(): Promise<unknown> | undefined {
  return loaded ? undefined : loadJxl();
}

/** The loaded module, or CodecNotReady (a synchronous decode's first step). */
export function readyJxl(): JxlModule {
  if (!loaded) throw new CodecNotReady('jxl-oxide', loadJxl);
  return loaded;
}
