/**
 * A small DICOM viewer on dicom-pixels: frames decode in the library's worker pool (the one on
 * screen first, its neighbours prefetched), metadata is read on the main thread with openDicom,
 * and renderFrame turns each frame into 8-bit grey or RGB for a <canvas>.
 * Served by scripts/demo-web.mjs; window.viewer is the hook the browser test drives.
 */
import { createDecoderPool, decodeFrame, openDicom, renderFrame, supportedTransferSyntaxes } from 'dicom-pixels';

const $ = (id) => document.getElementById(id);
const ui = {
  canvas: $('view'),
  file: $('file'),
  fixtures: $('fixtures'),
  name: $('name'),
  hint: $('hint'),
  error: $('error'),
  preset: $('preset'),
  cine: $('cine'),
  frame: $('frame'),
  play: $('play'),
  fps: $('fps'),
  info: $('info'),
};
const context = ui.canvas.getContext('2d');

const SYNTAXES = new Map(supportedTransferSyntaxes().map((ts) => [ts.uid, ts]));
/** Standard CT windows (centre, width in HU), offered for 16-bit grey data that looks like CT. */
const CT_PRESETS = [
  ['Soft tissue', 40, 400],
  ['Lung', -600, 1500],
  ['Bone', 300, 1500],
  ['Brain', 40, 80],
];
/** Frames decoded ahead of and behind the one on screen (ahead wraps, for cine). */
const AHEAD = 2;
const BEHIND = 1;
/** Decoded pixels kept per file; the frames farthest from the one on screen are dropped first. */
const CACHE_BYTES = 256 * 2 ** 20;

const pool = createDecoderPool();

/**
 * The open file: `index` is the frame asked for, `shown` the one drawn (`entry` its decode);
 * `done` holds decoded frames, `pending` the pool tasks in flight with their AbortControllers.
 */
let file;
/** How grey frames are windowed: 'file' (its own VOI LUT or window), 'minmax', or { center, width } (LINEAR). */
let windowing = 'minmax';
let playing = false;

// ---- Decoding: the pool, the cache and prefetch ----

/** Decode frame `index` of `target` in the pool (once: a second request gets the same promise). */
function request(target, index, priority) {
  const inFlight = target.pending.get(index);
  if (inFlight) return inFlight.promise;
  const controller = new AbortController();
  const started = performance.now();
  const promise = pool.decodeFile(target.bytes, { frame: index, priority, signal: controller.signal }).then(
    (frame) => {
      if (target.pending.get(index)?.promise === promise) target.pending.delete(index);
      const entry = { frame, ms: performance.now() - started };
      remember(target, index, entry);
      return entry;
    },
    (error) => {
      if (target.pending.get(index)?.promise === promise) target.pending.delete(index);
      throw error;
    },
  );
  target.pending.set(index, { promise, controller });
  return promise;
}

/** Keep a decoded frame, dropping the farthest ones while the cache is over budget. */
function remember(target, index, entry) {
  target.done.set(index, entry);
  target.cachedBytes += entry.frame.pixels.byteLength;
  const frames = target.image.numberOfFrames;
  const distance = (i) => Math.min(Math.abs(i - target.index), frames - Math.abs(i - target.index));
  while (target.cachedBytes > CACHE_BYTES && target.done.size > 1) {
    const farthest = [...target.done.keys()].reduce((a, b) => (distance(b) > distance(a) ? b : a));
    target.cachedBytes -= target.done.get(farthest).frame.pixels.byteLength;
    target.done.delete(farthest);
  }
}

/** Prefetch the neighbours of `index` at priority 0; abort the tasks no longer near it. */
function prefetchAround(target, index) {
  const frames = target.image.numberOfFrames;
  const wanted = new Set();
  for (let d = -BEHIND; d <= AHEAD; d++) wanted.add((index + d + frames) % frames);
  for (const [i, task] of target.pending) {
    if (!wanted.has(i)) {
      task.controller.abort();
      target.pending.delete(i);
    }
  }
  // A failed prefetch is reported when (if) its frame comes on screen.
  for (const i of wanted) if (!target.done.has(i)) request(target, i, i === index ? 1 : 0).catch(() => {});
}

