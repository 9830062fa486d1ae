// xsell: cross-sell recommendations computed in the shopper's browser.
// The entry point of the npm package (ES module). See README.npm.md.
import { ready, Engine, liveListeners } from './core.js';
import { defineElement } from './element.js';
import { autoTrack } from './autotrack.js';

export { Engine, liveListeners, defineElement, autoTrack };

/**
 * Instantiates the wasm module once. `wasm` is where xsell_bg.wasm is (URL)
 * or its bytes (Node, workers); by default it is found beside this module.
 */
export function initWasm(wasm) {
  return ready(wasm);
}

/**
 * Instantiates the wasm module (once) and downloads and verifies the model.
 * Rejects with an Error that says what went wrong.
 */
export async function load({ model, wasm, ...options } = {}) {
  if (typeof WebAssembly !== 'object') {
    throw new Error('xsell: this browser has no WebAssembly; no recommendations are shown');
  }
  if (!model) {
    throw new Error('xsell: load() needs the model URL, e.g. load({model: "/model.xsm"})');
  }
  await ready(wasm);
  return Engine.fromUrl(model, options);
}

/**
 * The whole widget: loads the engine, defines <xsell-recommendations>,
 * tracks GA4 events found on the page (unless autoTrack is false) and sends
 * the noised reports when the page is hidden. A failure is logged once and
 * leaves the page as it was.
 */
export function start({ autoTrack: track = true, elementName, ...options } = {}) {
  const engine = load(options);
  engine.catch((e) => console.warn(String(e?.message ?? e)));
  defineElement(engine, elementName);
  engine.then((e) => {
    if (track) autoTrack(e);
    const flush = () => {
      try {
        e.flush();
      } catch (err) {
        console.warn(String(err?.message ?? err));
      }
    };
    addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') flush();
    });
  }, () => {});
  return engine;
}
