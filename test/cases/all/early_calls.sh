# First calls before any constructor, from several threads at once, work; and
# a bad configuration still stops the program before main.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
for round in 1 2 3 4 5; do
    out=$(shim "$HS_TESTBIN/early_calls") || fail "round $round: status $? ($out)"
    [[ $out == ok ]] || fail "round $round: $out"
done
no_heap_errors
out=$(HEAPSHIM_ON_ERROR=sometimes shim "$HS_TESTBIN/early_calls" 2>&1)
status=$?
[[ $status == 2 ]] || fail "bad configuration with early calls: status $status"
grep -q '^heapshim: configuration error: HEAPSHIM_ON_ERROR=sometimes' <<<"$out" || fail "no configuration error: $out"
grep -q '^ok' <<<"$out" && fail "main ran despite the configuration error"
exit 0