/** Decode (or take from the cache) and draw frame `index`; false when a newer request won. */
function show(index) {
  const target = file;
  target.index = index;
  const entry = target.done.get(index);
  const decoded = entry ? Promise.resolve(entry) : request(target, index, 1);
  prefetchAround(target, index);
  target.showing = decoded.then(
    (result) => {
      if (file !== target || target.index !== index) return false;
      draw(result, index);
      return true;
    },
    (error) => {
      if (file !== target || target.index !== index) return false; // aborted: the user moved on
      throw error;
    },
  );
  return target.showing;
}

/** Abort everything in flight for the open file and stop cine. */
function closeFile() {
  playing = false;
  if (!file) return;
  for (const task of file.pending.values()) task.controller.abort();
  file.pending.clear();
  file = undefined;
}

// ---- Rendering ----

/** The VOI renderFrame gets: colour frames a range covering their bits, grey ones the current windowing. */
function voiFor(frame, index) {
  if (frame.samplesPerPixel === 3) {
    // renderFrame would guess colour bits from maxValue; palettes span their entries' 8 or 16 bits.
    const palette = file.image.info.photometricInterpretation === 'PALETTE COLOR';
    const top = 2 ** (palette ? 8 * frame.pixels.BYTES_PER_ELEMENT : Math.max(8, file.image.info.bitsStored)) - 1;
    return { windowCenter: top / 2, windowWidth: top, function: 'LINEAR_EXACT' };
  }
  if (windowing === 'file') return file.image.frameVoiLut(index);
  if (windowing === 'minmax') return undefined;
  return { windowCenter: windowing.center, windowWidth: windowing.width };
}

/** The window renderFrame applies for `voi` (its rules: a VOI LUT wins, an unusable window means min/max). */
function effectiveWindow(frame, voi) {
  if (frame.samplesPerPixel === 1 && voi?.lut && voi.lut.data.length > 0) return { lut: voi.lut.data.length };
  const fn = voi?.function ?? 'LINEAR';
  const { windowCenter: center, windowWidth: width } = voi ?? {};
  if (Number.isFinite(center) && Number.isFinite(width) && (fn === 'LINEAR' ? width >= 1 : width > 0)) return { center, width, fn };
  return { center: (frame.minValue + frame.maxValue) / 2, width: frame.maxValue - frame.minValue, fn: 'LINEAR_EXACT' };
}

function draw(entry, index) {
  const { frame } = entry;
  const voi = voiFor(frame, index);
  paint(renderFrame(frame, { voiLut: voi, presentationLutShape: file.image.presentationLutShape }));
  file.shown = index;
  file.entry = entry;
  file.window = effectiveWindow(frame, voi);
  ui.hint.hidden = true;
  ui.frame.value = String(index);
  showInfo();
}

let imageData;
/** 8-bit grey or RGB → the canvas's RGBA, at the frame's own size (CSS scales it). */
function paint({ data, width, height, channels }) {
  if (ui.canvas.width !== width || ui.canvas.height !== height) {
    ui.canvas.width = width;
    ui.canvas.height = height;
    imageData = undefined;
    fitCanvas();
  }
  imageData ??= context.createImageData(width, height);
  const rgba = imageData.data;
  for (let i = 0, j = 0; j < rgba.length; i += channels, j += 4) {
    rgba[j] = data[i];
    rgba[j + 1] = data[channels === 3 ? i + 1 : i];
    rgba[j + 2] = data[channels === 3 ? i + 2 : i];
    rgba[j + 3] = 255;
  }
  context.putImageData(imageData, 0, 0);
}

