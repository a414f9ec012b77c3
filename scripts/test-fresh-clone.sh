#!/usr/bin/env bash
# The README's test command must pass on a fresh clone with nothing beside it: no ../shared/conformance (the
# public corpus that CI keeps beside the checkout). This clones the committed HEAD into an empty temporary
# directory, installs it offline from the pnpm store (so `pnpm install` must have run in the checkout
# first), builds it and runs there the suites that read the corpus (test/corpus-suites.json): they must pass,
# skipping only what needs the corpus. Ends with "fresh clone: N passed, N failed, N skipped"; exits non-zero
# when any of it fails.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
clone="$work/slo-engine"
fail() {
  echo "fresh clone: $1" >&2
  echo "fresh clone: 0 passed, 1 failed"
  exit 1
}

head="$(git -C "$root" rev-parse HEAD)" || fail "not a git checkout"
echo "fresh clone: $head in an empty directory"
git clone --quiet --no-checkout "$root" "$clone" || fail "git clone failed"
git -C "$clone" checkout --quiet --detach "$head" || fail "cannot check out $head"
cd "$clone" || fail "no clone"
[ ! -e ../shared ] || fail "../shared exists beside the clone"
# the corpus must be looked for where a fresh clone looks: beside it
unset SLO_CONFORMANCE_DIR

npx -y pnpm@10 install --offline --frozen-lockfile >"$work/install.log" 2>&1 || {
  tail -n 30 "$work/install.log" >&2
  fail "pnpm install --offline --frozen-lockfile failed (run pnpm install in the checkout first, to fill the store)"
}
npx -y pnpm@10 run build >"$work/build.log" 2>&1 || {
  tail -n 30 "$work/build.log" >&2
  fail "build failed"
}

mapfile -t suites < <(node -e 'for (const s of require("./test/corpus-suites.json")) console.log(s)') || fail "cannot read test/corpus-suites.json"
[ "${#suites[@]}" -gt 0 ] || fail "test/corpus-suites.json lists no suite"
npx jest --ci --json --outputFile="$work/jest.json" "${suites[@]}"
status=$?
node -e '
const r = require(process.argv[1]);
const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
console.log(`fresh clone: ${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests} skipped`);
' "$work/jest.json" || fail "jest wrote no results"
exit $status
