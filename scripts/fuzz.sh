#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer, ASan+UBSan) and runs every fuzz target for
# SECONDS each (default 60). New inputs go to build-fuzz/corpus/<target>/; the seed corpus
# in tests/fuzz/corpus/<target>/ is read, never written. Crash inputs land in
# build-fuzz/artifacts/. FUZZ_BUILD_DIR overrides the build directory. Exit status is
# non-zero if a target finds a crash.
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
    ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh --fuzz
build="${FUZZ_BUILD_DIR:-build-fuzz}"
cmake --preset fuzz -B "$build" >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target fuzz_decode fuzz_run fuzz_host

status=0
for target in fuzz_decode fuzz_run fuzz_host; do
    work="$build/corpus/$target"
    artifacts="$build/artifacts/$target/"
    mkdir -p "$work" "$artifacts"
    echo "== $target: ${seconds}s"
    if ! "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts" -print_final_stats=1 \
        "$work" "tests/fuzz/corpus/$target"; then
        echo "== $target: failed, see $artifacts" >&2
        status=1
    fi
done
exit $status
