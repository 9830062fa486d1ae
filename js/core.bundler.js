// The wasm module for bundlers that import .wasm files (webpack 5, vite):
// the bundler instantiates it, there is nothing to wait for.
export { Engine, liveListeners } from './xsell.js';
export function ready() {
  return Promise.resolve();
}
