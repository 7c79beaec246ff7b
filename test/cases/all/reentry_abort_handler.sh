# The program's SIGABRT handler after the shim aborts (test/c/
# reentry_exit_paths.c). After a heap error the thread has left the shim:
# a crash logger's strdup works and the handler's re-raise ends the process
# (134), a test runner's siglongjmp out of the handler leaves malloc
# working. After a reentrant call the interrupted call still holds the heap:
# the handler's malloc is refused and reported once, never aborted again
# (no recursion into a stack overflow). When another thread holds the
# report while a reentrant call aborts, the error is still written.
# timeout: 200
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
prog=$HS_TESTBIN/reentry_exit_paths
[[ -x $prog ]] || fail "$prog is not built"

run() { # run MODE: status in $status, stdout in out, report in $report
    rm -f "$HS_REPORTS"/*
    timeout -k 2 30 env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" \
        HEAPSHIM_REPORT="$HS_REPORTS/report.%p" "$prog" "$1" >out 2>err
    status=$?
    report=$(cat "$HS_REPORTS"/* 2>/dev/null)
}

run crashlog
[[ $status == 134 ]] || { tail -n 5 err; fail "crashlog: status $status, wanted 134"; }
[[ $(cat out) == "crash handler: writing a crash log" ]] || fail "crashlog: the handler printed '$(head -c 200 out)'"
[[ $(grep -c '^heapshim: ERROR' <<<"$report") == 1 ]] || { head -n 20 <<<"$report"; fail "crashlog: not one error"; }
grep -q '^heapshim: ERROR: double-free' <<<"$report" || fail "crashlog: no double-free reported"

run jmp
[[ $status == 0 ]] || { tail -n 5 err; fail "jmp: status $status, wanted 0"; }
[[ $(cat out) == "test 2: ok" ]] || fail "jmp: printed '$(head -c 200 out)'"
[[ $(grep -c '^heapshim: ERROR' <<<"$report") == 1 ]] || { head -n 20 <<<"$report"; fail "jmp: not one error"; }

run nested
[[ $status == 134 ]] || { tail -n 5 err; fail "nested: status $status, wanted 134"; }
[[ $(cat out) == "crash handler: strdup failed" ]] || fail "nested: the handler printed '$(head -c 200 out)'"
n=$(grep -c '^heapshim: ERROR: reentrant-call' <<<"$report")
(( n >= 1 && n <= 2 )) || fail "nested: $n reentrant-call errors, wanted the call and at most the handler's"

run busy
[[ $status == 134 ]] || { tail -n 5 err; fail "busy: status $status, wanted 134"; }
grep -q '^heapshim: ERROR: reentrant-call' <<<"$report" ||
    { tail -n 5 <<<"$report"; fail "busy: the reentrant call that ended the process is not reported"; }
exit 0
