# heapshim_check (include/heapshim.h) finds a damaged redzone when the
# program asks, before any free would: it reports the overflow once (the
# redzone is refilled, so neither a later check nor the one at exit reports
# it again) and returns the number of damaged blocks; under
# HEAPSHIM_ON_ERROR=abort the check ends the process.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/api_use
line=$(grep -n 'SITE damaged ' "$HS_ROOT/test/c/api_use.c" | cut -d: -f1)

HEAPSHIM_ON_ERROR=continue HEAPSHIM_REPORT="$HS_TMP/continue.%p" shim "$program" redzone >out ||
    fail "status $?"
grep -qx 'check_clean=0' out || { cat out; fail "a check before the damage found some"; }
grep -qx 'check_damaged=1' out || { cat out; fail "the check did not count the damaged block"; }
report=$(cat "$HS_TMP"/continue.*)
headline='^heapshim: ERROR: overflow: 3 byte(s) past the end of the 10-byte block at 0x[0-9a-f]* were written (found by check)$'
[[ $(grep -c "$headline" <<<"$report") == 1 ]] ||
    { echo "$report"; fail "the overflow is not reported exactly once, by the check"; }
grep -A1 '^heapshim:   the block: 10 bytes at .* allocated by malloc in thread T1:$' <<<"$report" |
    grep -q "in damage_redzone [^ ]*test/c/api_use.c:$line " ||
    { echo "$report"; fail "the block's allocation stack is wrong"; }
grep -q '^heapshim: heap errors: 1 (reported above)$' <<<"$report" ||
    { echo "$report"; fail "the exit report does not count one error"; }

HEAPSHIM_REPORT="$HS_TMP/abort.%p" shim "$program" redzone >out
status=$?
[[ $status == 134 ]] || fail "under HEAPSHIM_ON_ERROR=abort: status $status, wanted 134 (SIGABRT)"
grep -q "$headline" "$HS_TMP"/abort.* || fail "under abort: the overflow was not reported"
exit 0
