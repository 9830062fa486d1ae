// The <script> tag build: everything in one file, one global (`xsell`).
//   <script src="/xsell/xsell.js" data-model="/model.xsm"
//           data-endpoint="/v1/reports" async></script>
// Optional: data-config="/placements.json" (placement configs),
// data-experiments="/experiments.json" (experiments), data-consent="false",
// data-epsilon="1", data-auto-track="false", data-currency="€",
// data-image-hosts="cdn.shop.example self" (images only from those hosts).
// xsell_bg.wasm is loaded from beside this file, with this file's query.
import { start, Engine } from './index.js';
import { nextTask } from './element.js';

const script = document.currentScript;
const ns = (window.xsell = window.xsell || {});
ns.Engine = Engine;
try {
  const d = (script && script.dataset) || {};
  if (!d.model) throw new Error('xsell: the script tag needs data-model, e.g. data-model="/model.xsm"');
  const abs = (u) => new URL(u, location.href).href;
  const options = {
    model: abs(d.model),
    // Beside this file, with this file's query: a versioned script URL
    // (`xsell.js?v=…`) versions the wasm too, so both can be cached long.
    wasm: new URL(`xsell_bg.wasm${new URL(script.src).search}`, script.src).href,
    endpoint: d.endpoint ? abs(d.endpoint) : undefined,
    config: d.config ? abs(d.config) : undefined,
    experiments: d.experiments ? abs(d.experiments) : undefined,
    consent: d.consent === undefined ? undefined : d.consent !== 'false',
    epsilon: d.epsilon === undefined ? undefined : Number(d.epsilon),
    currencySymbol: d.currency,
    imageHosts: d.imageHosts ? d.imageHosts.split(/[\s,]+/).filter(Boolean) : undefined,
    autoTrack: d.autoTrack !== 'false',
  };
  // The start in a task of its own, after this file's evaluation.
  ns.ready = nextTask().then(() => start(options));
  ns.ready.catch(() => {}); // start() has logged it
} catch (e) {
  console.warn(String((e && e.message) || e));
}
