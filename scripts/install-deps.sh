#!/usr/bin/env bash
# Installs what Lineage needs on Debian 12 with Node 20, from apt and npm only (nothing else is reachable).
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# docker-registry, skopeo, apache2-utils (htpasswd) and openssl: the registry tests push to a real registry on
# 127.0.0.1 and read the result back with an independent client.
APT_PACKAGES=(git python3 python3-sklearn python3-numpy python3-scipy python3-xgboost docker-registry skopeo apache2-utils openssl python3-nbclient python3-ipykernel python3-nbformat python3-optuna python3-torch)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "==> build"
node scripts/build.mjs
