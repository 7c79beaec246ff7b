# Double, invalid and foreign frees and a realloc of a freed block are
# reported with the right kind and block, then abort (HEAPSHIM_ON_ERROR=abort,
# the default) or carry on (continue).
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"

check() {   # check MODE KIND WORDS
    local mode=$1 kind=$2 words=$3
    rm -f "$HS_REPORTS"/*
    shim "$HS_TESTBIN/heap_misuse" "$mode" 48 >"$mode.out" 2>&1
    local status=$?
    [[ $status == 134 ]] || { cat "$mode.out"; fail "$mode: status $status, wanted SIGABRT (134)"; }
    read -r _ address _ <"$mode.out"
    grep -q "^heapshim: ERROR: $kind: .*$words" "$HS_REPORTS"/* ||
        { cat "$HS_REPORTS"/*; fail "$mode: no '$kind' error saying '$words'"; }
    grep -q "^heapshim: SUMMARY: $kind" "$HS_REPORTS"/* || fail "$mode: no summary line"

    rm -f "$HS_REPORTS"/*
    HEAPSHIM_ON_ERROR=continue shim "$HS_TESTBIN/heap_misuse" "$mode" 48 >"$mode.cont" 2>&1 ||
        fail "$mode: with HEAPSHIM_ON_ERROR=continue the program did not exit 0"
    grep -q missed "$mode.cont" || fail "$mode: the program did not carry on"
    grep -q "^heapshim: ERROR: $kind" "$HS_REPORTS"/* || fail "$mode: not reported under continue"
}

check double-free double-free "free(0x[0-9a-f]*) of a 48-byte block that was already freed"
check invalid-free invalid-free "points 8 byte(s) into the 48-byte block"
check foreign-free invalid-free "of a pointer heapshim never returned"
check bad-realloc invalid-realloc "realloc(0x[0-9a-f]*) of a 48-byte block that was already freed"
exit 0
