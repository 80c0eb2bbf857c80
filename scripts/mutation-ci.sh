#!/usr/bin/env bash
# The bounded part of mutation testing that CI runs (issue 15). StrykerJS in incremental mode against the
# committed bench/results/mutation-incremental.json: mutants whose code and covering tests are unchanged
# since that file was written keep their recorded result; only the others are tested again. Then every
# file of stryker.config.mjs's MUTATE must still score at least MUTATION_MIN percent.
#
# Bounded: the whole step stops after MUTATION_CI_SECONDS (default 1200 s). On an unchanged tree it is one
# instrumented test run (~1-2 min on 2 cores); a change to a core file re-tests that file's mutants only.
# If the time runs out, the incremental file is too stale for CI: the step fails and says how to refresh it
# (a full `npm run test:mutation -- --incremental` run, then commit bench/results/mutation-*).
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip
LIMIT="${MUTATION_CI_SECONDS:-1200}"
MIN="${MUTATION_MIN:-85}"
REPORT=bench/out/mutation/mutation.json
say() { printf '[mutation] %s\n' "$*"; }

start=$(date +%s)
say "Stryker incremental run against bench/results/mutation-incremental.json (limit ${LIMIT} s, minimum ${MIN} % per file)"
set +e
timeout --kill-after=30 "$LIMIT" npx --no-install stryker run --incremental --concurrency 2 --reporters clear-text,json
rc=$?
set -e
took=$(( $(date +%s) - start ))
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  say "error: the incremental mutation run took over ${LIMIT} s (fix: run \`npm run test:mutation -- --incremental\` and commit bench/results/mutation-*)"
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  say "error: Stryker failed (exit $rc) after ${took} s"
  exit "$rc"
fi
say "Stryker done in ${took} s"
node scripts/mutation-report.mjs "$REPORT" --command "bash scripts/mutation-ci.sh" --min "$MIN"
