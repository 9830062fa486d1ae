// The wasm module for browsers and bundlers that understand
// `new URL('x.wasm', import.meta.url)`: instantiated on first use.
import init, { Engine, liveListeners } from './xsell.js';

let started;
/** Instantiates the wasm module once; `wasmUrl` overrides where it is. */
export function ready(wasmUrl) {
  started ??= init(wasmUrl ? { module_or_path: wasmUrl } : undefined);
  return started;
}
export { Engine, liveListeners };
