#!/usr/bin/env bash
# The whole test suite (`npm test`): type check, lint, then every unit and e2e test in ONE node:test
# run, against one local environment (Kubernetes built from the Go module proxy + moto) that the
# global setup starts and always tears down. Installs moto where it is missing; builds Kubernetes
# on first use (15-25 minutes cold, cached by version in ~/.cache/node-termination-handler).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || { echo "test: go is required to build the test cluster's Kubernetes binaries" >&2; exit 1; }
# The demo test drives `npm start` in a terminal through tmux.
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
bash test/env/moto/ensure.sh
echo "== tsc --noEmit" >&2
tsc --noEmit
echo "== eslint" >&2
eslint --max-warnings 0 .
echo "== node --test (unit + e2e)" >&2
exec node --test --test-global-setup=test/env/global-setup.ts --test-timeout=900000 \
  "test/unit/**/*.test.ts" "test/cli/**/*.test.ts" "test/e2e/**/*.test.ts"
