#!/usr/bin/env bash
# Test driver for `make test`.
#
# Test cases are scripts under test/cases/:
#   all/*.sh    run once per built backend (HS_BACKEND set to each in turn)
#   page/*.sh   about the page backend only
#   once/*.sh   about no backend in particular (configuration, launcher)
# A case exits 0 to pass, 77 to skip, anything else to fail. Each runs in its
# own process group under a timeout (a "# timeout: N" line overrides the
# default), so a hang fails that case and nothing else.
#
# Usage: test/run.sh [PATTERN]   runs only the cases whose name contains PATTERN
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${HS_BUILD:-$root/build}
backends=${HS_BACKENDS:-page}
pattern=${1:-}
default_timeout=${HS_TIMEOUT:-240}

export HS_ROOT=$root HS_BUILD=$build HS_LIB=$build/libheapshim.so
export HS_TESTBIN=$build/test

passed=0 failed=0 skipped=0
failures=()

run_case() {   # run_case SCRIPT LABEL [BACKEND]
    local script=$1 label=$2 backend=${3:-}
    [[ -n $pattern && $label != *"$pattern"* ]] && return
    local limit
    limit=$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$script" | head -n 1)
    limit=${limit:-$default_timeout}
    local tmp
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/heapshim-test.XXXXXX")
    local start=$SECONDS status
    HS_BACKEND=$backend HS_TMP=$tmp timeout -k 5 "$limit" bash "$script" >"$tmp/.log" 2>&1 </dev/null
    status=$?
    local took=$((SECONDS - start))
    case $status in
        0)  passed=$((passed + 1)); printf 'PASS %-48s %3ss\n' "$label" "$took" ;;
        77) skipped=$((skipped + 1)); printf 'SKIP %-48s %s\n' "$label" "$(tail -n 1 "$tmp/.log")" ;;
        *)  failed=$((failed + 1)); failures+=("$label")
            [[ $status == 124 || $status == 137 ]] && echo "(timed out after ${limit}s)" >>"$tmp/.log"
            printf 'FAIL %-48s %3ss (status %s)\n' "$label" "$took" "$status"
            tail -n 40 "$tmp/.log" | sed 's/^/    | /' ;;
    esac
    rm -rf "$tmp"
}

for script in "$root"/test/cases/once/*.sh; do
    [[ -e $script ]] && run_case "$script" "$(basename "$script" .sh)"
done
for script in "$root"/test/cases/all/*.sh; do
    [[ -e $script ]] || continue
    for backend in $backends; do
        run_case "$script" "$(basename "$script" .sh) [$backend]" "$backend"
    done
done
for dir in "$root"/test/cases/*/; do
    backend=$(basename "$dir")
    [[ $backend == all || $backend == once ]] && continue
    [[ " $backends " == *" $backend "* ]] || continue
    for script in "$dir"*.sh; do
        [[ -e $script ]] && run_case "$script" "$backend/$(basename "$script" .sh)" "$backend"
    done
done

if ((${#failures[@]})); then
    echo "failed:"
    printf '  %s\n' "${failures[@]}"
fi
[[ $skipped -gt 0 ]] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
