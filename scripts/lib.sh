# Shared by scripts/run and scripts/test: idempotent installs of what this
# project needs on a fresh Debian 12 machine with Rust (rustup) and Node 20.
# Each step says what it does and skips itself when already done.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Each step prints the minutes:seconds since the script started.
step() { printf '\n\033[1m==> [%d:%02d] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
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

# Build-time tools are compiled once and only orchestrate or rewrite a few
# files, so they are built unoptimised, without LTO or debug info, instead of
# with their own release profile: on 2 cores cargo-leptos then compiles in
# 285 s instead of 585 s (at opt-level 1; ~9 min with its own profile), and
# wasm-bindgen still rewrites our WebAssembly in 1.4 s (0.5 s optimised).
# Their compiled dependencies are kept in target/tools.
tool_profile() {
  env CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_DEBUG=false \
      CARGO_PROFILE_RELEASE_STRIP=true CARGO_TARGET_DIR="$ROOT/target/tools" "$@"
}

# cargo_tool <binary> <crate> <version> [cargo install flags...]
cargo_tool() {
  local bin=$1 crate=$2 version=$3; shift 3
  if have "$bin" && "$bin" --version 2>/dev/null | grep -qF "$version"; then
    echo "$crate $version present"; return
  fi
  step "Installing $crate $version (first time only; a few minutes)"
  local t0=$SECONDS
  tool_profile cargo install "$crate" --version "$version" "$@"
  echo "$crate $version installed in $((SECONDS - t0)) s"
}

# npm packages of a folder, installed when missing or older than its lock file.
npm_folder() {
  local dir=$1 probe=$2
  if [ -e "$dir/node_modules/$probe" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    echo "$dir npm packages present"
  else
    step "Installing $dir npm packages (npm ci)"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
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
  # binaryen 116's wasm-opt, prebuilt in the npm registry (tools/package.json);
  # Debian's binaryen (108) breaks hydration.
  npm_folder tools binaryen
  export PATH="$ROOT/tools/node_modules/.bin:$PATH"
  cargo_tool cargo-leptos cargo-leptos 0.3.10 --locked --features no_downloads
  # wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock, exactly.
  local wb
  wb=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
  cargo_tool wasm-bindgen wasm-bindgen-cli "$wb"
}

# The browser-test side: Debian's Chromium (with an emoji font, so the
# screenshots show the pages' emoji as users see them), brotli for the size
# figures, and the npm packages of end2end/.
ensure_test_tools() {
  step "Checking the browser-test tools"
  apt_install chromium fonts-noto-color-emoji brotli iproute2
  npm_folder end2end @playwright/test
}
