#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages only), then configures and builds
# xsrelay into build/. Safe to run again: it installs nothing that is present and
# rebuilds only what changed. Sourced by scripts/demo and scripts/test.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# One list of packages: the build, the reference implementations the tests check
# against, and the tools the tests drive.
packages=(
  build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
  libdpdk-dev dpdk libipsec-mb-dev libsrtp2-dev libssl-dev openssl
  liburcu-dev libcmocka-dev libsqlite3-dev libpcap-dev
  libre-dev iproute2 ethtool python3 bc kamailio baresip
  linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static cpio
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

builddir=${XSRELAY_BUILDDIR:-$top/build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$top" --buildtype=release -Db_ndebug=false >"$log" 2>&1 ||
    { tail -20 "$log"; echo "setup: meson setup failed" >&2; exit 1; }
fi
ninja -C "$builddir" >"$log" 2>&1 || { grep -E 'error|FAILED' "$log" | head -40; echo "setup: build failed" >&2; exit 1; }
echo "setup: built into $builddir"
