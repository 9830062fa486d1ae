// The wasm module for browsers and bundlers that understand
// `new URL('x.wasm', import.meta.url)`: instantiated on first use.
import init, { Engine, liveListeners } from './xsell.js';

let started;
/** Instantiates the wasm module once; `wasmUrl` overrides where it is. */
export function ready(wasmUrl) {
  // Fetched at low priority: the page's own images and scripts come first.
  const wasm = typeof wasmUrl === 'string' || wasmUrl instanceof URL ? fetch(wasmUrl, { priority: 'low' }) : wasmUrl;
  started ??= init(wasm ? { module_or_path: wasm } : undefined);
  return started;
}
export { Engine, liveListeners };
