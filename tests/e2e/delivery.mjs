// End-to-end test of report delivery in real headless Chromium: nothing the
// collector did not acknowledge is lost, and nothing is counted twice.
// Starts `xsell-demo serve` (the demo shop beside the collector) on a
// loopback port behind a proxy that can play the collector down (503 to
// every report, nothing forwarded). Run through scripts/e2e.sh, which
// builds the widget and a model first.
//   XSELL_BIN    the demo binary (default target/release/xsell-demo)
//   XSELL_MODEL  the model file (default target/e2e/model.xsm)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launch } from './chrome.mjs';
import { startDemo } from './demo.mjs';

const BANANA = '24852';

let server;
let base;
let token;
let browser;
let proxy;
/** While true the proxy answers 503 to every report and forwards none. */
let collectorDown = false;
/** Every report request the browser made: {body, status}. */
const posts = [];

function startProxy() {
  return new Promise((resolve) => {
    const p = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const report = req.method === 'POST' && req.url.endsWith('/v1/reports');
        if (report && collectorDown) {
          posts.push({ body: body.toString('utf8'), status: 503 });
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end('{"error":"collector stopped"}');
          return;
        }
        const up = http.request(req.url, { method: req.method, headers: req.headers }, (r) => {
          if (report) posts.push({ body: body.toString('utf8'), status: r.statusCode });
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

before(async () => {
  ({ server, base, token } = await startDemo('xsell-delivery'));
  proxy = await startProxy();
  browser = await launch([`--proxy-server=http://127.0.0.1:${proxy.address().port}`, '--proxy-bypass-list=<-loopback>']);
});

after(async () => {
  await browser?.close();
  proxy?.close();
  server?.kill();
});

/** The collector's report count for `day` and `placement`. */
async function stored(day, placement) {
  const r = await fetch(`${base}/v1/stats?day=${day}&placement=${placement}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(r.status, 200);
  return (await r.json()).reports;
}

/** The reports held on the device, as the widget stored them. */
const held = (page) =>
  page.evaluate(() => JSON.parse(localStorage.getItem('xsell:outbox') ?? '{"held":[]}').held);

test('reports held while the collector is down are delivered on the next visit and counted once', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const log = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));

  // The shopper browses while the collector answers 503.
  collectorDown = true;
  await page.goto(`${base}/p/${BANANA}`);
  await page.waitForFunction(
    () => (document.querySelector('xsell-recommendations')?.shadowRoot?.querySelectorAll('li[data-id]').length ?? 0) >= 4,
    null,
    { timeout: 15000 },
  );
  await page.locator('xsell-recommendations').scrollIntoViewIfNeeded();
  await page.waitForFunction(() =>
    (JSON.parse(localStorage.getItem('xsell:device') ?? '{}').counts ?? []).some((c) => c.counts.impressions > 0));
  await page.goto(`${base}/search?q=milk`);
  await page.waitForTimeout(1000);
  const refused = posts.filter((p) => p.status === 503);
  assert.ok(refused.length >= 1, `the report was sent while the collector was down: ${JSON.stringify(posts)}`);
  const report = JSON.parse(refused[0].body);
  assert.equal(report.placement, 'product');
  assert.match(report.id, /^[0-9a-f]{32}$/);
  const waiting = await held(page);
  assert.deepEqual(waiting.map((h) => h.id), [report.id], 'the unacknowledged report is held');
  assert.equal(waiting[0].body, refused[0].body, 'held as the exact bytes sent');
  assert.equal(await stored(report.day, 'product'), 0, 'nothing reached the collector');

  // The collector is back; the next visit delivers the held report.
  collectorDown = false;
  await page.goto(`${base}/search?q=banana`);
  await page.waitForFunction(
    () => (JSON.parse(localStorage.getItem('xsell:outbox') ?? '{"held":[]}').held ?? []).length === 0,
    null,
    { timeout: 15000 },
  );
  // It may arrive twice (the beacon at the last pagehide, which gets no
  // answer, and the new page's fetch): every copy is the same bytes and
  // the collector counts one.
  const delivered = posts.filter((p) => p.status === 204 && JSON.parse(p.body).id === report.id);
  assert.ok(delivered.length >= 1, JSON.stringify(posts));
  for (const d of delivered) assert.equal(d.body, refused[0].body, 'the same bytes: no new noise, no new ε');
  assert.equal(await stored(report.day, 'product'), 1, 'counted once');

  // Sent again anyway (a lost answer): acknowledged, still counted once.
  const again = await page.evaluate(async (body) => (await fetch('/v1/reports', { method: 'POST', body })).status, refused[0].body);
  assert.equal(again, 204);
  assert.equal(await stored(report.day, 'product'), 1, 'a repeated id is counted once');
  // Later visits send nothing more for it, and the ledger was charged once.
  const before = posts.length;
  await page.goto(`${base}/search?q=milk`);
  await page.waitForTimeout(500);
  assert.equal(posts.slice(before).filter((p) => JSON.parse(p.body).id === report.id).length, 0);
  const ledger = await page.evaluate(() => JSON.parse(localStorage.getItem('xsell:ledger')));
  assert.equal(ledger.spent, 1000, 'one report, one charge of ε = 1');
  // Chromium logs the 503 answers themselves as resource errors: expected.
  const errors = log.filter((l) => (l.startsWith('error') || l.startsWith('pageerror')) && !/status of 503/.test(l));
  assert.deepEqual(errors, []);
  await context.close();
});

test('consent switched off forgets the held reports and stops the retries', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  collectorDown = true;
  await page.goto(`${base}/p/${BANANA}`);
  await page.waitForFunction(
    () => (document.querySelector('xsell-recommendations')?.shadowRoot?.querySelectorAll('li[data-id]').length ?? 0) >= 4,
    null,
    { timeout: 15000 },
  );
  await page.locator('xsell-recommendations').scrollIntoViewIfNeeded();
  await page.waitForFunction(() =>
    (JSON.parse(localStorage.getItem('xsell:device') ?? '{}').counts ?? []).some((c) => c.counts.impressions > 0));
  await page.goto(`${base}/search?q=milk`);
  await page.waitForTimeout(1000);
  assert.ok((await held(page)).length >= 1, 'a report is held');
  await page.evaluate(async () => (await window.xsell.ready).setConsent(false));
  assert.deepEqual(await held(page), [], 'opting out forgets what is held');
  collectorDown = false;
  const before = posts.length;
  await page.goto(`${base}/search?q=banana`);
  await page.waitForTimeout(1000);
  assert.equal(posts.length, before, 'nothing is retried after the opt-out');
  await context.close();
});
