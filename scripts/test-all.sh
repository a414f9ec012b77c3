#!/usr/bin/env bash
# The whole suite as CI runs it: install test tools, build, type-check sources and tests, run jest, print
# "N passed, N failed" (a failed type check counts as one failed test).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-tools.sh || exit 1
pnpm run build || exit 1
# jest (SWC) strips types unchecked: the type check covers the test files too
typecheck=0
pnpm run --silent typecheck || { typecheck=1; echo "typecheck: failed (above)"; }
mkdir -p test-results
npx jest --ci --json --outputFile=test-results/jest.json "$@"
status=$?
[ "$typecheck" -eq 0 ] || status=1
TYPECHECK_FAILED=$typecheck node -e '
const r = require("./test-results/jest.json");
const failed = r.numFailedTests + r.numRuntimeErrorTestSuites + Number(process.env.TYPECHECK_FAILED);
console.log(`${r.numPassedTests} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || { echo "0 passed, 1 failed"; exit 1; }
exit $status
