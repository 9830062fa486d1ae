// End-to-end tests of the demo shop in real headless Chromium
// (playwright-core, the machine's /usr/bin/chromium). Starts `xsell-demo`
// (the demo shop beside the collector) on a loopback port; run through scripts/e2e.sh, which
// builds the widget and a model first.
//   XSELL_BIN    the demo binary (default target/release/xsell-demo)
//   XSELL_MODEL  the model file (default target/e2e/model.xsm)
//   XSELL_OUT    where the screenshot goes (default out/e2e)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { launch } from './chrome.mjs';
import { BIN, MODEL, startDemo } from './demo.mjs';

const OUT = process.env.XSELL_OUT ?? 'out/e2e';

let server;
let base;
let browser;
let proxy;
// Every request body that leaves the browser, as the network sees it: the
// browser talks to the shop through this recording proxy, so beacons sent
// while a page unloads are captured too.
let wire = [];

function startProxy() {
  return new Promise((resolve) => {
    const p = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        wire.push({ method: req.method, url: req.url, body: body.toString('utf8') });
        const up = http.request(req.url, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        up.end(body);
      });
    });
    p.listen(0, '127.0.0.1', () => resolve(p));
  });
}

/** The collector's admin token, from its start banner. */
let token;

before(async () => {
  ({ server, base, token } = await startDemo('xsell-e2e'));
  proxy = await startProxy();
  browser = await launch([`--proxy-server=http://127.0.0.1:${proxy.address().port}`, '--proxy-bypass-list=<-loopback>']);
});

after(async () => {
  await browser?.close();
  proxy?.close();
  server?.kill();
});

/** A fresh browser profile (own localStorage) with console and CSP capture. */
async function open(init) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (init) await context.addInitScript(init);
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective));
  });
  const page = await context.newPage();
  const log = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  wire = [];
  // A report is sent until acknowledged (fetch when the page is hidden,
  // a beacon at pagehide, again on the next page while unacknowledged):
  // the same bytes each time, so the reports are the distinct bodies.
  const beacons = {
    get length() {
      return beacons.bodies().length;
    },
    bodies: () => [...new Set(wire.filter((w) => w.url.endsWith('/v1/reports')).map((w) => w.body))],
    sends: () => wire.filter((w) => w.url.endsWith('/v1/reports')).length,
  };
  return { context, page, log, beacons };
}

const cards = (page) =>
  page.evaluate(() => {
    const w = document.querySelector('xsell-recommendations');
    const r = w?.shadowRoot;
    return r ? [...r.querySelectorAll('li[data-id]')].map((li) => li.dataset.id) : [];
  });

async function waitCards(page, min = 1) {
  await page.waitForFunction(
    (n) => (document.querySelector('xsell-recommendations')?.shadowRoot?.querySelectorAll('li[data-id]').length ?? 0) >= n,
    min,
    { timeout: 15000 },
  );
  return cards(page);
}

const BANANA = '24852';

