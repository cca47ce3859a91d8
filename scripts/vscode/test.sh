#!/usr/bin/env bash
# Lineage in a real VS Code (code-server from npm + Debian's Chromium, offline): the mocha suite inside the
# extension host, then a UI pass. Expects `node scripts/build.mjs` to have run.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/vscode/install-code-server.sh && node scripts/vscode/build-suite.mjs && node scripts/vscode/run.mjs
