# Every wrapper at once over each backend, through fork() from threaded
# programs and threads passing blocks to each other: no child hangs or
# fails, each process reports its statistics, and every trace file reads
# back whole.
# timeout: 240
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
mkdir traces
wrappers=(HEAPSHIM_STATS=1 HEAPSHIM_LIMIT=4G HEAPSHIM_FAIL_IN=no_such_function
          HEAPSHIM_TRACE="$HS_TMP/traces/%p")
out=$(env "${wrappers[@]}" LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" \
      HEAPSHIM_REPORT="$HS_REPORTS/report.%p" "$HS_TESTBIN/fork_stress" 100) || fail "fork_stress: status $?: $out"
[[ $out == "ok 100" ]] || fail "fork_stress: $out"
out=$(env "${wrappers[@]}" LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" \
      HEAPSHIM_REPORT="$HS_REPORTS/report.%p" "$HS_TESTBIN/thread_churn" 1000) || fail "thread_churn: status $?: $out"
[[ $out =~ ^ok\ [0-9]+$ ]] || fail "thread_churn: $out"
no_heap_errors
# fork_stress's children leave by exit() one time in four (the others by
# _exit, which writes no report): at least 25 of them, and the parents.
reports=$(ls "$HS_REPORTS" | wc -l)
[[ $reports -ge 27 ]] || fail "only $reports reports"
[[ $(grep -l '^heapshim: statistics:$' "$HS_REPORTS"/* | wc -l) == "$reports" ]] ||
    fail "a report has no statistics"
grep -h '^heapshim: limit:' "$HS_REPORTS"/* | grep -v 'requests refused: 0$' && fail "the limit refused something"
"$HS_ROOT/scripts/heapshim-trace" summary traces/* >summary || fail "a trace does not read back"
[[ $(grep -c '^pid ' summary) -ge 27 ]] || fail "traces of only $(grep -c '^pid ' summary) processes"
exit 0