test('script tag: product page shows reasoned cards under a strict CSP, with a screenshot', async () => {
  const { context, page, log } = await open();
  const assets = [];
  page.on('response', (r) => {
    if (/\/(static|xsell)\//.test(new URL(r.url()).pathname)) assets.push([r.url(), r.headers()['cache-control']]);
  });
  const resp = await page.goto(`${base}/p/${BANANA}`);
  const csp = resp.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  const ids = await waitCards(page, 4);
  assert.ok(!ids.includes(BANANA), 'the viewed product is not recommended');
  const reasons = await page.evaluate(() =>
    [...document.querySelector('xsell-recommendations').shadowRoot.querySelectorAll('.reason')].map((e) => e.textContent));
  assert.ok(reasons.every((r) => r.length > 0));
  assert.ok(reasons.some((r) => r.includes('Banana')), reasons.join(' | '));
  await page.waitForFunction(() =>
    [...document.querySelector('xsell-recommendations').shadowRoot.querySelectorAll('img')].slice(0, 3).every((i) => i.complete && i.naturalWidth > 0));
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');
  assert.deepEqual(await page.evaluate(() => Object.keys(window).filter((k) => k.startsWith('xsell'))), ['xsell'], 'one global');
  assert.deepEqual(log.filter((l) => l.startsWith('error') || l.startsWith('pageerror')), []);
  // Every static asset (stylesheet, scripts, the wasm) has a versioned URL
  // and a year's cache.
  assert.ok(assets.some(([u]) => u.includes('xsell_bg.wasm?v=')), JSON.stringify(assets));
  for (const [u, cc] of assets) assert.equal(cc, 'public, max-age=31536000, immutable', u);
  // Images (named by product id) for a week, then revalidated by ETag.
  const img = await fetch(`${base}/img/${BANANA}.svg`);
  assert.match(img.headers.get('cache-control'), /max-age=604800/);
  const again = await fetch(`${base}/img/${BANANA}.svg`, { headers: { 'If-None-Match': img.headers.get('etag') } });
  assert.equal(again.status, 304);
  mkdirSync(OUT, { recursive: true });
  await page.locator('xsell-recommendations').screenshot({ path: join(OUT, 'carousel.png') });
  await context.close();
});

/** axe-core's violations in `context` (a selector, or the whole page), open shadow roots included. */
async function axeViolations(page, context = 'xsell-recommendations') {
  await page.evaluate(readFileSync('node_modules/axe-core/axe.min.js', 'utf8')); // CDP: outside the page's CSP
  return page.evaluate(async (ctx) => {
    const r = await window.axe.run(ctx === 'document' ? document : ctx, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  }, context);
}

/** A device salt that puts the home page's shopper in `arm` of the layout experiment. */
async function saltFor(arm) {
  for (let salt = 1; salt <= 60; salt++) {
    const hex = salt.toString(16).padStart(16, '0');
    const { context, page } = await open(`localStorage.setItem('xsell:salt', '${hex}')`);
    await page.goto(`${base}/`);
    await waitCards(page, 1);
    const got = await page.evaluate(async () => (await window.xsell.ready).arm('home')?.arm);
    await context.close();
    if (got === arm) return hex;
  }
  throw new Error(`no salt up to 60 draws arm ${arm}`);
}

/** The element that has the focus, looking into the widget's shadow root: "body" when it fell out. */
const focusedDeep = (page) =>
  page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    if (!a || a === document.body) return 'body';
    return `${a.tagName.toLowerCase()}${a.dataset?.act ? `[${a.dataset.act}]` : ''}${a.dataset?.id ? `#${a.dataset.id}` : ''}${a.getAttribute('role') ? `(${a.getAttribute('role')})` : ''}`;
  });

test('accessibility engine: axe-core finds nothing on any demo page, in both layouts, light and dark, at 100 % and 200 % zoom', async () => {
  const salts = { carousel: await saltFor('carousel'), grid: await saltFor('grid') };
  // 200 % zoom is the same page in half the CSS pixels.
  for (const [zoom, viewport] of [['100%', { width: 1280, height: 900 }], ['200%', { width: 640, height: 450 }]]) {
    for (const colorScheme of ['light', 'dark']) {
      for (const [layout, salt] of Object.entries(salts)) {
        const context = await browser.newContext({ viewport, colorScheme });
        await context.addInitScript(`localStorage.setItem('xsell:salt', '${salt}')`);
        const page = await context.newPage();
        const where = `${layout}, ${colorScheme}, ${zoom}`;
        await page.goto(`${base}/`);
        await waitCards(page, 1);
        assert.equal(await page.evaluate(() => !!document.querySelector('xsell-recommendations').shadowRoot.querySelector('ul.grid')), layout === 'grid', where);
        assert.deepEqual(await axeViolations(page, 'document'), [], `home page (${where})`);
        if (layout === 'grid') {
          await context.close();
          continue; // the grid arm is the home page's only
        }
        await page.goto(`${base}/p/${BANANA}`);
        const first = (await waitCards(page, 4))[0];
        assert.deepEqual(await axeViolations(page, 'document'), [], `product page (${where})`);
        // Reflow (WCAG 1.4.10): no page-wide horizontal scrolling.
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth + 1), `product page scrolls sideways (${where})`);
        await page.locator(`xsell-recommendations li[data-id="${first}"] button[data-act=add]`).click();
        await page.goto(`${base}/cart`);
        await waitCards(page, 2);
        await page.waitForFunction(() => document.querySelectorAll('#cart-items li').length === 1);
        assert.deepEqual(await axeViolations(page, 'document'), [], `cart page (${where})`);
        await page.goto(`${base}/checkout`);
        await waitCards(page, 1);
        assert.deepEqual(await axeViolations(page, 'document'), [], `checkout page (${where})`);
        await page.goto(`${base}/search?q=milk`);
        assert.deepEqual(await axeViolations(page, 'document'), [], `search page (${where})`);
        if (colorScheme === 'dark' && zoom === '100%') {
          await page.goto(`${base}/p/${BANANA}`);
          await waitCards(page, 4);
          mkdirSync(OUT, { recursive: true });
          await page.locator('xsell-recommendations').screenshot({ path: join(OUT, 'carousel-dark.png') });
        }
        await context.close();
      }
    }
  }
});

