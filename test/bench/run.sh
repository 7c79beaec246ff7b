#!/usr/bin/env bash
# make bench: runs every workload under every allocator installed, with the
# allocators interleaved and the median of several rounds, prints tables of
# time and peak resident memory with ratios to mimalloc (or glibc when
# mimalloc is missing), and writes them to build/bench/results.txt.
# Installs nothing itself (scripts/install-bench-deps installs the peers).
#   BENCH_ROUNDS=N      rounds per measurement (default 3)
#   BENCH_VALGRIND=0    leave valgrind memcheck out
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
export HS_LIB=$root/build/libheapshim.so HS_BACKENDS=${HS_BACKENDS:-debug page}
source "$root/test/bench/allocators.sh"
bench=$root/build/bench
results=$bench/results.txt
rounds=${BENCH_ROUNDS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/heapshim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mapfile -t allocators < <(bench_allocators)
if [[ ${BENCH_VALGRIND:-1} == 1 ]] && command -v valgrind >/dev/null; then
    allocators+=("memcheck valgrind")
fi

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

# set_prefix NAME PRELOAD: the command words that run a program with NAME's
# allocator, in the array `prefix`.
set_prefix() {
    case $2 in
        -) prefix=(env -u LD_PRELOAD) ;;
        valgrind) prefix=(valgrind -q --leak-check=full --log-file=/dev/null) ;;
        *) prefix=(env LD_PRELOAD="$2" HEAPSHIM_BACKEND="${1#heapshim-}" HEAPSHIM_REPORT=/dev/null) ;;
    esac
}

# The workloads: name and command, each run in $work.
cp "$root/test/bench/workload.py" "$root/test/bench/compile.c" "$work/"
workloads=(
    "churn-1thread|$bench/churn 300000 1"
    "churn-4threads|$bench/churn 100000 4"
    "python3-json|/usr/bin/python3 workload.py"
    "gcc-compile|gcc -O2 -c compile.c -o compile.o"
)

declare -A time_of rss_of
measure() {   # measure WORKLOAD ALLOCATOR PRELOAD CMD...
    local w=$1 name=$2 preload=$3; shift 3
    local out prefix
    set_prefix "$name" "$preload"
    out=$(cd "$work" && /usr/bin/time -f '%e %M' -o "$work/.time" "${prefix[@]}" "$@" >/dev/null 2>&1;
          tail -n 1 "$work/.time")
    time_of[$w|$name]+="${out% *} "
    rss_of[$w|$name]+="${out#* } "
}

startup() {
    echo "== start-up: /bin/true executed 400 times per round (microseconds per exec) =="
    declare -A samples
    local round entry name preload
    for ((round = 0; round < rounds; round++)); do
        for entry in "${allocators[@]}"; do
            read -r name preload <<<"$entry"
            [[ $preload == valgrind ]] && continue
            local prefix
            set_prefix "$name" "$preload"
            samples[$name]+="$("${prefix[@]}" "$bench/spawn" 400 /bin/true) "
        done
    done
    local plain m
    plain=$(tr ' ' '\n' <<<"${samples[glibc]}" | grep . | median)
    printf '%-16s %10s %10s\n' allocator "us/exec" "added"
    for entry in "${allocators[@]}"; do
        read -r name preload <<<"$entry"
        [[ $preload == valgrind ]] && continue
        m=$(tr ' ' '\n' <<<"${samples[$name]}" | grep . | median)
        printf '%-16s %10.1f %10.1f\n' "$name" "$m" "$(awk -v a="$m" -v b="$plain" 'BEGIN {print a - b}')"
    done
}

workload_tables() {
    local round entry name preload spec w cmd
    for ((round = 0; round < rounds; round++)); do
        for spec in "${workloads[@]}"; do
            w=${spec%%|*}; cmd=${spec#*|}
            for entry in "${allocators[@]}"; do
                read -r name preload <<<"$entry"
                # memcheck is slow: one round is enough to show the ratio.
                [[ $preload == valgrind && $round -gt 0 ]] && continue
                # shellcheck disable=SC2086
                measure "$w" "$name" "$preload" $cmd
            done
        done
    done
    local base=mimalloc
    [[ -n ${time_of[${workloads[0]%%|*}|mimalloc]:-} ]] || base=glibc
    print_table time "time in seconds" "$base"
    print_table rss "peak resident memory in MiB" "$base"
}

# value METRIC WORKLOAD ALLOCATOR: the median, seconds or MiB.
value() {
    if [[ $1 == time ]]; then
        tr ' ' '\n' <<<"${time_of[$2|$3]}" | grep . | median
    else
        tr ' ' '\n' <<<"${rss_of[$2|$3]}" | grep . | median | awk '{printf "%.1f", $1 / 1024}'
    fi
}

print_table() {   # print_table METRIC TITLE BASE
    local metric=$1 title=$2 base=$3 spec w entry name v b ratio
    declare -A logsum=()
    echo
    echo "== $title (ratio to $base) =="
    printf '%-16s' workload
    for entry in "${allocators[@]}"; do printf ' %17s' "${entry%% *}"; done
    echo
    for spec in "${workloads[@]}"; do
        w=${spec%%|*}
        b=$(value "$metric" "$w" "$base")
        printf '%-16s' "$w"
        for entry in "${allocators[@]}"; do
            name=${entry%% *}
            v=$(value "$metric" "$w" "$name")
            ratio=$(awk -v a="$v" -v b="$b" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
            printf ' %9s (%5s)' "$v" "$ratio"
            logsum[$name]=$(awk -v s="${logsum[$name]:-0}" -v r="$ratio" 'BEGIN {print s + ((r > 0) ? log(r) : 0)}')
        done
        echo
    done
    printf '%-16s' "geomean ratio"
    for entry in "${allocators[@]}"; do
        name=${entry%% *}
        printf ' %17s' "$(awk -v s="${logsum[$name]}" -v n="${#workloads[@]}" 'BEGIN {printf "%.2f", exp(s / n)}')"
    done
    echo
}

{
    echo "heapshim benchmarks, $(date -u +%Y-%m-%d), $(nproc) cores, median of $rounds rounds (memcheck: 1)"
    echo "allocators: $(printf '%s ' "${allocators[@]%% *}")"
    echo
    startup
    workload_tables
} | tee "$results"
echo "written to $results"
