#!/usr/bin/env bash
# ESLint (eslint.config.mjs: typescript-eslint, type-aware on the .ts files) and Prettier's check
# (.prettierrc.json, .prettierignore) over src/, webview/, test/, bench/ and scripts/. Fails if either does.
# To fix formatting: npx prettier --write .   To fix the lint that can be fixed automatically: npx eslint --fix .
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
echo "--> eslint"
npx eslint --max-warnings=0 . || rc=1
echo "--> prettier --check"
npx prettier --check --log-level=warn . || rc=1
[ "$rc" -eq 0 ] && echo "lint: clean"
exit "$rc"
