// Runs inside a scratch project where the packed tarball was installed:
// the package resolves by name through its exports map and works in Node
// (wasm from bytes, model from bytes).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { initWasm, Engine, liveListeners } from 'xsell';

const wasm = readFileSync(fileURLToPath(import.meta.resolve('xsell/xsell_bg.wasm')));
await initWasm(wasm);
const engine = new Engine(readFileSync(process.argv[2]), { epsilon: 1 });
engine.track('add_to_cart', { items: [{ item_id: '24852' }] });
const slate = engine.recommend({ placement: 'cart', slots: 5 });
assert.equal(slate.items.length, 5);
assert.ok(slate.items.every((c) => c.id !== '24852' && c.reason.length > 0));
assert.equal(liveListeners(), 0);
assert.throws(() => engine.track('nope', {}), (e) => e instanceof Error && /unknown event/.test(e.message));
console.log(`npm package works: ${slate.items.map((c) => c.title).join(', ')}`);