test('keyboard: after every carousel action the focus is on something visible in the widget, never on <body>', async () => {
  const { context, page } = await open();
  await page.goto(`${base}/p/${BANANA}`);
  let ids = await waitCards(page, 6);
  mkdirSync(OUT, { recursive: true });
  const shot = (name) => page.locator('xsell-recommendations').screenshot({ path: join(OUT, `focus-${name}.png`) });
  const expectFocus = async (what, pattern) => {
    const f = await focusedDeep(page);
    assert.notEqual(f, 'body', `${what}: focus fell to <body>`);
    if (pattern) assert.match(f, pattern, what);
  };
  await page.locator(`xsell-recommendations li[data-id="${ids[0]}"]`).focus();
  await page.keyboard.press('ArrowRight');
  await expectFocus('ArrowRight', new RegExp(`^li#${ids[1]}$`));
  await shot('card');
  await page.keyboard.press('Tab'); // into the card: its link
  await page.keyboard.press('Tab'); // Add to cart
  await expectFocus('Tab to Add to cart', new RegExp(`^button\\[add\\]`));
  await shot('add');
  // Add to cart with Enter: the shop adds it, the widgets re-render around
  // the new cart, and the focus stays at that place in the carousel.
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('cart-count').textContent === '1');
  await page.waitForTimeout(300);
  await expectFocus('Enter on Add to cart');
  ids = await cards(page);
  // "Not interested" with Enter: the next card takes the focus.
  await page.locator(`xsell-recommendations li[data-id="${ids[1]}"]`).focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expectFocus('Tab to Not interested', /^button\[dismiss\]/);
  await shot('dismiss');
  await page.keyboard.press('Enter');
  await expectFocus('Enter on Not interested', /^li#/);
  // Previous / Next.
  await page.locator('xsell-recommendations button[data-act=next]').focus();
  await page.keyboard.press('Enter');
  await expectFocus('Next', /^button\[next\]/);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await expectFocus('Previous', /^button\[prev\]/);
  // Delete every card in turn: focus walks the cards, then rests on the
  // "No more suggestions" message.
  ids = await cards(page);
  await page.locator(`xsell-recommendations li[data-id="${ids[0]}"]`).focus();
  for (let k = 0; k < ids.length; k++) {
    await page.keyboard.press('Delete');
    await expectFocus(`Delete ${k + 1} of ${ids.length}`);
  }
  assert.deepEqual(await cards(page), []);
  await expectFocus('after the last card', /^p/);
  const message = await page.evaluate(() => document.querySelector('xsell-recommendations').shadowRoot.activeElement.textContent);
  assert.match(message, /No more suggestions/);
  await shot('empty');
  await context.close();
});

test('layout: the widget moves nothing on the host page (cumulative layout shift)', async () => {
  const { context, page } = await open(() => {
    window.__cls = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls.push(e.value);
    }).observe({ type: 'layout-shift', buffered: true });
  });
  for (const path of [`/p/${BANANA}`, '/']) {
    await page.goto(`${base}${path}`);
    await waitCards(page, 1);
    await page.waitForFunction(() =>
      [...document.querySelector('xsell-recommendations').shadowRoot.querySelectorAll('img')].every((i) => i.complete));
    await page.waitForTimeout(300);
    const shifts = await page.evaluate(() => window.__cls);
    const cls = shifts.reduce((a, b) => a + b, 0);
    console.log(`CLS ${path}: ${cls.toFixed(4)} (${shifts.length} shifts)`);
    assert.ok(cls < 0.01, `${path}: CLS ${cls} from ${shifts.length} shifts`);
  }
  await context.close();
});