/** Enlarged frames show their pixels; reduced ones are smoothed. */
function fitCanvas() {
  const scale = Math.min(ui.canvas.clientWidth / ui.canvas.width, ui.canvas.clientHeight / ui.canvas.height);
  ui.canvas.classList.toggle('pixelated', scale >= 1);
}
new ResizeObserver(fitCanvas).observe(ui.canvas);

let redrawQueued = false;
/** Redraw the frame on screen once per animation frame (window drags fire faster). */
function redrawSoon() {
  if (redrawQueued) return;
  redrawQueued = true;
  requestAnimationFrame(() => {
    redrawQueued = false;
    if (file?.entry) draw(file.entry, file.shown);
  });
}

// ---- Panel ----

const round = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

function windowText(win) {
  if (!win) return '–';
  if (win.lut) return `VOI LUT (${win.lut} entries)`;
  return `C ${round(win.center)} / W ${round(win.width)}${win.fn === 'LINEAR' ? '' : ` (${win.fn})`}`;
}

function showInfo() {
  const { image, entry, shown } = file;
  const { frame, ms } = entry;
  const ts = SYNTAXES.get(image.transferSyntaxUID);
  const rows = [
    ['Transfer syntax', ts ? `${ts.name}${ts.lossless ? '' : ' (lossy)'}` : 'not supported'],
    ['UID', image.transferSyntaxUID, 'small'],
    ...(ts && 'decoder' in ts ? [['Decoder', String(ts.decoder)]] : []),
    ['Frame', `${shown + 1} / ${image.numberOfFrames}`],
    ['Decode', `${ms.toFixed(1)} ms (pool)`],
    ['Output', frame.pixels.constructor.name],
    ['Min / max', `${round(frame.minValue)} / ${round(frame.maxValue)}`],
    ['Size', `${frame.rows} × ${frame.columns}${frame.samplesPerPixel === 3 ? ' × 3' : ''}`],
    ['Photometric', frame.photometricInterpretation],
    ['Window', frame.samplesPerPixel === 3 ? `none (colour 0–${file.window.center + file.window.width / 2} → 0–255)` : windowText(file.window)],
    ...(image.presentationLutShape ? [['Presentation LUT', image.presentationLutShape]] : []),
  ];
  ui.info.replaceChildren(
    ...rows.flatMap(([term, value, className = '']) => [
      Object.assign(document.createElement('dt'), { textContent: term }),
      Object.assign(document.createElement('dd'), { textContent: value, className }),
    ]),
  );
  syncPreset();
}

/** The window presets this file offers (colour frames have none). */
function setupControls(image) {
  const { info } = image;
  const grey = info.samplesPerPixel === 1 && info.photometricInterpretation !== 'PALETTE COLOR';
  const own = grey ? image.frameVoiLut(0) : undefined;
  const ownUsable = own && (own.lut || (own.windowCenter !== undefined && own.windowWidth !== undefined));
  const ctLike = grey && info.bitsAllocated === 16 && (info.pixelRepresentation === 1 || (image.modalityLut?.rescaleIntercept ?? 0) < 0);
  const options = !grey ? [['colour', 'Colour: no window']] : [
    ...(ownUsable ? [['file', `File: ${own.lut ? `VOI LUT (${own.lut.data.length} entries)` : windowText({ center: own.windowCenter, width: own.windowWidth, fn: own.function ?? 'LINEAR' })}`]] : []),
    ['minmax', 'Min / max'],
    ...(ctLike ? CT_PRESETS.map(([name, c, w], i) => [`ct${i}`, `${name}: C ${c} / W ${w}`]) : []),
    ['custom', 'Custom'],
  ];
  ui.preset.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
  ui.preset.disabled = !grey;
  windowing = ownUsable ? 'file' : 'minmax';
  const frames = image.numberOfFrames;
  ui.cine.hidden = frames < 2;
  ui.frame.max = String(frames - 1);
  ui.frame.value = '0';
  ui.play.textContent = 'Play';
}

