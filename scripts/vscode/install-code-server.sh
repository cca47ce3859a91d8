#!/usr/bin/env bash
# Installs a real VS Code for the integration tests, offline: code-server (VS Code's own server and web
# workbench, from npm) into <repo>/.code-server/, plus Debian's Chromium to drive it. Only npm and apt are
# used; nothing is downloaded from anywhere else. Safe to run again: skips everything when already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
CS_VERSION=4.100.3
CS_DIR="$ROOT/.code-server"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
APT_PACKAGES=(git chromium chromium-driver ripgrep build-essential python3 pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)

apt_missing() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

installed_version() {
  [ -x "$CS_BIN" ] || return 1
  # With its config and logs in a throwaway dir (else it writes a config.yaml under ~ and logs that line
  # before the version).
  local xdg out
  xdg=$(mktemp -d)
  out=$(XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" "$CS_BIN" --version 2>/dev/null || true)
  rm -rf "$xdg"
  printf '%s\n' "$out" | grep -oE '^[0-9]+\.[0-9]+\.[0-9]+ ' | head -n1 | tr -d ' '
}

missing=($(apt_missing))
if ((${#missing[@]} == 0)) && [ "$(installed_version || true)" = "$CS_VERSION" ]; then
  echo "==> code-server $CS_VERSION and Chromium already installed"
  exit 0
fi

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ((${#missing[@]})); then
  echo "==> apt: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(installed_version || true)" != "$CS_VERSION" ]; then
  # code-server's nested @vscode/ripgrep postinstall downloads rg from GitHub unless its cache holds the
  # tarball already: give it Debian's rg.
  RG_CACHE="$(node -p "require('os').tmpdir()")/vscode-ripgrep-cache-1.15.11"
  RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -s "$RG_TAR" ]; then
    mkdir -p "$RG_CACHE"
    tmp=$(mktemp -d)
    cp /usr/bin/rg "$tmp/rg"
    tar -czf "$RG_TAR" -C "$tmp" rg
    rm -rf "$tmp"
  fi

  echo "==> npm: installing code-server@$CS_VERSION into .code-server/ (builds native modules, ~2 min)"
  mkdir -p "$CS_DIR"
  # Its own package folder, so npm does not walk up to the extension's package.json.
  [ -f "$CS_DIR/package.json" ] || echo '{ "name": "lineage-code-server", "private": true }' > "$CS_DIR/package.json"
  (
    cd "$CS_DIR"
    # unsafe_perm: code-server's postinstall refuses root without it; yes: node-pty's postinstall runs
    # `npx node-gyp`; nodedir: build native modules against /usr/include/node, no header download.
    npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION"
  )
fi

v="$(installed_version || true)"
if [ "$v" != "$CS_VERSION" ]; then
  echo "code-server $CS_VERSION did not install ($CS_BIN --version gave '${v}')" >&2
  exit 1
fi
echo "==> code-server $v installed in .code-server/"
