#!/usr/bin/env bash
# The debug backend's cost on a gcc compile with 16-frame stacks: the CPU
# time (perf's task-clock, the sum over gcc, cc1 and as) of
# `gcc -O2 -c test/bench/compile.c`, plainly and under each library given,
# the runs interleaved so that a shared machine's load falls on all alike.
# Prints the fastest and the median run of each and their ratios to plain.
#   usage: test/bench/debug_cost.sh [ROUNDS] [LIBRARY...]   (default: 7, build/libheapshim.so)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-7}
shift $(($# > 0 ? 1 : 0))
libraries=()
for lib in "$@"; do
    libraries+=("$(realpath "$lib")") || exit 1
done
((${#libraries[@]})) || libraries=("$root/build/libheapshim.so")
command -v perf >/dev/null || { echo "debug_cost: needs perf (linux-perf)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/heapshim-cost.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$root/test/bench/compile.c" "$work/"

declare -A times
run() {   # run LABEL [LIBRARY]: one compile, its task-clock in ms appended to times[LABEL]
    local prefix=()
    [[ -n ${2:-} ]] && prefix=(env LD_PRELOAD="$2" HEAPSHIM_BACKEND=debug HEAPSHIM_STACK_DEPTH=16
                               HEAPSHIM_REPORT=/dev/null)
    (cd "$work" && perf stat -x, -e task-clock -o "$work/.stat" "${prefix[@]}" \
        gcc -O2 -c compile.c -o compile.o) || { echo "debug_cost: the compile failed" >&2; exit 1; }
    times[$1]+="$(awk -F, '/task-clock/ {printf "%.0f", $1}' "$work/.stat") "
}
for ((round = 0; round < rounds; round++)); do
    run plain
    for lib in "${libraries[@]}"; do
        run "$lib" "$lib"
    done
done

stat_of() {   # stat_of LABEL: "MIN MEDIAN"
    tr ' ' '\n' <<<"${times[$1]}" | grep . | sort -n |
        awk '{v[NR] = $1} END {print v[1], v[int((NR + 1) / 2)]}'
}
read -r plain_min plain_median < <(stat_of plain)
printf '%-40s %8s %8s %7s %7s\n' "task-clock, ms ($rounds rounds)" fastest median ratio "(med)"
printf '%-40s %8d %8d\n' "plain glibc" "$plain_min" "$plain_median"
for lib in "${libraries[@]}"; do
    read -r min median < <(stat_of "$lib")
    printf '%-40s %8d %8d %7.2f %7.2f\n' "$lib" "$min" "$median" \
        "$(awk -v a="$min" -v b="$plain_min" 'BEGIN {print a / b}')" \
        "$(awk -v a="$median" -v b="$plain_median" 'BEGIN {print a / b}')"
done
