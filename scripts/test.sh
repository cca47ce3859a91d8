#!/usr/bin/env bash
# Every test: type check, lint, core unit tests, end-to-end and fault tests (real Python, real files),
# the Python SDK's tests, and the packaging check. Installs what it needs first.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1
export LINEAGE_TEST_PYTHON=/usr/bin/python3

passed=0; failed=0
step() { echo; echo "==> $*"; }

step "typecheck (tsc --noEmit, strict)"
if npx tsc --noEmit -p .; then passed=$((passed+1)); else failed=$((failed+1)); echo "typecheck FAILED"; fi

step "lint (eslint + prettier --check, scripts/lint.sh)"
if bash scripts/lint.sh; then passed=$((passed+1)); else failed=$((failed+1)); echo "lint FAILED"; fi

step "python SDK tests (/usr/bin/python3 -m unittest)"
py_out=$(mktemp)
/usr/bin/python3 -m unittest discover -s test/python 2>&1 | tee "$py_out"
py_ran=$(grep -oE '^Ran [0-9]+' "$py_out" | grep -oE '[0-9]+' || echo 0)
py_bad=$(grep -oE '(failures|errors)=[0-9]+' "$py_out" | awk -F= '{s+=$2} END {print s+0}')
if [ "$py_ran" -eq 0 ]; then py_bad=$((py_bad+1)); echo "no Python test ran"; fi
passed=$((passed + py_ran - py_bad)); failed=$((failed + py_bad))

step "package (.vsix) contents"
if bash scripts/check-package.sh; then passed=$((passed+1)); else failed=$((failed+1)); echo "package check FAILED"; fi

step "node tests: unit, e2e, fault (node --test)"
node_out=$(mktemp)
node --test --test-concurrency=2 --test-reporter=spec dist-test/ 2>&1 | tee "$node_out"
n_pass=$(grep -oE '^ℹ pass [0-9]+' "$node_out" | grep -oE '[0-9]+' || echo 0)
n_fail=$(grep -oE '^ℹ fail [0-9]+' "$node_out" | grep -oE '[0-9]+' || echo 1)
n_cancel=$(grep -oE '^ℹ cancelled [0-9]+' "$node_out" | grep -oE '[0-9]+' || echo 0)
passed=$((passed + n_pass)); failed=$((failed + n_fail + n_cancel))

step "real VS Code: suite in the extension host, then a UI pass (code-server + Chromium)"
vs_out=$(mktemp)
bash scripts/vscode/test.sh 2>&1 | tee "$vs_out"; vs_rc=${PIPESTATUS[0]}
vs_pass=$(grep -oE '^vscode: [0-9]+ passed' "$vs_out" | grep -oE '[0-9]+' || echo 0)
vs_fail=$(grep -oE '^vscode: [0-9]+ passed, [0-9]+ failed' "$vs_out" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 1)
if [ "$vs_rc" -ne 0 ] && [ "$vs_fail" -eq 0 ]; then vs_fail=1; fi
passed=$((passed + vs_pass)); failed=$((failed + vs_fail))

step "webviews in Debian's Chromium (installed by the step above) with a stand-in host (charts, spikes, hostile strings, theme, table)"
wv_out=$(mktemp)
node test/webview/run.mjs 2>&1 | tee "$wv_out"; wv_rc=${PIPESTATUS[0]}
wv_pass=$(grep -oE '^[0-9]+ passed, [0-9]+ failed' "$wv_out" | tail -1 | grep -oE '^[0-9]+' || echo 0)
wv_fail=$(grep -oE '^[0-9]+ passed, [0-9]+ failed' "$wv_out" | tail -1 | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 1)
if [ "$wv_rc" -ne 0 ] && [ "$wv_fail" -eq 0 ]; then wv_fail=1; fi
passed=$((passed + wv_pass)); failed=$((failed + wv_fail))

echo
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
