#!/usr/bin/env bash
# bench/run.sh: the benchmark suite in one run. Times the same compute kernels as native
# code (gcc -O2), under node (V8) and under our engine, prints medians, ratios to native and
# geomeans, then the compile and instantiate cost of a real app (kv_store.wasm) and the
# overhead of metering (fuel). Writes the same figures to bench/out/results.json.
#
# Timing method: in-process, in all three harnesses (native_main.c, node_runner.js,
# crbench.c). Each process loads and compiles its kernel, untimed (node also makes one
# untimed warm-up call so that V8's optimized tier runs), then times one call of run(n)
# with a monotonic clock. Repetitions are interleaved across engines (native, node, ours,
# ours+fuel, then again), so load from other processes hits every engine alike; the
# table shows medians, the JSON also minimums. hyperfine is not used for the kernels: it
# times whole processes, which would fold process start-up, node's boot and both engines'
# compile times into the figures, and compile is measured on its own below. The compile and instantiate figures are likewise
# medians of many in-process repetitions (crbench --compile / --instantiate).
#
# Environment:
#   BENCH_BUILD_DIR  build directory (default: build, configured with the release preset)
#   BENCH_REPS       repetitions per kernel and engine, median taken (default 5, min 5
#                    unless BENCH_QUICK is set)
#   BENCH_KERNELS    space-separated subset of kernels (default: all)
#   BENCH_FUEL=0     skip the metered runs of the kernels
#   BENCH_QUICK=1    small sizes and 3 repetitions: a smoke test, not a measurement
#
# Exit status: 0 when every engine ran every kernel with matching checksums, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
out_dir="$here/out"
shared_dir="${CR_SHARED_DIR:-$root/../shared}"
kv_store="$shared_dir/apps/kv_store.wasm"

# kernel  n (full run: about 0.1 s native)  n (BENCH_QUICK)
kernel_table="
fib      38       27
sieve    70       2
matmul   175      4
nbody    1200000  20000
mandel   1800     200
sha256   1700     30
qsort    7        1
hashmap  20       1
collatz  200000   5000
"

quick=${BENCH_QUICK:-0}
reps=${BENCH_REPS:-5}
if [ "$quick" = 1 ]; then
    reps=${BENCH_REPS:-3}
elif [ "$reps" -lt 5 ]; then
    reps=5
fi
compile_reps=30
inst_reps=2000
if [ "$quick" = 1 ]; then
    compile_reps=5
    inst_reps=100
fi
do_fuel=${BENCH_FUEL:-1}

die() {
    echo "error: $*" >&2
    exit 1
}

# ---- build ----
failures=()
build_dir=${BENCH_BUILD_DIR:-$root/build}
if [ -z "${BENCH_BUILD_DIR:-}" ]; then
    (cd "$root" && cmake --preset release >/dev/null)
elif [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
jobs=$(nproc 2>/dev/null || echo 2)
if ! build_log=$(cmake --build "$build_dir" -j "$jobs" --target bench_kernels 2>&1); then
    printf '%s\n' "$build_log" | tail -20 >&2
    die "cannot build the benchmark kernels (needs clang, wasm-ld and gcc)"
fi
native="$build_dir/bench/bench_native"
wasm_dir="$build_dir/bench/kernels"
[ -x "$native" ] || die "$native missing: clang, wasm-ld or gcc not found at configure time"
crbench="$build_dir/bench/crbench"
have_ours=1
if ! build_log=$(cmake --build "$build_dir" -j "$jobs" --target crbench 2>&1); then
    printf '%s\n' "$build_log" | grep -E 'error' | head -5 >&2
    echo "warning: crbench does not build (engine incomplete?); our engine is left out" >&2
    have_ours=0
    failures+=("crbench does not build: our engine was not measured")
fi
command -v node >/dev/null || die "node not found (scripts/install-deps.sh --bench)"

# ---- helpers ----

# median of the numbers on stdin
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) printf "%.6f\n", v[(NR + 1) / 2];
        else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# field VALUE-NAME OUTPUT: the rest of the line starting with VALUE-NAME
field() {
    printf '%s\n' "$2" | awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }'
}

times_median() {
    field times_ms "$1" | tr ' ' '\n' | sed '/^$/d' | median
}

json_num() {
    if [ "$1" = nan ] || [ -z "$1" ]; then printf 'null'; else printf '%s' "$1"; fi
}

