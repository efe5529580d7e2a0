#!/usr/bin/env bash
# The plan benchmark matrix of issue 13: repositories of 1,000 / 3,000 / 10,000 apps, changes affecting 1, 100 and
# 1,000 of them (first plan, second push), then the fan-out of 1,000 affected apps over 1, 2 and 4 worker processes.
# About half an hour on 2 cores; every figure is a ratio measured within its own run.
set -euo pipefail
cd "$(dirname "$0")/.."
for apps in 1000 3000 10000; do
  for affected in 1 100 1000; do
    echo "== $apps apps, $affected affected"
    node bench/plan-monorepo.ts --apps "$apps" --affected "$affected" 2>/dev/null | tail -2
  done
done
echo "== fan-out"
node bench/plan-fanout.ts --apps 1000 --affected 1000 --workers 1,2,4 2>/dev/null
