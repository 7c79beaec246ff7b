# Helpers sourced by every test case (see test/run.sh for the environment).
# shellcheck shell=bash
set -u

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skip: $*"; exit 77; }

# Reports of the preloaded runs go to one file per process under $HS_TMP.
HS_REPORTS=$HS_TMP/reports
mkdir -p "$HS_REPORTS"

# shim CMD...: runs CMD with the shim preloaded and the case's backend; extra
# HEAPSHIM_* settings can be given in the environment of the call.
shim() {
    env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="${HS_BACKEND:-page}" \
        HEAPSHIM_REPORT="${HEAPSHIM_REPORT:-$HS_REPORTS/report.%p}" "$@"
}

# same_as_plain NAME CMD...: runs CMD plainly and then preloaded, from the
# current directory, with stdin from /dev/null; fails unless stdout and the
# exit status agree. Leaves the outputs in $HS_TMP/NAME.{plain,shim}.
same_as_plain() {
    local name=$1; shift
    local plain_status shim_status
    "$@" >"$HS_TMP/$name.plain" 2>"$HS_TMP/$name.plain.err" </dev/null
    plain_status=$?
    shim "$@" >"$HS_TMP/$name.shim" 2>"$HS_TMP/$name.shim.err" </dev/null
    shim_status=$?
    if [[ $plain_status != "$shim_status" ]]; then
        echo "--- stderr under the shim:"; tail -n 20 "$HS_TMP/$name.shim.err"
        fail "$name: exit status $shim_status under the shim, $plain_status plain"
    fi
    if ! cmp -s "$HS_TMP/$name.plain" "$HS_TMP/$name.shim"; then
        diff "$HS_TMP/$name.plain" "$HS_TMP/$name.shim" | head -n 20
        fail "$name: output differs under the shim"
    fi
    no_heap_errors
}

# no_heap_errors: fails if any report written so far records a heap error.
no_heap_errors() {
    if grep -ls 'heapshim: ERROR' "$HS_REPORTS"/* >/dev/null 2>&1; then
        grep -hs -A8 'heapshim: ERROR' "$HS_REPORTS"/* | head -n 40
        fail "a heap error was reported"
    fi
}
