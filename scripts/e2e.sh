#!/usr/bin/env bash
# End-to-end tests of the demo shop in headless Chromium (playwright-core):
# builds the CLI, the widget and a demo model, then runs tests/e2e/run.mjs,
# delivery.mjs and xss.mjs (the hostile-catalogue walk builds its own model).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-prep.sh
node --test --test-reporter=spec tests/e2e/run.mjs tests/e2e/delivery.mjs tests/e2e/xss.mjs
