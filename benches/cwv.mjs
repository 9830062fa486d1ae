// Core Web Vitals of a demo product page with the widget and without it
// (`?widget=off`), on the 14k-item demo model and the 100k synthetic one,
// in headless Chromium under mobile and desktop emulation (Lighthouse's
// presets: a Moto G Power–sized screen with 4× CPU slowdown; a 1350×940
// desktop). Each cell is the median of RUNS fresh profiles (cold caches).
// Measured in the page: LCP (largest-contentful-paint; also the page's own
// LCP element's time, without the widget's cards), CLS (layout-shift
// without recent input), TBT (the part over 50 ms of every long task after
// first contentful paint, until the cards are shown plus a second) and the
// longest task. A benchmark, not a test: scripts/bench-cwv.sh runs it.
import { launch } from '../tests/e2e/chrome.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8720';
const RUNS = Number(process.env.RUNS ?? 5);
const PRODUCT = '/p/24852';
const PROFILES = {
  mobile: { viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true, cpu: 4 },
  desktop: { viewport: { width: 1350, height: 940 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false, cpu: 1 },
};

const observe = () => {
  window.__cwv = { lcp: 0, hostLcp: 0, cls: 0, fcp: 0, tasks: [] };
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

async function measure(browser, profile, query) {
  const { cpu, ...opts } = PROFILES[profile];
  const context = await browser.newContext(opts);
  await context.addInitScript(observe);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  await page.goto(`${base}${PRODUCT}${query}`, { waitUntil: 'load' });
  if (!query.includes('widget=off')) {
    await page.waitForFunction(() => (document.querySelector('xsell-recommendations')?.shadowRoot?.querySelectorAll('li').length ?? 0) > 0,
      null, { timeout: 30000 });
  }
  await page.waitForTimeout(1000);
  const m = await page.evaluate(() => window.__cwv);
  await context.close();
  const after = m.tasks.filter(([t]) => t >= m.fcp);
  return {
    lcp: m.lcp,
    hostLcp: m.hostLcp,
    cls: m.cls,
    tbt: after.reduce((s, [, d]) => s + Math.max(0, d - 50), 0),
    longest: m.tasks.reduce((a, [, d]) => Math.max(a, d), 0),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await launch();
console.log(`${RUNS} runs a cell, median; TBT and the longest task count only tasks over 50 ms (0 = none)\n`);
console.log('| model | device | page | LCP | LCP of the page\'s own content | CLS | TBT | longest task |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [model, q] of [['14k demo', ''], ['100k synthetic', 'model=synthetic-100k']]) {
  for (const profile of Object.keys(PROFILES)) {
    for (const [label, w] of [['without widget', 'widget=off'], ['with widget', '']]) {
      const query = [q, w].filter(Boolean).join('&');
      const runs = [];
      for (let k = 0; k < RUNS; k++) runs.push(await measure(browser, profile, query ? `?${query}` : ''));
      const col = (f) => median(runs.map(f));
      console.log(`| ${model} | ${profile} | ${label} | ${col((r) => r.lcp).toFixed(0)} ms | ${col((r) => r.hostLcp).toFixed(0)} ms | ${col((r) => r.cls).toFixed(3)} | ${col((r) => r.tbt).toFixed(0)} ms | ${col((r) => r.longest).toFixed(0)} ms |`);
    }
  }
}
await browser.close();