# run_one ENGINE KERNEL N WASM: one process, one timed call of run(n)
run_one() {
    case $1 in
    native) "$native" "$2" "$3" 1 ;;
    node) node "$here/node_runner.js" "$4" "$3" 1 1 ;;
    ours) "$crbench" --reps 1 --run "$4" "$3" ;;
    interp) "$crbench" --no-jit --reps 1 --run "$4" "$3" ;;
    fuel) "$crbench" --fuel --reps 1 --run "$4" "$3" ;;
    esac
}

# stat_of ENGINE median|min: over the current kernel's times, "nan" if the engine failed
stat_of() {
    if [ "${sum[$1]:--}" = - ]; then
        echo nan
    elif [ "$2" = min ]; then
        tr ' ' '\n' <<<"${times[$1]}" | sed '/^$/d' | sort -g | head -1
    else
        tr ' ' '\n' <<<"${times[$1]}" | sed '/^$/d' | median
    fi
}

# ---- kernels ----
selected=${BENCH_KERNELS:-$(echo "$kernel_table" | awk 'NF { print $1 }' | tr '\n' ' ')}
mkdir -p "$out_dir"
engines=(native node)
[ "$have_ours" = 0 ] || engines+=(ours interp)
[ "$have_ours" = 0 ] || [ "$do_fuel" = 0 ] || engines+=(fuel)
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo ?)
echo "calimero-runtime benchmarks: $(nproc 2>/dev/null || echo ?) cores (load $load)," \
    "gcc $(gcc -dumpfullversion), node $(node --version), reps $reps$([ "$quick" = 1 ] && echo ', QUICK')"
echo

rows=()
for k in $selected; do
    line=$(echo "$kernel_table" | awk -v k="$k" '$1 == k')
    [ -n "$line" ] || die "unknown kernel '$k'"
    if [ "$quick" = 1 ]; then
        n=$(echo "$line" | awk '{ print $3 }')
    else
        n=$(echo "$line" | awk '{ print $2 }')
    fi
    wasm="$wasm_dir/$k.wasm"

    # Repetitions are interleaved across engines (one process per timed call), so that
    # load from other processes on a shared machine spreads over all engines alike.
    declare -A sum=() times=() ops=()
    for ((r = 1; r <= reps; r++)); do
        [ ! -t 2 ] || printf '  %-8s n=%-8s rep %d/%d ...\r' "$k" "$n" "$r" "$reps" >&2
        for e in "${engines[@]}"; do
            [ "${sum[$e]:-}" != - ] || continue
            if ! out=$(run_one "$e" "$k" "$n" "$wasm" 2>&1); then
                echo "error: $k: $e: $(printf '%s\n' "$out" | tail -1)" >&2
                sum[$e]=-
                continue
            fi
            s=$(field checksum "$out")
            if [ -n "${sum[$e]:-}" ] && [ "${sum[$e]}" != "$s" ]; then
                echo "error: $k: $e: checksum changed between runs: ${sum[$e]}, $s" >&2
                sum[$e]=-
                continue
            fi
            sum[$e]=$s
            times[$e]="${times[$e]:-} $(field times_ms "$out")"
            ops[$e]=$(field fuel "$out")
        done
    done
    nat_sum=${sum[native]:--} node_sum=${sum[node]:--}
    ours_sum=${sum[ours]:--} fuel_sum=${sum[fuel]:--} fuel_ops=${ops[fuel]:-}
    interp_sum=${sum[interp]:--}
    nat_ms=$(stat_of native median) node_ms=$(stat_of node median)
    ours_ms=$(stat_of ours median) fuel_ms=$(stat_of fuel median)
    interp_ms=$(stat_of interp median)
    mins="$(stat_of native min) $(stat_of node min) $(stat_of ours min) $(stat_of fuel min)"

    # check ENGINE CHECKSUM: compares with native; returns 1 (and records why) if different
    status=ok
    check() {
        [ "$2" = "$nat_sum" ] && return 0
        status=FAIL
        if [ "$2" = - ]; then
            failures+=("$k: $1 failed (error above)")
        else
            failures+=("$k: CHECKSUM MISMATCH: $1 $2, native $nat_sum")
            echo "error: $k: CHECKSUM MISMATCH: $1 $2, native $nat_sum" >&2
        fi
        return 1
    }
    if [ "$nat_sum" = - ]; then
        status=FAIL
        failures+=("$k: native harness failed (error above)")
    else
        check node "$node_sum" || node_ms=nan
        if [ "$have_ours" = 1 ]; then
            check ours "$ours_sum" || ours_ms=nan
            check "ours interpreted" "$interp_sum" || interp_ms=nan
            [ "$do_fuel" = 0 ] || check "ours+fuel" "$fuel_sum" || fuel_ms=nan
        fi
    fi
    rows+=("$k $n $nat_sum $nat_ms $node_ms $ours_ms $fuel_ms ${fuel_ops:-nan} $status $mins $interp_ms")
    unset sum times ops
