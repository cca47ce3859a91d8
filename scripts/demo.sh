#!/usr/bin/env bash
# The main job on the bundled example: install everything, record the two steps of examples/house-prices
# (prepare.py cleans the data, train.py trains on it) with the lineage CLI, list and show the training run,
# reproduce it from what was recorded (`lineage reproduce`: same model sha256), print why its model predicts what it
# predicts (`lineage explain`, and one house's report in plain words), check live batches for drift, show the
# lineage graph, push the model with its lineage to a local OCI registry and promote it, then open the example in a real VS Code
# (code-server on 127.0.0.1, Lineage installed from the freshly built .vsix) and print the address.
#   --no-editor   stop after the command-line part (CI, or no browser wanted)
#   --port N      the editor's port (default 8123)
set -euo pipefail
cd "$(dirname "$0")/.."
EDITOR_TOO=1
PORT=8123
while [ $# -gt 0 ]; do
  case "$1" in
    --no-editor|--no-browser) EDITOR_TOO=0 ;;
    --port) PORT="$2"; shift ;;
    *) echo "unknown option $1 (use --no-editor, --port N)"; exit 2 ;;
  esac
  shift
done
bash scripts/install-deps.sh

# Debian's interpreter sees python3-sklearn; a pyenv python3 earlier on PATH would not.
export LINEAGE_PYTHON="${LINEAGE_PYTHON:-/usr/bin/python3}"
REPO="$PWD"
lineage() { node "$REPO/dist/cli.js" "$@"; }

cd examples/house-prices
mkdir -p .lineage
echo "==> lineage run prepare.py (step 1: data/houses.csv -> data/prepared.csv, recorded in examples/house-prices/.lineage)"
lineage run --name "demo-prepare-$(date +%H%M%S)" prepare.py
echo
echo "==> lineage run train.py (step 2: trains on data/prepared.csv)"
lineage run --name "demo-$(date +%H%M%S)" train.py
echo
echo "==> lineage ls"
lineage ls
echo
NEWEST="$(lineage ls --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8"))[0].id)')"
echo "==> lineage show (the newest run)"
lineage show "$NEWEST"
echo
echo "==> lineage data of (the exact data it was trained on)"
lineage data of "$NEWEST"
echo
echo "==> lineage reproduce (rebuild the model from the recorded commit, data and params; exit 0 = reproduced)"
lineage reproduce "$NEWEST"
echo
echo "==> lineage explain --top 5 (what the model relies on most)"
lineage explain "$NEWEST" --top 5
echo
echo "==> lineage explain --row 0 (why it predicts this price for one house)"
lineage explain "$NEWEST" --row 0
echo
echo "==> lineage explain --row 0 --report (the same house in plain words, for someone who is not a data scientist)"
mkdir -p outputs
lineage explain "$NEWEST" --row 0 --report outputs/explanation-row0.md
echo "    open examples/house-prices/outputs/explanation-row0.md"
echo
echo "==> lineage drift: does live data still look like the training data? (monitoring/batches, simulate_live.py)"
echo "    batch 1, drawn like the training data:"
lineage drift "$NEWEST" monitoring/batches/batch-01.jsonl --actual price --fail-on drift
echo "    batch 4, after the market moved (bigger houses, a harbour district the model never saw, prices up 15 %):"
status=0
lineage drift "$NEWEST" monitoring/batches/batch-04.jsonl --actual price --fail-on drift --html outputs/drift-batch-04.html || status=$?
[ "$status" = 3 ] || { echo "expected exit 3 (drift) from batch 4, got $status"; exit 1; }
echo "    exit 3: a pipeline step would stop the rollout here; report in examples/house-prices/outputs/drift-batch-04.html"
echo "    (the shipped batches carry no predictions, hence the hint about --prediction: examples/house-prices/README.md"
echo "    says how simulate_live.py --model outputs/model.pkl adds them)"
echo
echo "==> lineage monitor: the batch folder watched for this model (the editor's Monitors view shows the same)"
lineage monitor rm demo-live >/dev/null 2>&1 || true
lineage monitor add demo-live --run "$NEWEST" --batches 'monitoring/batches/*.jsonl' --actual price
lineage monitor check demo-live
echo
echo "==> lineage graph (which data and runs made the model: prepare -> data/prepared.csv -> train)"
lineage graph "$NEWEST"
echo
echo "==> lineage push: the model and its lineage to a real OCI registry (Debian's docker-registry on 127.0.0.1)"
REG_DIR="$(mktemp -d)"
# The same port on every run when it is free: a pushed model is known by registry host:port, so a fixed one keeps
# `lineage pushes` to one production alias that moves, not one more alias on a gone registry per run.
REG_PORT="$(node -e 'const net=require("net");const t=(p)=>{const s=net.createServer().once("error",()=>t(0)).listen(p,"127.0.0.1",()=>{console.log(s.address().port);s.close()})};t(5123)')"
cat > "$REG_DIR/config.yml" <<YML
version: 0.1
storage: { filesystem: { rootdirectory: $REG_DIR/data }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$REG_PORT, secret: demo-only }
YML
env $(env | grep -o '^REGISTRY_[A-Z_]*' | sed 's/^/-u /') docker-registry serve "$REG_DIR/config.yml" > "$REG_DIR/log" 2>&1 &
REG_PID=$!
trap 'kill $REG_PID 2>/dev/null || true; rm -rf "$REG_DIR"' EXIT
node -e 'const go=(n)=>fetch(process.argv[1]).then(()=>{},()=>n>0?new Promise(r=>setTimeout(r,100)).then(()=>go(n-1)):process.exit(1));go(50)' "http://127.0.0.1:$REG_PORT/v2/"
lineage push "$NEWEST" --to "oci://127.0.0.1:$REG_PORT/models/house-prices:demo" --plain-http
lineage promote "$NEWEST" production --note "demo: reproduced, no drift on batch 1" --force
lineage pushes
echo "    skopeo, an independent client, reads the same manifest:"
skopeo inspect --tls-verify=false --raw "docker://127.0.0.1:$REG_PORT/models/house-prices:production" | head -c 300; echo " …"
lineage model-card "$NEWEST" --out outputs/model-card.md
echo "    model card: examples/house-prices/outputs/model-card.md"
kill "$REG_PID" 2>/dev/null || true
trap - EXIT
rm -rf "$REG_DIR"
cd "$REPO"
# The hints above say `lineage …`, which is not on the PATH yet, and the runs live in the example's own
# .lineage: say how to reach them, or a user at the repository root is told "No Lineage runs here".
echo
echo "==> done. The runs are in examples/house-prices/.lineage; to look at them yourself:"
echo "    cd examples/house-prices && node ../../dist/cli.js ls     (npm link once: then just lineage ls)"
echo "    export LINEAGE_PYTHON=/usr/bin/python3 before lineage run train.py (the interpreter that sees scikit-learn)"

