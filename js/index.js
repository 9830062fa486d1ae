// xsell: cross-sell recommendations computed in the shopper's browser.
// The entry point of the npm package (ES module). See README.npm.md.
import { ready, Engine, liveListeners } from './core.js';
import { defineElement, nextTask } from './element.js';
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
 * A config (placements or experiments): an object as it is, or fetched from
 * a URL (the server's /placements.json, /experiments.json). Rejects with an
 * Error naming the URL.
 */
async function jsonFrom(config, what = 'placement config') {
  if (typeof config !== 'string' && !(config instanceof URL)) return config;
  let resp;
  try {
    resp = await fetch(config);
  } catch (e) {
    throw new Error(`xsell: could not download the ${what} from ${config}: ${e?.message ?? e}`);
  }
  if (!resp.ok) {
    throw new Error(`xsell: the ${what} at ${config} answered HTTP ${resp.status}; check the URL`);
  }
  try {
    return await resp.json();
  } catch (e) {
    throw new Error(`xsell: the ${what} at ${config} is not JSON (${e?.message ?? e})`);
  }
}

/**
 * Instantiates the wasm module (once) and downloads and verifies the model
 * (and the placement configs, when `config` is given). Rejects with an
 * Error that says what went wrong.
 */
export async function load({ model, wasm, config, ...options } = {}) {
  if (typeof WebAssembly !== 'object') {
    throw new Error('xsell: this browser has no WebAssembly; no recommendations are shown');
  }
  if (!model) {
    throw new Error('xsell: load() needs the model URL, e.g. load({model: "/model.xsm"})');
  }
  // An experiment file that cannot be had or is refused costs the
  // experiment, never the widget: it falls back to the placement configs.
  const dropExperiment = (e) => {
    console.warn(`${String(e?.message ?? e)}; showing the default placement configs`);
    return undefined;
  };
  const [placements, experiments] = await Promise.all([
    config === undefined ? options.placements : jsonFrom(config),
    jsonFrom(options.experiments, 'experiment file').catch(dropExperiment),
    ready(wasm),
  ]);
  const opts = { ...options, placements, experiments };
  for (const k of ['placements', 'experiments']) if (opts[k] === undefined) delete opts[k];
  try {
    return await Engine.fromUrl(model, opts);
  } catch (e) {
    if (opts.experiments === undefined || !/experiment/.test(String(e?.message))) throw e;
    dropExperiment(e);
    delete opts.experiments;
    return Engine.fromUrl(model, opts);
  }
}

/**
 * The whole widget: loads the engine, defines <xsell-recommendations>,
 * tracks GA4 events found on the page (unless autoTrack is false), sends the
 * noised reports when the page is hidden (fetch, reading the answer; a
 * beacon at pagehide) and, on load, the reports the collector has not
 * acknowledged yet. A failure is logged once and leaves the page as it was.
 */
export function start({ autoTrack: track = true, elementName, ...options } = {}) {
  const engine = load(options);
  engine.catch((e) => console.warn(String(e?.message ?? e)));
  // Registered before the element is defined, so the arrival is recorded
  // before the first widget renders (a campaign's touch precedes its views).
  engine.then(async (e) => {
    const attempt = (f) => {
      try {
        f();
      } catch (err) {
        console.warn(String(err?.message ?? err));
      }
    };
    // Each step in a task of its own: the load's last slice, the arrival,
    // the page scan and the resend never add up to one long task.
    await nextTask();
    attempt(() => e.recordArrival());
    if (track) {
      await nextTask();
      attempt(() => autoTrack(e));
    }
    await nextTask();
    attempt(() => e.resendHeld());
    // pagehide comes first when the page goes away: what is held leaves by
    // beacon, and the visibilitychange after it finds it already on its way.
    addEventListener('pagehide', () => attempt(() => e.flushOnPageHide()));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') attempt(() => e.flush());
    });
  }, () => {});
  defineElement(engine, elementName);
  return engine;
}