test('view -> recommendation -> click -> add to cart -> Not interested survives a reload', async () => {
  const { context, page } = await open();
  await page.goto(`${base}/p/${BANANA}`);
  const ids = await waitCards(page, 4);
  // Click the first card's link: a select_item, then the product page.
  const first = ids[0];
  await page.locator(`xsell-recommendations li[data-id="${first}"] a`).click();
  await page.waitForURL(`${base}/p/${first}`);
  await waitCards(page, 2);
  // Add a recommended item to the cart from the carousel.
  const next = (await cards(page))[0];
  await page.locator(`xsell-recommendations li[data-id="${next}"] button[data-act=add]`).click();
  await page.waitForFunction(() => document.getElementById('cart-count').textContent === '1');
  // The cart page recommends around the cart, never the cart's item.
  await page.goto(`${base}/cart`);
  await page.waitForFunction(() => document.querySelectorAll('#cart-items li').length === 1);
  const cartRecs = await waitCards(page, 3);
  assert.ok(!cartRecs.includes(next), 'an item in the cart is not recommended');
  const gone = cartRecs[0];
  await page.locator(`xsell-recommendations li[data-id="${gone}"] button[data-act=dismiss]`).click();
  assert.ok(!(await cards(page)).includes(gone), 'removed at once');
  await page.reload();
  const again = await waitCards(page, 2);
  assert.ok(!again.includes(gone), `${gone} came back after a reload`);
  await context.close();
});

test('keyboard: Tab reaches the carousel, arrows move between cards', async () => {
  const { context, page } = await open();
  await page.goto(`${base}/p/${BANANA}`);
  const ids = await waitCards(page, 3);
  await page.locator(`xsell-recommendations li[data-id="${ids[0]}"]`).focus();
  await page.keyboard.press('ArrowRight');
  const focused = await page.evaluate(() => document.querySelector('xsell-recommendations').shadowRoot.activeElement?.dataset.id);
  assert.equal(focused, ids[1]);
  await page.keyboard.press('End');
  const last = await page.evaluate(() => document.querySelector('xsell-recommendations').shadowRoot.activeElement?.dataset.id);
  assert.equal(last, ids[ids.length - 1]);
  // Tab goes into the focused card: its link first.
  await page.keyboard.press('Tab');
  const inside = await page.evaluate(() => {
    const a = document.querySelector('xsell-recommendations').shadowRoot.activeElement;
    return [a?.tagName, a?.closest('li')?.dataset.id];
  });
  assert.deepEqual(inside, ['A', ids[ids.length - 1]]);
  // Delete on a card is "Not interested".
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Delete');
  assert.ok(!(await cards(page)).includes(ids[ids.length - 1]));
  await context.close();
});

test('npm ES module page renders the same widget', async () => {
  const { context, page, log } = await open();
  await page.goto(`${base}/p/${BANANA}?esm=1`);
  const ids = await waitCards(page, 4);
  assert.ok(ids.length >= 4);
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(log.filter((l) => l.startsWith('error') || l.startsWith('pageerror')), []);
  await context.close();
});

for (const [name, query, init] of [
  ['a missing model', '?model=missing', null],
  ['a corrupt model', '?model=corrupt', null],
  ['no WebAssembly', '', () => { delete window.WebAssembly; }],
]) {
  test(`${name}: nothing rendered, one line logged, the page still works`, async () => {
    const { context, page, log } = await open(init);
    await page.goto(`${base}/p/${BANANA}${query}`);
    await page.waitForFunction(() => Boolean(window.xsell?.ready));
    await page.evaluate(() => window.xsell.ready.then(() => 0, () => 0));
    await page.waitForTimeout(200);
    const warnings = log.filter((l) => l.includes('xsell:'));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.equal(await page.evaluate(() => document.querySelector('xsell-recommendations').shadowRoot?.childElementCount ?? 0), 0);
    assert.ok(!log.some((l) => l.startsWith('pageerror')), log.join('\n'));
    await page.locator('main button[data-add]').click();
    await page.waitForFunction(() => document.getElementById('cart-count').textContent === '1');
    await context.close();
  });
}

/** Shows a carousel, then hides the page (pagehide): the report goes out. */
async function visitAndLeave(page) {
  await page.goto(`${base}/p/${BANANA}`);
  await waitCards(page, 4);
  // Impressions count only cards actually seen (IntersectionObserver).
  await page.locator('xsell-recommendations').scrollIntoViewIfNeeded();
  await page.waitForFunction(() =>
    (JSON.parse(localStorage.getItem('xsell:device') ?? '{}').counts ?? []).some((c) => c.counts.impressions > 0));
  await page.goto(`${base}/search?q=milk`);
  await page.waitForTimeout(500);
}