done
[ ! -t 2 ] || printf '%*s\r' 40 '' >&2

# The table and geomeans, from the rows, by awk (also emits the JSON kernel list).
table=$(printf '%s\n' "${rows[@]}" | awk '
function fmt(v, d) { return v == "nan" ? "-" : sprintf("%." d "f", v) }
function r(a, b) { return (a == "nan" || b == "nan" || b + 0 == 0) ? "nan" : a / b }
function jn(v) { return v == "nan" ? "null" : v }
BEGIN {
    printf "%-8s %9s %9s %9s %8s %8s %9s %9s %9s %7s  %s\n", "kernel", "native ms", "node ms",
        "ours ms", "ours/nat", "node/nat", "interp/nat", "fuel ms", "fuel/ours", "ns/op", "check"
    print "-------- --------- --------- --------- -------- -------- ---------- --------- --------- -------  -----"
}
{
    k = $1; nat = $4; nod = $5; ours = $6; fuel = $7; ops = $8; st = $9; itp = $14
    ro = r(ours, nat); rn = r(nod, nat); rf = r(fuel, ours); ri = r(itp, nat)
    nsop = (ours == "nan" || ops == "nan" || ops + 0 == 0) ? "nan" : ours * 1e6 / ops
    printf "%-8s %9s %9s %9s %8s %8s %10s %9s %9s %7s  %s\n", k, fmt(nat, 1), fmt(nod, 1),
        fmt(ours, 1), fmt(ro, 2), fmt(rn, 2), fmt(ri, 2), fmt(fuel, 1), fmt(rf, 2), fmt(nsop, 2), st
    if (ro != "nan") { so += log(ro); co++ }
    if (ri != "nan") { si += log(ri); ci++ }
    if (rn != "nan") { sn += log(rn); cn++ }
    if (rf != "nan") { sf += log(rf); cf++ }
    json = json sprintf("%s\n    {\"name\": \"%s\", \"n\": %s, \"checksum\": \"%s\", " \
        "\"native_ms\": %s, \"node_ms\": %s, \"ours_ms\": %s, \"ours_fuel_ms\": %s, " \
        "\"wasm_ops\": %s, \"ours_over_native\": %s, \"node_over_native\": %s, " \
        "\"fuel_over_ours\": %s, \"interp_ms\": %s, \"interp_over_native\": %s, " \
        "\"ok\": %s, \"min_ms\": {\"native\": %s, \"node\": %s, " \
        "\"ours\": %s, \"ours_fuel\": %s}}", NR > 1 ? "," : "", k, $2, $3, jn(nat),
        jn(nod), jn(ours), jn(fuel), jn(ops), jn(ro), jn(rn), jn(rf), jn(itp), jn(ri),
        st == "ok" ? "true" : "false", jn($10), jn($11), jn($12), jn($13))
}
END {
    go = co ? exp(so / co) : "nan"; gn = cn ? exp(sn / cn) : "nan"; gf = cf ? exp(sf / cf) : "nan"
    gi = ci ? exp(si / ci) : "nan"
    print "-------- --------- --------- --------- -------- -------- ---------- --------- --------- -------  -----"
    printf "%-8s %9s %9s %9s %8s %8s %10s %9s %9s\n", "geomean", "", "", "", fmt(go, 2),
        fmt(gn, 2), fmt(gi, 2), "", fmt(gf, 2)
    printf "@JSON_KERNELS [%s\n  ]\n", json
    printf "@JSON_GEOMEAN {\"ours_over_native\": %s, \"node_over_native\": %s, " \
        "\"interp_over_native\": %s, \"fuel_over_ours\": %s}\n", jn(go), jn(gn), jn(gi), jn(gf)
}')
printf '%s\n' "$table" | sed -n '/^@JSON_KERNELS/,$!p'
json_kernels=$(printf '%s\n' "$table" | sed -n '/^@JSON_KERNELS/,/^  \]$/p' | sed 's/^@JSON_KERNELS //')
json_geomean=$(printf '%s\n' "$table" | sed -n 's/^@JSON_GEOMEAN //p')

# ---- kv_store: compile and instantiate ----
echo
c_ms=nan cf_ms=nan i_ms=nan if_ms=nan code_bytes=nan compiled_bytes=nan
kv_bytes=nan
if [ ! -f "$kv_store" ]; then
    echo "kv_store: $kv_store not found, skipped"
elif [ "$have_ours" != 1 ]; then
    echo "kv_store: skipped (crbench unavailable)"
else
    kv_bytes=$(wc -c <"$kv_store" | tr -d ' ')
    if out=$("$crbench" --reps "$compile_reps" --compile "$kv_store" 2>&1); then
        c_ms=$(times_median "$out")
        info=$(field info "$out")
        code_bytes=$(echo "$info" | awk '{ print $2 }')
        compiled_bytes=$(echo "$info" | awk '{ print $4 }')
    else
        failures+=("kv_store compile: $(printf '%s\n' "$out" | tail -1)")
    fi
    if out=$("$crbench" --fuel --reps "$compile_reps" --compile "$kv_store" 2>&1); then
        cf_ms=$(times_median "$out")
    else
        failures+=("kv_store metered compile: $(printf '%s\n' "$out" | tail -1)")
    fi
    if out=$("$crbench" --reps "$inst_reps" --instantiate "$kv_store" 2>&1); then
        i_ms=$(times_median "$out")
    else
        failures+=("kv_store instantiate: $(printf '%s\n' "$out" | tail -1)")
    fi
    if out=$("$crbench" --fuel --reps "$inst_reps" --instantiate "$kv_store" 2>&1); then
        if_ms=$(times_median "$out")
    else
        failures+=("kv_store metered instantiate: $(printf '%s\n' "$out" | tail -1)")
    fi
    awk -v b="$kv_bytes" -v code="$code_bytes" -v comp="$compiled_bytes" -v c="$c_ms" \
        -v cf="$cf_ms" -v i="$i_ms" -v if_="$if_ms" -v cr="$compile_reps" -v ir="$inst_reps" '
    function f(v, scale, d) { return v == "nan" ? "-" : sprintf("%." d "f", v * scale) }
    function r(a, b) { return (a == "nan" || b == "nan" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
    BEGIN {
        printf "kv_store.wasm (%d bytes, code section %s bytes, compiled to %s bytes)\n", b, code, comp
        printf "  decode+validate+compile  %10s ms   metered %10s ms   x%s   (median of %d)\n",
            f(c, 1, 2), f(cf, 1, 2), r(cf, c), cr
        printf "  instantiate+destroy      %10s us   metered %10s us   x%s   (median of %d)\n",
            f(i, 1000, 1), f(if_, 1000, 1), r(if_, i), ir
    }'
fi

# ---- JSON ----
{
    printf '{\n  "date": "%s",\n  "cores": %s,\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc 2>/dev/null || echo 0)"
    printf '  "gcc": "%s",\n  "node": "%s",\n  "reps": %s,\n  "quick": %s,\n' \
        "$(gcc -dumpfullversion)" "$(node --version)" "$reps" "$([ "$quick" = 1 ] && echo true || echo false)"
    printf '  "kernels": %s,\n' "$json_kernels"
    printf '  "geomean": %s,\n' "$json_geomean"
    printf '  "kv_store": {"bytes": %s, "code_bytes": %s, "compiled_bytes": %s, ' \
        "$(json_num "$kv_bytes")" "$(json_num "$code_bytes")" "$(json_num "$compiled_bytes")"
    printf '"compile_ms": %s, "compile_fuel_ms": %s, "instantiate_ms": %s, "instantiate_fuel_ms": %s, ' \
        "$(json_num "$c_ms")" "$(json_num "$cf_ms")" "$(json_num "$i_ms")" "$(json_num "$if_ms")"
    printf '"compile_reps": %s, "instantiate_reps": %s},\n' "$compile_reps" "$inst_reps"
    printf '  "ok": %s\n}\n' "$([ ${#failures[@]} -eq 0 ] && echo true || echo false)"
} >"$out_dir/results.json"
echo
echo "results: $out_dir/results.json"

if [ ${#failures[@]} -ne 0 ]; then
    echo >&2
    echo "BENCHMARK FAILED:" >&2
    printf '  %s\n' "${failures[@]}" >&2
    exit 1
fi
