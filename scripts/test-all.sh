#!/usr/bin/env bash
# The whole suite as CI runs it: install test tools, build, lint, check formatting and type-check sources and
# tests (pnpm check), run every jest project (unit and integration), print "N passed, N failed" (a failed check
# counts as one failed test).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-tools.sh || exit 1
pnpm run build || exit 1
# jest (SWC) strips types unchecked: the type check covers the test files too
checks=0
pnpm run --silent check || { checks=1; echo "check (lint, format, types): failed (above)"; }
mkdir -p test-results
npx jest --ci --json --outputFile=test-results/jest.json "$@"
status=$?
[ "$checks" -eq 0 ] || status=1
CHECKS_FAILED=$checks node -e '
const r = require("./test-results/jest.json");
const failed = r.numFailedTests + r.numRuntimeErrorTestSuites + Number(process.env.CHECKS_FAILED);
console.log(`${r.numPassedTests} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || { echo "0 passed, 1 failed"; exit 1; }
exit $status