test('experiments: two arms render differently, and their reports carry the experiment and arm and nothing new', async () => {
  const seen = new Set();
  for (let salt = 1; salt <= 40 && seen.size < 2; salt++) {
    const hex = salt.toString(16).padStart(16, '0');
    const { context, page, beacons, log } = await open(`localStorage.setItem('xsell:salt', '${hex}')`);
    await page.goto(`${base}/`);
    await waitCards(page, 1);
    const arm = await page.evaluate(async () => (await window.xsell.ready).arm('home'));
    assert.equal(arm.experiment, 'home-layout');
    const grid = await page.evaluate(() =>
      !!document.querySelector('xsell-recommendations').shadowRoot.querySelector('ul.track.grid'));
    assert.equal(grid, arm.arm === 'grid', `arm ${arm.arm} renders as ${grid ? 'grid' : 'carousel'}`);
    if (!seen.has(arm.arm)) {
      seen.add(arm.arm);
      await page.locator('xsell-recommendations').scrollIntoViewIfNeeded();
      await page.waitForFunction(() =>
        (JSON.parse(localStorage.getItem('xsell:device') ?? '{}').counts ?? [])
          .some((c) => c.placement === 'home' && c.counts.impressions > 0));
      await page.goto(`${base}/search?q=milk`);
      await page.waitForTimeout(500);
      const raw = beacons.bodies().filter((b) => JSON.parse(b).placement === 'home');
      assert.equal(raw.length, 1, 'one report for the placement-day');
      const report = JSON.parse(raw[0]);
      assert.deepEqual(Object.keys(report).sort(), ['arm', 'day', 'experiment', 'id', 'placement', 'v', 'values']);
      assert.equal(report.v, 5);
      assert.match(report.id, /^[0-9a-f]{32}$/, 'a random report id, nothing else');
      assert.deepEqual([report.experiment, report.arm], ['home-layout', arm.arm]);
      assert.doesNotMatch(raw[0], new RegExp(`${hex}|salt|http|127\\.0\\.0\\.1|T\\d\\d:`), raw[0]);
    }
    assert.deepEqual(log.filter((l) => l.startsWith('error') || l.startsWith('pageerror')), []);
    await context.close();
  }
  assert.deepEqual([...seen].sort(), ['carousel', 'grid'], 'both arms were drawn');
});

test('privacy: the bytes sent are a noised report with no identifier, URL or item id', async () => {
  const { context, page, beacons } = await open();
  await visitAndLeave(page);
  assert.equal(beacons.length, 1, 'one report per placement-day (however often it is sent)');
  assert.ok(beacons.sends() >= 1);
  const body = beacons.bodies()[0];
  const report = JSON.parse(body);
  assert.deepEqual(Object.keys(report).sort(), ['day', 'id', 'placement', 'v', 'values']);
  assert.equal(report.v, 5);
  assert.match(report.id, /^[0-9a-f]{32}$/, 'a random report id, nothing else');
  assert.equal(report.values.length, 1, 'one metric per report, drawn at random');
  assert.equal(report.values[0].eps, 1000, 'half the day\'s ε = 2 per placement report');
  assert.match(report.day, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(report.placement, 'product');
  assert.doesNotMatch(body, new RegExp(`${BANANA}|http|127\\.0\\.0\\.1|/p/|T\\d\\d:`), body);
  for (const v of report.values) assert.ok(v.eps > 0 && v.eps <= 2000, JSON.stringify(v));
  const total = report.values.reduce((s, v) => s + v.eps, 0);
  assert.ok(total <= 2000, `ε per report ${total / 1000} exceeds the daily budget`);
  // The collector stored it and answers today's stats.
  assert.equal((await fetch(`${base}/v1/stats?day=${report.day}&placement=product`)).status, 401, 'the stats need the admin token');
  const stats = await (await fetch(`${base}/v1/stats?day=${report.day}&placement=product`, {
    headers: { Authorization: `Bearer ${token}` },
  })).json();
  assert.ok(stats.reports >= 1, JSON.stringify(stats));
  // A second visit the same day sends nothing more for this placement.
  await visitAndLeave(page);
  assert.equal(beacons.length, 1);
  await context.close();
});

for (const [name, init] of [
  ['Global Privacy Control', () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })],
  ['Do Not Track', () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })],
  ['consent switched off', () => localStorage.setItem('xsell:consent', '0')],
]) {
  test(`privacy: ${name} stops all reporting`, async () => {
    const { context, page, beacons } = await open(init);
    await visitAndLeave(page);
    assert.equal(beacons.length, 0, beacons.bodies().join('\n'));
    assert.ok(wire.length > 5, 'the proxy saw the page load');
    await context.close();
  });
}

