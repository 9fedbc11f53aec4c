#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it (and .ci/run through it):
#   1. system packages (Chromium, PostgreSQL 15) from Debian, if missing
#   2. format + lint (Biome), type-check (tsc), generated files up to date
#   3. unit, integration and API tests on the embedded PostgreSQL (newest)
#   4. the database tests again on Debian's PostgreSQL 15 (oldest supported)
#   5. build the web console and run the end-to-end test in real Chromium
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
node --version

bash scripts/install-system-deps.sh

echo "== lint, format, types"
biome ci .
tsc -p .
tsc -p apps/web
(cd apps/server && drizzle-kit check >/dev/null)

# Server tests need a database and run on both; the rest (agent, decoy generator, simulator, web
# logic) does not touch PostgreSQL and runs once, with the first suite.
db_tests=$(find apps/server -name '*.test.ts' -not -path '*/node_modules/*' | sort)
other_tests=$(find apps packages tools -name '*.test.ts' -not -path '*/node_modules/*' -not -path 'apps/server/*' | sort)
run_suite() {
  echo "== tests on $1 PostgreSQL"
  # shellcheck disable=SC2086
  node scripts/with-pg.ts "$1" -- node --test --test-concurrency=2 --test-reporter=spec $2
}
run_suite embedded "$db_tests $other_tests"
run_suite debian15 "$db_tests"

echo "== web console build and end-to-end test in Chromium"
npm run build -w @mamori/web --silent
node --test --test-reporter=spec e2e/*.test.ts
