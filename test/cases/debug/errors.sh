# The debug backend catches overflows and underflows through its redzones,
# writes after free through its quarantine, and mismatched releases, each
# with the bad call's stack and the block's allocation (and free) stack; and
# fresh malloc memory is filled with a non-zero pattern.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"

# expect NAME KIND 'HEADLINE REGEX' [VAR=VALUE...] -- PROGRAM ARGS...
expect() {
    local name=$1 kind=$2 words=$3; shift 3
    local settings=()
    while [[ $1 != -- ]]; do settings+=("$1"); shift; done
    shift
    rm -f "$HS_REPORTS"/*
    env "${settings[@]}" HEAPSHIM_ON_ERROR=continue LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug \
        HEAPSHIM_REPORT="$HS_REPORTS/r.%p" "$@" >"$name.out" 2>&1 || fail "$name: status $?"
    local report
    report=$(cat "$HS_REPORTS"/*)
    grep -q "^heapshim: ERROR: $kind: $words" <<<"$report" || { echo "$report"; fail "$name: no '$kind: $words'"; }
    # The bad call's stack and the allocation stack both reach main.
    local error_part
    error_part=$(sed -n "/^heapshim: ERROR: $kind/,/^heapshim: SUMMARY/p" <<<"$report")
    [[ $(grep -c '^    #[0-9]* 0x[0-9a-f]* in main ' <<<"$error_part") -ge 1 ]] ||
        { echo "$error_part"; fail "$name: no frame in main"; }
    grep -q '^heapshim:   the block: .* allocated by .* in thread T1:$' <<<"$error_part" ||
        fail "$name: no allocation stack"
}

misuse=$HS_TESTBIN/heap_misuse
expect overrun overflow "3 byte(s) past the end of the 13-byte block at 0x[0-9a-f]* were written" -- "$misuse" overrun-free 13
expect underrun underflow "2 byte(s) before the start of the 40-byte block at 0x[0-9a-f]* were written" -- "$misuse" underrun-free 40
expect overrun_at_exit overflow "1 byte(s) past the end of the 24-byte block" -- "$misuse" overrun 24
expect uaf use-after-free "1 byte(s) of the freed 48-byte block at 0x[0-9a-f]* were written after it was freed" \
    HEAPSHIM_QUARANTINE=1K -- "$misuse" uaf-write 48
grep -q '^heapshim:   freed in thread T1:$' "$HS_REPORTS"/* || fail "uaf: no free stack"
expect double double-free "free(0x[0-9a-f]*) of a 48-byte block that was already freed" -- "$misuse" double-free 48
grep -q '^heapshim:   freed in thread T1:$' "$HS_REPORTS"/* || fail "double free: no free stack"

mismatch=$HS_TESTBIN/cxx_mismatch
expect new_free mismatched-free "free(0x[0-9a-f]*) of a block allocated by new$" -- "$mismatch" new-free
expect malloc_delete mismatched-free "delete(0x[0-9a-f]*) of a block allocated by malloc$" -- "$mismatch" malloc-delete
expect newarray_delete mismatched-free "delete(0x[0-9a-f]*) of a block allocated by new\[\]$" -- "$mismatch" newarray-delete
expect new_deletearray mismatched-free "delete\[\](0x[0-9a-f]*) of a block allocated by new$" -- "$mismatch" new-deletearray

# Fresh memory from malloc is not zero; from calloc it is (conformance).
out=$(LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug HEAPSHIM_REPORT=/dev/null "$misuse" fresh-fill 64)
grep -q '^fill be$' <<<"$out" || fail "fresh malloc memory is not filled: $out"

# With the default HEAPSHIM_ON_ERROR=abort, the error ends the process.
LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug HEAPSHIM_REPORT=/dev/null "$misuse" overrun-free 13 >/dev/null 2>&1
[[ $? == 134 ]] || fail "abort: status $?, wanted 134"
exit 0
