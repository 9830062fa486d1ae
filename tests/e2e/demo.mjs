// The demo shop beside the collector, started for an end-to-end test on a
// loopback port with a fresh SQLite database. Shared by the e2e files.
//   XSELL_BIN    the demo binary (default target/release/xsell-demo)
//   XSELL_MODEL  the model file (default target/e2e/model.xsm)
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = process.env.XSELL_BIN ?? 'target/release/xsell-demo';
export const MODEL = process.env.XSELL_MODEL ?? 'target/e2e/model.xsm';

/**
 * Starts `xsell-demo serve` over `model` and resolves, once its banner is
 * out, to `{server, base, token}`: the child process, the shop's URL and
 * the collector's admin token.
 */
export function startDemo(name = 'xsell-e2e', model = MODEL) {
  const db = join(mkdtempSync(join(tmpdir(), `${name}-`)), 'reports.sqlite');
  const server = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', '--db', db, '--model', model, '--www', 'www', '--dist', 'dist'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    server.stderr.on('data', (d) => {
      err += d;
      const m = /demo shop on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      const t = /dashboard#token=([0-9a-f]+)/.exec(err);
      if (m && t) resolve({ server, base: m[1], token: t[1] });
    });
    server.on('exit', (code) => reject(new Error(`xsell-demo exited (${code}): ${err}`)));
  });
}
