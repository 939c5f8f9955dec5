#!/usr/bin/env bash
# The shared library exports the public cr_ API and nothing else (STYLE.md: CR_API marks
# exports, everything is built with -fvisibility=hidden).
set -euo pipefail
lib="$1"
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {print $3}')
[ -n "$syms" ] || { echo "no exported symbols in $lib"; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -v '^cr_' || true)
if [ -n "$bad" ]; then
    echo "symbols outside the public API are exported:"
    printf '  %s\n' $bad
    exit 1
fi
echo "$(printf '%s\n' "$syms" | wc -l) exported symbols, all cr_"