[ "$EDITOR_TOO" = 1 ] || exit 0

echo
echo "==> VS Code (code-server) with Lineage from the freshly built .vsix"
bash scripts/vscode/install-code-server.sh
npm run --silent package >/dev/null
node scripts/build.mjs >/dev/null
DATA="$REPO/.code-server/demo"
mkdir -p "$DATA/user/User" "$DATA/exts"
# git.openRepositoryInParentFolders: the example sits inside this repository; without it the editor opens on
# a "git repository found in the parent folders" question. No telemetry, update or extension-gallery checks:
# nothing is reachable but 127.0.0.1, npm and apt (the same settings as scripts/vscode/codeServer.mjs).
cat > "$DATA/user/User/settings.json" <<JSON
{ "workbench.startupEditor": "none", "lineage.pythonPath": "$LINEAGE_PYTHON", "security.workspace.trust.enabled": false,
  "git.openRepositoryInParentFolders": "always", "telemetry.telemetryLevel": "off", "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false, "update.mode": "none", "workbench.tips.enabled": false }
JSON
CS="$REPO/.code-server/node_modules/.bin/code-server"
export XDG_DATA_HOME="$DATA/xdg-data" XDG_CONFIG_HOME="$DATA/xdg-config"
"$CS" --user-data-dir "$DATA/user" --extensions-dir "$DATA/exts" --install-extension "$REPO/lineage.vsix" --force >/dev/null
# Its own log goes to a file: its lines (a missing vsda.js, the extension gallery it cannot reach offline) would
# otherwise fill the terminal under the address and read like failures.
LOG="$DATA/code-server.log"
"$CS" --auth none --bind-addr "127.0.0.1:$PORT" --user-data-dir "$DATA/user" --extensions-dir "$DATA/exts" \
  --disable-telemetry --disable-update-check --disable-getting-started-override "$REPO/examples/house-prices" \
  >"$LOG" 2>&1 &
CS_PID=$!
trap 'kill "$CS_PID" 2>/dev/null || true; wait "$CS_PID" 2>/dev/null || true' EXIT
trap 'echo; echo "==> editor stopped"; exit 0' INT TERM
# The address is printed once the editor answers; if it ends first (a port in use), say why.
if ! node -e '
  const [url, pid] = [process.argv[1], Number(process.argv[2])];
  const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
  const go = (n) => fetch(url).then((r) => process.exit(r.ok ? 0 : 1), () =>
    n > 0 && alive() ? setTimeout(() => go(n - 1), 250) : process.exit(1));
  go(240);' "http://127.0.0.1:$PORT/healthz" "$CS_PID"; then
  echo "code-server did not start on 127.0.0.1:$PORT (another program on that port? try --port N); the end of $LOG:"
  tail -n 15 "$LOG"
  exit 1
fi
echo "==> open http://127.0.0.1:$PORT/?folder=$REPO/examples/house-prices  (Ctrl-C stops the editor)"
echo "    its model's explanation: Lineage view → right-click the run → Explain Run… (or the lens above lineage.explain( in train.py)"
echo "    the editor's own log: $LOG"
wait "$CS_PID"
