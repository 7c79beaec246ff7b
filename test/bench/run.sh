#!/usr/bin/env bash
# make bench: runs every benchmark under every allocator installed, with the
# allocators interleaved and the median of several rounds, prints a table
# and writes it to build/bench/results.txt. Installs nothing itself.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
export HS_LIB=$root/build/libheapshim.so HS_BACKENDS=${HS_BACKENDS:-page}
source "$root/test/bench/allocators.sh"
bench=$root/build/bench
results=$bench/results.txt
rounds=${BENCH_ROUNDS:-5}
mapfile -t allocators < <(bench_allocators)

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

# run_with NAME PRELOAD CMD...: CMD with NAME's allocator preloaded.
run_with() {
    local name=$1 preload=$2; shift 2
    if [[ $preload == - ]]; then
        env -u LD_PRELOAD "$@"
    else
        env LD_PRELOAD="$preload" HEAPSHIM_BACKEND="${name#heapshim-}" HEAPSHIM_REPORT=/dev/null "$@"
    fi
}

startup_cost() {
    declare -A samples
    local round entry name preload
    for ((round = 0; round < rounds; round++)); do
        for entry in "${allocators[@]}"; do
            read -r name preload <<<"$entry"
            samples[$name]+="$(run_with "$name" "$preload" "$bench/spawn" 400 /bin/true) "
        done
    done
    local plain
    plain=$(tr ' ' '\n' <<<"${samples[glibc]}" | grep . | median)
    printf '%-18s %14s %14s\n' allocator "us per exec" "added us"
    for entry in "${allocators[@]}"; do
        read -r name _ <<<"$entry"
        local m
        m=$(tr ' ' '\n' <<<"${samples[$name]}" | grep . | median)
        printf '%-18s %14.1f %14.1f\n' "$name" "$m" "$(awk -v a="$m" -v b="$plain" 'BEGIN {print a - b}')"
    done
}

{
    echo "heapshim benchmarks, $(date -u +%Y-%m-%d), $(nproc) cores, median of $rounds rounds"
    echo
    echo "== start-up: /bin/true executed 400 times per round =="
    startup_cost
} | tee "$results"
echo "written to $results"
