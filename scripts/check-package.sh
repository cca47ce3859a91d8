#!/usr/bin/env bash
# Builds the .vsix and checks it holds what the extension needs and nothing else (no sources, no node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent package >/dev/null
files=$(npx vsce ls --no-dependencies)
node scripts/build.mjs >/dev/null   # restore the test bundles that the production build removed
for need in dist/extension.js dist/cli.js dist/sql-wasm.wasm sdk/python/lineage/__init__.py sdk/python/sitecustomize.py package.json LICENSE README.md; do
  grep -qx "$need" <<<"$files" || { echo "missing from the package: $need"; exit 1; }
done
if grep -E '^(src/|test/|node_modules/|bench/|examples/|dist-test/|.*\.map$)' <<<"$files"; then
  echo "the package holds files it should not (above)"; exit 1
fi
echo "lineage.vsix: $(wc -l <<<"$files") files, $(du -k lineage.vsix | cut -f1) KiB"
