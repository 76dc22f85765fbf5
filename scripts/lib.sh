# Shared by scripts/run and scripts/test: idempotent installs of what this
# project needs on a fresh Debian 12 machine with Rust (rustup) and Node 20.
# Each step says what it does and skips itself when already done.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root (directly, or through sudo).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else
    echo "need root for: $*" >&2; return 1
  fi
}

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -eq 0 ]; then echo "apt packages present: $*"; return; fi
  step "Installing apt packages: ${missing[*]}"
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
}

# cargo_tool <binary> <crate> <version> [cargo install flags...]
cargo_tool() {
  local bin=$1 crate=$2 version=$3; shift 3
  if have "$bin" && "$bin" --version 2>/dev/null | grep -q "$version"; then
    echo "$crate $version present"; return
  fi
  step "Installing $crate $version (first time only; several minutes)"
  cargo install "$crate" --version "$version" "$@"
}

# The Rust side of the build: WebAssembly target, cargo-leptos, and the
# wasm-bindgen / wasm-opt that cargo-leptos must not download (no internet here).
ensure_build_tools() {
  step "Checking the Rust build tools"
  if rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    echo "wasm32-unknown-unknown target present"
  else
    step "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  cargo_tool cargo-leptos cargo-leptos 0.3.10 --locked --features no_downloads
  # wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock, exactly.
  local wb
  wb=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
  cargo_tool wasm-bindgen wasm-bindgen-cli "$wb"
  # binaryen 116 from crates.io; Debian's binaryen (108) breaks hydration.
  cargo_tool wasm-opt wasm-opt 116 --locked
}

# The browser-test side: Debian's Chromium (with an emoji font, so the
# screenshots show the pages' emoji as users see them) and the npm packages of end2end/.
ensure_test_tools() {
  step "Checking the browser-test tools"
  apt_install chromium fonts-noto-color-emoji
  if [ -d end2end/node_modules/@playwright/test ] && [ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ]; then
    echo "end2end npm packages present"
  else
    step "Installing end2end npm packages (npm ci)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}
