#!/usr/bin/env bash
# `npm pack` the package, install the tarball into a scratch project, and
# use it there: Node smoke test (exports map, wasm, model) and a TypeScript
# consumer compiled against the shipped types.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:-target/e2e/model.xsm}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tarball=$(npm pack --silent --pack-destination "$scratch" | tail -1)
echo "packed $tarball ($(wc -c <"$scratch/$tarball") bytes)"
(cd "$scratch" && npm init -y >/dev/null && npm pkg set type=module >/dev/null \
  && npm install --no-audit --no-fund --offline "./$tarball" >/dev/null)
cp tests/npm/smoke.mjs tests/npm/app.ts "$scratch/"
node "$scratch/smoke.mjs" "$PWD/$MODEL"
node_modules/.bin/tsc --noEmit --strict --module nodenext --moduleResolution nodenext \
  --target es2022 --lib esnext,dom --skipLibCheck false "$scratch/app.ts"
echo "TypeScript consumer compiles against the packed types"