test('dashboard: charts and a table of debiased KPIs with intervals, under the CSP', async () => {
  for (let k = 0; k < 2; k++) {
    const other = await open(); // two more shoppers, two more reports
    await visitAndLeave(other.page);
    await other.context.close();
  }
  // And one on the home page, in an arm of the demo's experiment.
  const home = await open();
  await home.page.goto(`${base}/`);
  await waitCards(home.page, 1);
  await home.page.locator('xsell-recommendations').scrollIntoViewIfNeeded();
  await home.page.waitForFunction(() =>
    (JSON.parse(localStorage.getItem('xsell:device') ?? '{}').counts ?? [])
      .some((c) => c.placement === 'home' && c.counts.impressions > 0));
  await home.page.goto(`${base}/search?q=milk`);
  await home.page.waitForTimeout(500);
  await home.context.close();
  const { context, page, log } = await open();
  // Without the token: the form asking for it, and no numbers.
  await page.goto(`${base}/dashboard`);
  await page.waitForSelector('#auth:not([hidden])');
  assert.match(await page.textContent('#summary'), /401/);
  assert.equal(await page.locator('figure.chart').count(), 0);
  assert.ok(log.every((l) => !l.startsWith('error') || /status of 401/.test(l)), log.join('\n'));
  await page.screenshot({ path: join(OUT, 'dashboard-signin.png') });
  log.length = 0; // the browser logs each 401; expected here
  // The start banner's link carries it in the fragment; it leaves the address bar.
  await page.goto(`${base}/dashboard?placement=#token=${token}`);
  await page.waitForFunction(() => /\d+ reports on/.test(document.getElementById('summary').textContent));
  assert.equal(new URL(page.url()).hash, '');
  assert.ok(await page.locator('#auth').isHidden());
  const summary = await page.textContent('#summary');
  assert.ok(Number(summary.split(' ')[0]) >= 1, summary);
  assert.equal(await page.locator('figure.chart svg[role=img]').count(), 5);
  // Each report carries one metric drawn at random, and with a handful of
  // noised reports a ratio may be undefined; but every report feeds some
  // chart, and every number shown has its interval.
  const labels = await page.locator('figure.chart svg').evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label')));
  assert.match(labels[0], /^Rates per impression\. CTR: /);
  assert.ok(labels.some((l) => /: -?[\d.]+%? \(95% interval -?[\d.]+%? to -?[\d.]+%?\)/.test(l)), labels.join('\n'));
  assert.ok((await page.locator('#table tbody tr').count()) >= 3);
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(log.filter((l) => l.startsWith('error') || l.startsWith('pageerror')), []);
  await page.screenshot({ path: join(OUT, 'dashboard.png'), fullPage: true });

  // The experiment: each arm day by day, a chart per KPI with a line per
  // arm, the same numbers as a table; and the duration calculator.
  await page.goto(`${base}/dashboard?experiment=home-layout`);
  await page.waitForFunction(() => document.querySelectorAll('#exp-daily figure.daily svg[role=img]').length === 4);
  assert.deepEqual(await page.locator('#exp-legend li').allTextContents(), ['carousel (control)', 'grid']);
  const daily = await page.locator('#exp-daily svg').evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label')));
  const kpis = ['CTR \\(clicks per impression\\)', 'purchases per impression', 'days with an order', 'order value per exposed day'];
  daily.forEach((label, k) => assert.match(label, new RegExp(`^${kpis[k]} per day(: no data|, \\d{4}-\\d\\d-\\d\\d to \\d{4}-\\d\\d-\\d\\d, by arm\\. carousel: .*; grid: )`), label));
  const dayRows = await page.locator('#exp-daily-table tbody tr').count();
  assert.ok(dayRows >= 2 && dayRows % 2 === 0, `${dayRows} rows: every day has both arms`);
  assert.match(await page.textContent('#exp-summary'), /\d+ reports from .* compared with carousel/);
  // The documented example: ε = 2 a day, 5,000 clients a day per arm, CTR
  // 2 % at 30 impressions a day, +10 %.
  for (const [id, v] of [['dur-epsilon', '2'], ['dur-clients', '10000'], ['dur-arms', '2'], ['dur-baseline', '2'], ['dur-impressions', '30'], ['dur-effect', '10']]) {
    await page.fill(`#${id}`, v);
  }
  await page.selectOption('#dur-metric', 'ctr');
  await page.click('#dur-form button[type=submit]');
  await page.waitForFunction(() => /days/.test(document.getElementById('dur-result').textContent));
  const result = await page.textContent('#dur-result');
  assert.match(result, /With the privacy noise \(ε = 1 per report\): 78 days\. Without it .*: 5 days\./, result);
  assert.match(await page.locator('#dur-chart svg').getAttribute('aria-label'), /^Days needed\. with the noise: 78 days; at unlimited ε: 13 days; without noise: 5 days$/);
  await page.selectOption('#dur-metric', 'order_rate');
  assert.equal(await page.locator('#dur-impressions').isDisabled(), true, 'the order rate needs no impressions');
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(log.filter((l) => l.startsWith('error') || l.startsWith('pageerror')), []);
  await page.locator('section.experiments').screenshot({ path: join(OUT, 'dashboard-experiment.png') });
  await context.close();
});

