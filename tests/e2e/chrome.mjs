// The machine's Chromium for playwright-core, with the flags these machines
// need (root, no GPU, no calls to outside hosts). Shared by the end-to-end
// tests and the browser benchmark.
import { chromium } from 'playwright-core';

export const CHROME_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Launches /usr/bin/chromium with CHROME_ARGS and `extra` flags. */
export function launch(extra = []) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROME_ARGS, ...extra] });
}
