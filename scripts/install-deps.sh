#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the benchmarks need, when missing.
# Idempotent: does nothing when everything is present.
set -euo pipefail

pkgs=(cmake make gcc clang lld pkg-config liblmdb-dev libsodium-dev libcurl4-openssl-dev
      libjansson-dev libcmocka-dev wabt nodejs)  # nodejs: tests/fuzz/diff replays against V8
if [ "${1:-}" = "--bench" ]; then
    pkgs+=(hyperfine)
fi
if [ "${1:-}" = "--fuzz" ]; then
    pkgs+=(libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# node may come from outside Debian's packages; accept any node on PATH.
if [[ " ${missing[*]} " == *" nodejs "* ]] && command -v node >/dev/null; then
    missing=("${missing[@]/nodejs/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | sed '/^$/d'))
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