test('checkout survey: the answer is counted on the device and sent only noised', async () => {
  const { context, page, beacons } = await open();
  await page.goto(`${base}/checkout`);
  await page.waitForFunction(() => Boolean(window.xsell?.ready));
  await page.evaluate(() => window.xsell.ready);
  await page.locator('[data-relevance="4"]').click();
  await page.waitForFunction(() => document.getElementById('relevance-thanks').textContent.length > 0);
  const counts = await page.evaluate(() => JSON.parse(localStorage.getItem('xsell:device')).counts);
  assert.equal(counts.find((c) => c.placement === 'checkout')?.counts.relevance, 4);
  assert.equal(beacons.length, 0, 'nothing leaves while the page is open');
  await context.close();
});

test('e-mail: blocks from `xsell email` render in Chromium within 600 px, fetch nothing but item images, read in dark mode, and pass axe', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xsell-email-'));
  const day = (d) => new Date(Date.UTC(2026, 10, d, 10)).toISOString().replace('.000', '');
  const rows = ['recipient,order,time,item'];
  // Twelve recipients (keys like e-mail addresses), two orders each.
  for (let r = 0; r < 12; r++) {
    for (const [o, d, items] of [[1, 2, ['24852', '13176']], [2, 20, ['21137', '47209', String(27845 + r)]]]) {
      for (const it of items) rows.push(`shopper${r}@inbox.example,${r}-${o},${day(d)},${it}`);
    }
  }
  writeFileSync(join(dir, 'recipients.csv'), rows.join('\n') + '\n');
  const out = join(dir, 'campaign');
  const run = spawnSync(process.env.XSELL_CLI ?? 'target/release/xsell', [
    'email', '--model', MODEL, '--recipients', join(dir, 'recipients.csv'), '--campaign', 'winter-picks',
    '--shop-url', base, '--survey', '--control', '50', '--previews', '2', '--now', '2026-12-01T09:00:00Z', '-o', out,
  ], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const previews = readdirSync(join(out, 'preview'));
  assert.ok(previews.length >= 2, `previews: ${previews}`);
  const assignments = readFileSync(join(out, 'assignments.csv'), 'utf8');
  assert.match(assignments, /,legacy,/);
  assert.match(assignments, /,xsell,/);
  for (const [k, file] of previews.entries()) {
    const url = `file://${join(out, 'preview', file)}`;
    // As a mail client shows it: no JavaScript.
    const context = await browser.newContext({ viewport: { width: 900, height: 1400 }, javaScriptEnabled: false });
    const page = await context.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
    await page.waitForLoadState('networkidle');
    const others = requests.filter((u) => u !== url && !u.startsWith(`${base}/img/`));
    assert.deepEqual(others, [], 'only item images are fetched: no fonts, CSS, pixels or scripts');
    // The content (every table, image and link; mrml's outer wrapper only
    // paints the background across the window) spans at most 600 px.
    const span = await page.evaluate(() => {
      const boxes = [...document.body.querySelectorAll('table, img, a')].map((e) => e.getBoundingClientRect());
      return Math.max(...boxes.map((b) => b.right)) - Math.min(...boxes.map((b) => b.left));
    });
    assert.ok(span <= 600.5, `content spans ${span}px`);
    const links = await page.$$eval('a', (as) => as.map((a) => a.href));
    assert.ok(links.length >= 3);
    for (const l of links) {
      assert.ok(l.startsWith(base), l);
      assert.doesNotMatch(l, /inbox\.example|shopper\d/, 'no recipient field in a link');
      assert.match(l, /xs_c=winter-picks&xs_a=(xsell|legacy)&xs_(s|r)=\d$/);
    }
    assert.equal(links.filter((l) => /xs_r=\d$/.test(l)).length, 5, 'five survey links');
    const html = readFileSync(join(out, 'preview', file), 'utf8');
    assert.doesNotMatch(html, /<script|<link|@import|inbox\.example/);
    await page.screenshot({ path: join(OUT, `email-${k}.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => {
      const bg = getComputedStyle(document.body).backgroundColor;
      const title = [...document.querySelectorAll('a')].find((a) => a.textContent.trim().length > 3);
      return { bg, fg: getComputedStyle(title).color };
    });
    const lum = (c) => {
      const [r, g, b] = c.match(/\d+/g).slice(0, 3).map((x) => Number(x) / 255)
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [hi, lo] = [lum(dark.fg), lum(dark.bg)].sort((a, b) => b - a);
    assert.ok((hi + 0.05) / (lo + 0.05) >= 4.5, `dark-mode contrast of ${JSON.stringify(dark)}`);
    await page.screenshot({ path: join(OUT, `email-${k}-dark.png`), fullPage: true });
    await context.close();
    // axe needs JavaScript: a second look with it on.
    const axeContext = await browser.newContext();
    const axePage = await axeContext.newPage();
    await axePage.goto(url);
    await axePage.evaluate(readFileSync('node_modules/axe-core/axe.min.js', 'utf8'));
    const violations = await axePage.evaluate(async () => {
      const r = await window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      });
      return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
    });
    assert.deepEqual(violations, [], file);
    await axeContext.close();
  }
});

test('e-mail landing: the link\'s campaign and arm are counted on the device, dropped from the address bar, and leave only noised', async () => {
  const { context, page, beacons } = await open();
  const q = 'utm_source=xsell&utm_medium=email&utm_campaign=winter-picks&xs_c=winter-picks&xs_a=xsell&xs_s=2';
  await page.goto(`${base}/p/${BANANA}?${q}`);
  await waitCards(page, 4);
  await page.waitForFunction(() => !location.search.includes('xs_'));
  assert.match(page.url(), /utm_campaign=winter-picks/, 'the shop\'s own parameters stay');
  const device = async () => JSON.parse(await page.evaluate(() => localStorage.getItem('xsell:device')));
  let d = await device();
  assert.deepEqual(d.journey.touches, ['email']);
  assert.equal(d.email.campaign, 'winter-picks');
  const email = () => d.counts.find((c) => c.placement === 'email');
  assert.deepEqual([email().experiment, email().arm, email().counts.clicks], ['winter-picks', 'xsell', 1]);
  // A reload does not count the landing again: the link's parameters are gone.
  await page.reload();
  await waitCards(page, 4);
  d = await device();
  assert.equal(email().counts.clicks, 1);
  // Pages inside the visit are no arrivals (the demo shop sends no
  // referrer on its own links: the tab's visit flag tells them apart).
  await page.goto(`${base}/search?q=milk`);
  await page.goto(`${base}/p/${BANANA}`);
  await waitCards(page, 4);
  d = await device();
  assert.deepEqual(d.journey.touches, ['email'], 'internal pages add no direct touch');
  // An order after the landing counts for the campaign's arm and ends the journey.
  await page.evaluate(async () => (await window.xsell.ready).track('purchase', { items: [{ item_id: '24852' }], value: 12.5 }));
  d = await device();
  assert.equal(email().counts.purchases, 1);
  assert.equal(d.ended.length, 1);
  assert.deepEqual(d.ended[0].journey, { touches: ['email'], converted: true });
  await page.locator('xsell-recommendations').scrollIntoViewIfNeeded();
  await page.goto(`${base}/search?q=milk`);
  await page.waitForTimeout(500);
  const reports = beacons.bodies().map((b) => JSON.parse(b));
  const mail = reports.find((r) => r.placement === 'email');
  assert.ok(mail, beacons.bodies().join('\n'));
  assert.deepEqual([mail.v, mail.experiment, mail.arm, mail.values.length], [5, 'winter-picks', 'xsell', 1]);
  for (const b of beacons.bodies()) assert.doesNotMatch(b, /utm|xs_|http|24852|converted|touches/, b);
  await context.close();
});
