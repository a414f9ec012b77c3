#!/usr/bin/env bash
# The whole suite as CI runs it: install test tools, build, run jest, print "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-tools.sh || exit 1
pnpm run build || exit 1
mkdir -p test-results
npx jest --ci --json --outputFile=test-results/jest.json "$@"
status=$?
node -e '
const r = require("./test-results/jest.json");
const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
console.log(`${r.numPassedTests} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || { echo "0 passed, 1 failed"; exit 1; }
exit $status
