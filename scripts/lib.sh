# Shared by scripts/run and scripts/test: install what a fresh Debian machine lacks.
# shellcheck shell=bash

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages given that are not installed yet.
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]} (Debian packages)" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The MySQL client library that diesel links against.
ensure_build_deps() {
  command -v cargo >/dev/null || { echo "cargo is missing: install Rust (rustup)" >&2; exit 1; }
  ensure_packages libmariadb-dev-compat pkg-config
}
