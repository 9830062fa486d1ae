#!/usr/bin/env bash
# Builds the browser packages into dist/:
#   dist/esm/      ES module (wasm-bindgen --target web) + index.js + types
#   dist/bundler/  the same for bundlers that import .wasm (webpack, vite)
#   dist/script/   xsell.js for a <script> tag (one file + xsell_bg.wasm beside it)
# Needs the wasm32 target, wasm-bindgen (same version as Cargo.lock) and
# node_modules (npm ci: esbuild, binaryen's wasm-opt).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
[ -x node_modules/.bin/esbuild ] || npm ci --no-audit --no-fund >/dev/null

cargo build -p xsell --lib --target wasm32-unknown-unknown --profile wasm
WASM=target/wasm32-unknown-unknown/wasm/xsell.wasm
rm -rf dist && mkdir -p dist/esm dist/bundler dist/script
for t in web bundler; do
  out=dist/esm; [ "$t" = bundler ] && out=dist/bundler
  wasm-bindgen "$WASM" --out-dir "$out" --out-name xsell --target "$t"
  wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals "$out/xsell_bg.wasm" -o "$out/xsell_bg.wasm"
  cp js/index.js js/element.js js/autotrack.js js/index.d.ts "$out/"
  cp "js/core.$t.js" "$out/core.js"
done

cp js/script.js dist/esm/script.js
esbuild dist/esm/script.js --bundle --format=iife --minify --target=es2020 \
  --log-level=warning --log-override:empty-import-meta=silent --outfile=dist/script/xsell.js
cp dist/esm/xsell_bg.wasm dist/script/xsell_bg.wasm

for f in dist/esm/xsell_bg.wasm dist/script/xsell.js dist/esm/xsell.js; do
  printf '%-28s %8d bytes raw %8d gzipped\n' "$f" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
