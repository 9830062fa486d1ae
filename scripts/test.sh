#!/usr/bin/env bash
# Runs every check: fmt, clippy, the wasm32 build of the core, all Rust tests
# (the collector against SQLite and PostgreSQL), the browser layers (wasm in
# Node and headless Chrome, end-to-end in Chromium, the npm package) and
# bounded fuzzing.
# On a fresh machine it first installs what is missing (.ci/install); CI
# has done that already and says so with XSELL_DEPS_INSTALLED=1.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
if [ "${XSELL_DEPS_INSTALLED:-0}" != 1 ]; then
  bash .ci/install
fi
bash .ci/lint
bash .ci/unit
bash .ci/web
FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash .ci/fuzz
read -r passed failed < target/ci-test-totals
echo "== all checks passed (fmt, clippy, wasm32 build, Rust tests, wasm tests in Node and Chrome, e2e, npm pack, ${FUZZ_SECONDS:-60}s of fuzzing per target)"
echo "tests: ${passed} passed, ${failed} failed"
