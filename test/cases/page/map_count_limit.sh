# timeout: 200
# A program with 300,000 live blocks keeps running under the page backend:
# near vm.max_map_count the backend stops guarding, says so once in the exit
# report, and fails no allocation; the program's own mmaps still work.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
out=$(shim "$HS_TESTBIN/many_blocks" 300000) || fail "status $?: $out"
[[ $out == ok ]] || fail "$out"
report=$(cat "$HS_REPORTS"/*)
grep -q '^heapshim: guarding stopped for [0-9,]* blocks: .*vm.max_map_count' <<<"$report" ||
    fail "the report does not say that guarding stopped: $report"
[[ $(grep -c 'guarding stopped' <<<"$report") == 1 ]] || fail "said more than once"
no_heap_errors

exit 0
