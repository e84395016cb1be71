#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine: system packages, npm packages,
# and the builds (native N-API addon, WebAssembly module, TypeScript).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v em++ >/dev/null 2>&1 || need+=(emscripten)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
# For the browser test of the wasm backend (packages/wasm/test/browser.test.ts).
[ -x /usr/bin/chromium ] || [ -n "${EQUIGRAPH_CHROMIUM:-}" ] || need+=(chromium)
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing ${need[*]} with apt"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

npm ci --no-audit --no-fund
npm run build
