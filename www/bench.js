// The browser benchmark: model bytes -> first render, recommend() p50/p99,
// and the longest main-thread task, for the demo model (14k items) and a
// synthetic 100k-item model. Results go to the table and window.__bench
// (read by benches/browser.mjs in headless Chrome).
import { initWasm, Engine } from '/npm/index.js';

const MODELS = [
  { name: 'Instacart demo', url: document.querySelector('meta[name=xsell-model]')?.content ?? '/model.xsm' },
  { name: 'synthetic', url: '/bench/synthetic-100k.xsm' },
];
const REQUESTS = 300;

const tasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) tasks.push({ start: e.startTime, end: e.startTime + e.duration, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  /* no longtask support: reported as null */
}

const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const round = (x) => (x == null ? null : Math.round(x * 1000) / 1000);

async function one(model, k) {
  const bytes = new Uint8Array(await (await fetch(model.url)).arrayBuffer());
  await frame();
  const host = document.getElementById('bench-host');
  host.replaceChildren();
  const el = document.createElement('div');
  host.append(el);
  const from = performance.now();
  const engine = await Engine.load(bytes, { storagePrefix: `xsell-bench-${k}-${Date.now()}` });
  const loaded = performance.now();
  const seed = engine.recommend({ placement: 'home', slots: 24 }).items.map((c) => c.id);
  engine.track('add_to_cart', { items: [{ item_id: seed[0] }, { item_id: seed[1] }] });
  const carousel = engine.mount(el, { placement: 'cart' });
  await frame();
  const rendered = performance.now();

  // Sessions that grow and end: add an item from the last slate, recommend;
  // every sixth request the order is placed and a new basket starts.
  const pool = [...seed];
  const times = [];
  for (let i = 0; i < REQUESTS; i++) {
    if (i % 6 === 5) engine.track('purchase', { items: engine.cart().map((id) => ({ item_id: id })) });
    engine.track('add_to_cart', { items: [{ item_id: pool[(i * 7919) % pool.length] }] });
    const t = performance.now();
    const slate = engine.recommend({ placement: 'cart', slots: 8 });
    times.push(performance.now() - t);
    for (const c of slate.items) if (pool.length < 500) pool.push(c.id);
    await new Promise((r) => setTimeout(r, 0)); // one request per task, as on a page
  }
  const done = performance.now();
  carousel.free();
  const info = engine.modelInfo();
  engine.free();
  const mine = tasks.filter((t) => t.end >= from && t.start <= done);
  const worst = mine.reduce((a, t) => (a && a.duration >= t.duration ? a : t), null);
  const phase = !worst ? null : worst.start < loaded ? 'load' : worst.start < rendered ? 'first render' : 'requests';
  return {
    model: model.name,
    items: info.items,
    modelBytes: info.bytes,
    bytesToFirstRenderMs: round(rendered - from),
    loadMs: round(loaded - from),
    recommendP50Ms: round(quantile(times, 0.5)),
    recommendP99Ms: round(quantile(times, 0.99)),
    recommendMeanMs: round(times.reduce((a, b) => a + b, 0) / times.length),
    longestTaskMs: 'PerformanceObserver' in window ? round(Math.max(0, ...mine.map((t) => t.duration))) : null,
    tasksOver50: mine.filter((t) => t.duration > 50).length,
    longestTaskPhase: phase,
  };
}

async function run() {
  const state = document.getElementById('state');
  const tbody = document.querySelector('#results tbody');
  tbody.replaceChildren();
  await initWasm();
  const results = [];
  for (const [k, m] of MODELS.entries()) {
    state.textContent = `Running ${m.name}…`;
    const r = await one(m, k);
    results.push(r);
    const tr = document.createElement('tr');
    for (const v of [r.model, r.items, r.bytesToFirstRenderMs, r.loadMs, r.recommendP50Ms, r.recommendP99Ms, r.longestTaskMs, r.tasksOver50]) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.append(td);
    }
    tbody.append(tr);
  }
  state.textContent = `Done. Timer resolution: ${crossOriginIsolated ? '5 µs (cross-origin isolated)' : '100 µs'}.`;
  window.__bench = { crossOriginIsolated, userAgent: navigator.userAgent, results };
}

document.getElementById('run').addEventListener('click', run);
if (new URLSearchParams(location.search).has('auto')) run();
