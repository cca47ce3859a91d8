#!/usr/bin/env bash
# The main job on the bundled example: install everything, record a training run of
# examples/house-prices with the lineage CLI, then list and show it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

# Debian's interpreter sees python3-sklearn; a pyenv python3 earlier on PATH would not.
export LINEAGE_PYTHON="${LINEAGE_PYTHON:-/usr/bin/python3}"
lineage() { node "$PWD/dist/cli.js" "$@"; }

cd examples/house-prices
echo "==> lineage run train.py (recorded in examples/house-prices/.lineage)"
mkdir -p .lineage
lineage run --name "demo-$(date +%H%M%S)" train.py
echo
echo "==> lineage ls"
lineage ls
echo
echo "==> lineage show (the newest run)"
lineage show "$(lineage ls --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8"))[0].id)')"
