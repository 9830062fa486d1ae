// Core Web Vitals of a demo product page with the widget and without it
// (`?widget=off`), on the 14k-item demo model and the 100k synthetic one,
// in headless Chromium under mobile and desktop emulation (Lighthouse's
// presets: a Moto G Power–sized screen with 4× CPU slowdown; a 1350×940
// desktop). Each cell is the median of RUNS fresh profiles (cold caches).
// Measured in the page: LCP (largest-contentful-paint; also the page's own
// LCP element's time, without the widget's cards), CLS (layout-shift
// without recent input), TBT (the part over 50 ms of every long task after
// first contentful paint, until the cards are shown plus a second) and the
// longest task; and, from Long Animation Frames, the longest run of the
// widget's own scripts (xsell.js and its wasm, forced layout included) in
// one callback. Then INP, from Event Timing: the page's own Add to cart
// (which makes the widget render anew), and, with the widget, its "Not
// interested" and "Add to cart" on the first card, each clicked through
// CDP input events after the load's measurements are read, with the
// longest task in the 1.5 s after the clicks. The page is read through raw
// CDP (Runtime.evaluate), so the harness injects no script of its own into
// the tasks it measures. A benchmark, not a test: scripts/bench-cwv.sh
// runs it.
import { launch } from '../tests/e2e/chrome.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8720';
const RUNS = Number(process.env.RUNS ?? 5);
const PRODUCT = '/p/24852';
const PROFILES = {
  mobile: { viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true, cpu: 4 },
  desktop: { viewport: { width: 1350, height: 940 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false, cpu: 1 },
};

const observe = () => {
  window.__cwv = { lcp: 0, hostLcp: 0, cls: 0, fcp: 0, tasks: [], widget: 0, shown: 0, events: [] };
  // Interactions (entries of 16 ms and more; Event Timing rounds to 8 ms).
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) if (e.interactionId) window.__cwv.events.push([e.startTime, e.duration]);
  }).observe({ type: 'event', durationThreshold: 16, buffered: true });
  const poll = setInterval(() => {
    if ((document.querySelector('xsell-recommendations')?.shadowRoot?.querySelectorAll('li').length ?? 0) > 0) {
      window.__cwv.shown = performance.now();
      clearInterval(poll);
    }
  }, 50);
  if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
    new PerformanceObserver((l) => {
      for (const f of l.getEntries()) {
        for (const s of f.scripts) {
          if (/\/xsell\//.test(s.sourceURL)) window.__cwv.widget = Math.max(window.__cwv.widget, s.duration);
        }
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  }
  // Entries for the widget's content come with no element (it is in a
  // shadow root): the page's own LCP is the last entry with one.
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) {
      window.__cwv.lcp = e.startTime;
      if (e.element) window.__cwv.hostLcp = e.startTime;
    }
  })
    .observe({ type: 'largest-contentful-paint', buffered: true });
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__cwv.cls += e.value; })
    .observe({ type: 'layout-shift', buffered: true });
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.name === 'first-contentful-paint') window.__cwv.fcp = e.startTime; })
    .observe({ type: 'paint', buffered: true });
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__cwv.tasks.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask', buffered: true });
};

// What is clicked for INP: the product page's own button, then the
// widget's first card's buttons (in its shadow root).
const IN_WIDGET = "document.querySelector('xsell-recommendations').shadowRoot";
const CLICKS = [
  ['page', "document.querySelector('[data-add]')"],
  ['dismiss', `${IN_WIDGET}.querySelector('li button.dismiss')`],
  ['add', `${IN_WIDGET}.querySelector('li button.add')`],
];

/** Clicks `selector`'s element with real input events; the longest event
 * of that interaction (0 when under 16 ms), after 1.5 s for the page's
 * work to settle. */
