#!/usr/bin/env bash
# Test driver for `make test`.
#
# Test cases are scripts under test/cases/:
#   all/*.sh    run once per built backend (HS_BACKEND set to each in turn)
#   page/*.sh   about the page backend only (likewise debug/, arena/)
#   once/*.sh   about no backend in particular (configuration, launcher)
# A case exits 0 to pass, 77 to skip, anything else to fail. Each runs in its
# own temporary folder and process group under a timeout (a "# timeout: N"
# line overrides the default), so a hang fails that case and nothing else.
#
# Cases run HS_JOBS at a time (default: the number of CPUs), the longest
# first so that the run ends evenly: how long each took is kept in
# $HS_BUILD/test-durations for the next run; a case not timed yet counts as
# its "# cost: N" line says (rough seconds: only the order matters), or 1.
# Each case's result line is printed when it ends, with the tail of its log
# when it fails; the failures are listed again at the end.
#
# Usage: test/run.sh [PATTERN]   runs only the cases whose name contains PATTERN
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${HS_BUILD:-$root/build}
backends=${HS_BACKENDS:-page}
pattern=${1:-}
default_timeout=${HS_TIMEOUT:-240}
jobs=${HS_JOBS:-$(nproc)}
durations=$build/test-durations

export HS_ROOT=$root HS_BUILD=$build HS_LIB=$build/libheapshim.so
export HS_TESTBIN=$build/test

# header SCRIPT KEY: the number on the script's "# KEY: N" line, if any.
header() {
    sed -n "s/^# $2: *\([0-9]\+\).*/\1/p" "$1" | head -n 1
}

# The cases to run, as "LABEL<tab>SCRIPT<tab>BACKEND" lines.
list_cases() {
    local script dir backend
    for script in "$root"/test/cases/once/*.sh; do
        [[ -e $script ]] && printf '%s\t%s\t\n' "$(basename "$script" .sh)" "$script"
    done
    for script in "$root"/test/cases/all/*.sh; do
        [[ -e $script ]] || continue
        for backend in $backends; do
            printf '%s [%s]\t%s\t%s\n' "$(basename "$script" .sh)" "$backend" "$script" "$backend"
        done
    done
    for dir in "$root"/test/cases/*/; do
        backend=$(basename "$dir")
        [[ $backend == all || $backend == once ]] && continue
        [[ " $backends " == *" $backend "* ]] || continue
        for script in "$dir"*.sh; do
            [[ -e $script ]] && printf '%s/%s\t%s\t%s\n' "$backend" "$(basename "$script" .sh)" "$script" "$backend"
        done
    done
}

# The cases matching the pattern, longest first.
declare -A took_before=()
if [[ -r $durations ]]; then
    while IFS=$'\t' read -r seconds label; do
        took_before[$label]=$seconds
    done <"$durations"
fi
queue=()
while IFS=$'\t' read -r label script backend; do
    [[ -n $pattern && $label != *"$pattern"* ]] && continue
    cost=${took_before[$label]:-$(header "$script" cost)}
    queue+=("${cost:-1}"$'\t'"$label"$'\t'"$script"$'\t'"$backend")
done < <(list_cases)
mapfile -t queue < <(((${#queue[@]})) && printf '%s\n' "${queue[@]}" | sort -t $'\t' -k1,1nr -s)

passed=0 failed=0 skipped=0
failures=()
declare -A job_label=() job_tmp=() job_limit=() job_start=()   # by the timeout's process id

# start_case ENTRY: starts one queued case in the background. timeout(1)
# puts itself and the case in a process group of their own and kills the
# whole group when the time is up.
start_case() {
    local label script backend limit tmp
    IFS=$'\t' read -r _ label script backend <<<"$1"
    limit=$(header "$script" timeout)
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/heapshim-test.XXXXXX")
    HS_BACKEND=$backend HS_TMP=$tmp timeout -k 5 "${limit:-$default_timeout}" bash "$script" \
        >"$tmp/.log" 2>&1 </dev/null &
    job_label[$!]=$label job_tmp[$!]=$tmp job_limit[$!]=${limit:-$default_timeout}
    job_start[$!]=$EPOCHREALTIME
}

# finish_case PID STATUS: prints the result of the case that ended.
finish_case() {
    local pid=$1 status=$2
    local label=${job_label[$pid]} tmp=${job_tmp[$pid]} limit=${job_limit[$pid]}
    local took
    took=$(awk -v a="${job_start[$pid]}" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
    unset "job_label[$pid]" "job_tmp[$pid]" "job_limit[$pid]" "job_start[$pid]"
    case $status in
        0)  passed=$((passed + 1)); printf 'PASS %-48s %3ss\n' "$label" "$took" ;;
        77) skipped=$((skipped + 1)); printf 'SKIP %-48s %s\n' "$label" "$(tail -n 1 "$tmp/.log")" ;;
        *)  failed=$((failed + 1)); failures+=("$label")
            [[ $status == 124 || $status == 137 ]] && echo "(timed out after ${limit}s)" >>"$tmp/.log"
            printf 'FAIL %-48s %3ss (status %s)\n' "$label" "$took" "$status"
            tail -n 40 "$tmp/.log" | sed 's/^/    | /' ;;
    esac
    [[ $status != 77 ]] && took_before[$label]=$took
    rm -rf "$tmp"
}

# Interrupted: stop every running case, its process group with it.
stop_all() {
    local pid
    for pid in "${!job_label[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null
        rm -rf "${job_tmp[$pid]}"
    done
    exit 130
}
trap stop_all INT TERM

next=0
while ((next < ${#queue[@]} || ${#job_label[@]} > 0)); do
    if ((next < ${#queue[@]} && ${#job_label[@]} < jobs)); then
        start_case "${queue[next]}"
        next=$((next + 1))
        continue
    fi
    wait -n -p pid "${!job_label[@]}"
    finish_case "$pid" $?
done

# Keep the durations, those of cases not run this time too.
if [[ -d $build ]] && ((${#took_before[@]})); then
    for label in "${!took_before[@]}"; do
        printf '%s\t%s\n' "${took_before[$label]}" "$label"
    done | sort -t $'\t' -k2 >"$durations.tmp" && mv "$durations.tmp" "$durations"
fi

if ((${#failures[@]})); then
    echo "failed:"
    printf '  %s\n' "${failures[@]}"
fi
[[ $skipped -gt 0 ]] && echo "$skipped skipped"
echo "$passed passed, $failed failed in $((SECONDS / 60))m$((SECONDS % 60))s"
[[ $failed -eq 0 ]]