/** Show the current windowing in the preset menu. */
function syncPreset() {
  if (ui.preset.disabled) return;
  const custom = ui.preset.querySelector('option[value="custom"]');
  let value = windowing;
  if (typeof windowing !== 'string') {
    const preset = CT_PRESETS.findIndex(([, c, w]) => c === windowing.center && w === windowing.width);
    value = preset >= 0 && ui.preset.querySelector(`option[value="ct${preset}"]`) ? `ct${preset}` : 'custom';
    custom.textContent = `Custom: ${windowText({ center: windowing.center, width: windowing.width, fn: 'LINEAR' })}`;
  }
  ui.preset.value = value;
  custom.hidden = value !== 'custom';
}

// ---- Errors ----

function showError(error) {
  // DecodeErrors carry a code; anything else (a fetch failure) shows its name.
  ui.error.textContent = error?.code ? `${error.code}: ${error.message}` : `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`;
  ui.error.hidden = false;
  ui.hint.hidden = true;
}

function clearError() {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

// ---- Opening files ----

/** Open a DICOM file's bytes; resolves when its first frame is drawn, rejects (and shows) on error. */
async function openBytes(bytes, name) {
  closeFile();
  clearError();
  ui.name.textContent = name;
  // Nothing of the previous file stays on the panel; the menu keeps only its own choice.
  ui.info.replaceChildren();
  ui.preset.replaceChildren();
  ui.preset.disabled = true;
  ui.cine.hidden = true;
  if (!ui.fixtures.value || !name.endsWith(`fixtures/${ui.fixtures.value}`)) ui.fixtures.value = '';
  try {
    const image = openDicom(bytes);
    file = { name, bytes, image, index: 0, shown: -1, entry: undefined, window: undefined, done: new Map(), pending: new Map(), cachedBytes: 0 };
    setupControls(image);
    await show(0);
  } catch (error) {
    // Not the previous file's image under this file's error.
    ui.canvas.width = ui.canvas.height = 1;
    imageData = undefined;
    ui.preset.disabled = true;
    ui.cine.hidden = true;
    showError(error);
    throw error;
  }
}

async function openUrl(url) {
  const response = await fetch(url).catch((error) => {
    showError(error);
    throw error;
  });
  if (!response.ok) {
    const error = new Error(`HTTP ${response.status} for ${url}`);
    showError(error);
    throw error;
  }
  return openBytes(new Uint8Array(await response.arrayBuffer()), url);
}

async function openLocal(blob) {
  return openBytes(new Uint8Array(await blob.arrayBuffer()), blob.name);
}

/** The bundled fixtures, grouped by folder. */
async function loadFixtureMenu() {
  const response = await fetch('fixtures/index.json');
  if (!response.ok) return;
  const groups = new Map();
  for (const path of await response.json()) {
    const folder = path.slice(0, path.lastIndexOf('/'));
    if (!groups.has(folder)) groups.set(folder, Object.assign(document.createElement('optgroup'), { label: folder }));
    groups.get(folder).append(new Option(path.slice(folder.length + 1), path));
  }
  ui.fixtures.append(...groups.values());
}

// ---- Cine ----

async function play() {
  const target = file;
  playing = true;
  ui.play.textContent = 'Pause';
  while (playing && file === target) {
    const started = performance.now();
    try {
      await show((target.index + 1) % target.image.numberOfFrames);
    } catch (error) {
      showError(error);
      break;
    }
    const wait = 1000 / Math.max(1, Number(ui.fps.value) || 10) - (performance.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  playing = false;
  ui.play.textContent = 'Play';
}

// ---- Events ----

const ignore = () => {}; // errors of UI actions are already on the page

ui.file.addEventListener('change', () => {
  if (ui.file.files[0]) openLocal(ui.file.files[0]).catch(ignore);
  ui.file.value = '';
});
ui.fixtures.addEventListener('change', () => {
  if (ui.fixtures.value) openUrl(`fixtures/${ui.fixtures.value}`).catch(ignore);
});

document.addEventListener('dragover', (event) => {
  event.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (event) => {
  if (event.relatedTarget === null) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  document.body.classList.remove('dragging');
  const dropped = event.dataTransfer?.files[0];
  if (dropped) openLocal(dropped).catch(ignore);
});

ui.preset.addEventListener('change', () => {
  const value = ui.preset.value;
  if (value.startsWith('ct')) {
    const [, center, width] = CT_PRESETS[Number(value.slice(2))];
    windowing = { center, width };
  } else if (value !== 'custom') {
    windowing = value;
  }
  redrawSoon();
});

// Window/level by drag: horizontal = width, vertical = centre, in steps scaled to the frame's range.
let drag;
ui.canvas.addEventListener('pointerdown', (event) => {
  const frame = file?.entry?.frame;
  if (!frame || frame.samplesPerPixel !== 1 || file.window?.lut) return;
  const range = Math.max(1, frame.maxValue - frame.minValue);
  drag = { x: event.clientX, y: event.clientY, center: file.window.center, width: file.window.width, step: Math.max(range / 512, 0.25) };
  ui.canvas.setPointerCapture(event.pointerId);
});
ui.canvas.addEventListener('pointermove', (event) => {
  if (!drag) return;
  windowing = { center: drag.center + (event.clientY - drag.y) * drag.step, width: Math.max(1, drag.width + (event.clientX - drag.x) * drag.step) };
  redrawSoon();
});
const endDrag = () => (drag = undefined);
ui.canvas.addEventListener('pointerup', endDrag);
ui.canvas.addEventListener('pointercancel', endDrag);

ui.frame.addEventListener('input', () => {
  if (file) show(Number(ui.frame.value)).catch(showError);
});
ui.play.addEventListener('click', () => {
  if (playing) playing = false;
  else if (file) play();
});
document.addEventListener('keydown', (event) => {
  if (!file || file.image.numberOfFrames < 2 || event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (step) show((file.index + step + file.image.numberOfFrames) % file.image.numberOfFrames).catch(showError);
  else if (event.key === ' ') ui.play.click();
});

// ---- Test hook and start ----

window.viewer = {
  /** Open a file by URL; resolves when its first frame is drawn. */
  open: (url) => openUrl(url),
  /** Show frame `index`; resolves when it is drawn. */
  showFrame: (index) => show(index).then(() => undefined),
  /** A LINEAR window (modality units); resolves when the frame on screen is redrawn with it. */
  async setWindow(center, width) {
    windowing = { center, width };
    if (file?.showing) await file.showing;
    if (file?.entry) draw(file.entry, file.shown);
  },
  state() {
    const frame = file?.entry?.frame;
    const win = file?.window;
    return {
      file: file?.name ?? null,
      frame: file?.shown ?? -1,
      frames: file?.image.numberOfFrames ?? 0,
      window: win && !win.lut ? { center: win.center, width: win.width, function: win.fn } : null,
      transferSyntaxUID: file?.image.transferSyntaxUID ?? null,
      outputType: frame?.pixels.constructor.name ?? null,
      photometricInterpretation: frame?.photometricInterpretation ?? null,
      min: frame?.minValue ?? null,
      max: frame?.maxValue ?? null,
      cached: file ? [...file.done.keys()].sort((a, b) => a - b) : [],
      error: ui.error.hidden ? null : ui.error.textContent,
    };
  },
};

async function init() {
  // renderFrame is synchronous and a browser main thread may not compile WebAssembly
  // synchronously: one tiny decode here instantiates the kernels it needs.
  await decodeFrame(new Uint8Array(1), '1.2.840.10008.1.2.1', {
    rows: 1, columns: 1, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2',
  });
  await loadFixtureMenu().catch(ignore); // without the demo server's /fixtures/ the menu stays empty
  document.body.dataset.ready = '1';
  const initial = new URLSearchParams(location.search).get('file');
  if (initial) openUrl(initial).catch(ignore);
}

init().catch(showError);