async function click(cdp, read, selector) {
  const box = await read(`(() => { const e = ${selector}; if (!e) return null;
    e.scrollIntoView({ block: 'center' }); const r = e.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
  if (!box) throw new Error(`nothing to click: ${selector}`);
  await new Promise((r) => setTimeout(r, 300));
  const seen = await read('window.__cwv.events.length');
  for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) {
    await cdp.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: type === 'mouseMoved' ? 0 : 1 });
  }
  await new Promise((r) => setTimeout(r, 1500));
  const events = (await read('window.__cwv.events')).slice(seen);
  return events.reduce((a, [, d]) => Math.max(a, d), 0);
}

async function measure(browser, profile, query) {
  const { cpu, ...opts } = PROFILES[profile];
  const context = await browser.newContext(opts);
  await context.addInitScript(observe);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  const read = async (expression) => (await cdp.send('Runtime.evaluate', { expression, returnByValue: true })).result.value;
  await page.goto(`${base}${PRODUCT}${query}`, { waitUntil: 'load' });
  if (!query.includes('widget=off')) {
    const until = Date.now() + 30000;
    while (!(await read('window.__cwv.shown'))) {
      if (Date.now() > until) throw new Error(`no cards on ${PRODUCT}${query} within 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
  const m = await read('window.__cwv');
  const withWidget = !query.includes('widget=off');
  const inp = {};
  const clicksFrom = await read('performance.now()');
  for (const [name, selector] of CLICKS) {
    if (!withWidget && name !== 'page') continue;
    inp[name] = await click(cdp, read, selector);
  }
  const late = (await read('window.__cwv.tasks')).filter(([t]) => t >= clicksFrom);
  await context.close();
  const after = m.tasks.filter(([t]) => t >= m.fcp);
  return {
    inp,
    lateLongest: late.reduce((a, [, d]) => Math.max(a, d), 0),
    lcp: m.lcp,
    hostLcp: m.hostLcp,
    cls: m.cls,
    tbt: after.reduce((s, [, d]) => s + Math.max(0, d - 50), 0),
    longest: m.tasks.reduce((a, [, d]) => Math.max(a, d), 0),
    widget: m.widget,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await launch();
console.log(`${RUNS} runs a cell, median (worst run in brackets); TBT and the longest tasks count only tasks over 50 ms (0 = none);`);
console.log('INP of each click, 0 = under 16 ms (Event Timing reports from 16 ms, in steps of 8 ms)\n');
console.log('| model | device | page | LCP | LCP of the page\'s own content | CLS | TBT | longest task | longest widget script | INP: page\'s Add to cart | INP: card\'s Not interested | INP: card\'s Add to cart | longest task after the clicks |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
// PROFILE=mobile|desktop and MODEL=14k|100k narrow the table.
const pick = (xs, env, key) => xs.filter((x) => !process.env[env] || key(x).startsWith(process.env[env]));
for (const [model, q] of pick([['14k demo', ''], ['100k synthetic', 'model=synthetic-100k']], 'MODEL', ([m]) => m)) {
  for (const profile of pick(Object.keys(PROFILES), 'PROFILE', (p) => p)) {
    for (const [label, w] of [['without widget', 'widget=off'], ['with widget', '']]) {
      const query = [q, w].filter(Boolean).join('&');
      const runs = [];
      for (let k = 0; k < RUNS; k++) runs.push(await measure(browser, profile, query ? `?${query}` : ''));
      const col = (f) => median(runs.map(f));
      // Median and, in brackets, the worst run.
      const tail = (f) => `${col(f).toFixed(0)} ms (${Math.max(...runs.map(f)).toFixed(0)})`;
      console.log(`| ${model} | ${profile} | ${label} | ${col((r) => r.lcp).toFixed(0)} ms | ${col((r) => r.hostLcp).toFixed(0)} ms | ${col((r) => r.cls).toFixed(3)} | ${tail((r) => r.tbt)} | ${tail((r) => r.longest)} | ${w ? '–' : tail((r) => r.widget)} | ${tail((r) => r.inp.page)} | ${w ? '–' : tail((r) => r.inp.dismiss)} | ${w ? '–' : tail((r) => r.inp.add)} | ${tail((r) => r.lateLongest)} |`);
    }
  }
}
await browser.close();
