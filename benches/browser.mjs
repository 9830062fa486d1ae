// The browser benchmark in headless Chromium: opens /bench?auto=1 of a
// running demo shop (scripts/bench-browser.sh starts one) and prints the
// results as a Markdown table. The longtask API reports only tasks over
// 50 ms: "none" means no task of the run was longer.
import { launch } from '../tests/e2e/chrome.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8710';
const browser = await launch();
const page = await browser.newPage();
page.on('pageerror', (e) => console.error('pageerror:', e.message));
await page.goto(`${base}/bench?auto=1`);
await page.waitForFunction(() => window.__bench, null, { timeout: 120000, polling: 250 });
const b = await page.evaluate(() => window.__bench);
await browser.close();
console.log(`${b.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? ''}, cross-origin isolated: ${b.crossOriginIsolated}\n`);
console.log('| model | items | bytes → first render | load (verify + prepare) | recommend p50 | p99 | mean | longest task (phase) | tasks > 50 ms |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of b.results) {
  console.log(`| ${r.model} | ${r.items} | ${r.bytesToFirstRenderMs} ms | ${r.loadMs} ms | ${r.recommendP50Ms} ms | ${r.recommendP99Ms} ms | ${r.recommendMeanMs} ms | ${r.longestTaskPhase ? `${r.longestTaskMs} ms (${r.longestTaskPhase})` : 'none over 50 ms'} | ${r.tasksOver50} |`);
}
