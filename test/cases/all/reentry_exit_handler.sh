# exit() and the exit report with signal handlers about (test/c/
# reentry_exit_paths.c). A handler that calls exit() while its thread is
# inside malloc (the usual SIGTERM handler): no hang; the exit report says
# the heap was not examined and why. A handler that allocates while the
# exit report scans the heap: refused as a reentrant call, no deadlock.
# timeout: 200
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
prog=$HS_TESTBIN/reentry_exit_paths
[[ -x $prog ]] || fail "$prog is not built"

# The timer may fire outside malloc: five runs, at least one inside.
inside=0
for i in 1 2 3 4 5; do
    rm -f "$HS_REPORTS"/*
    timeout -k 2 20 env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" HEAPSHIM_ON_ERROR=continue \
        HEAPSHIM_REPORT="$HS_REPORTS/report.%p" "$prog" exitinsig >out 2>err
    status=$?
    [[ $status == 0 ]] || { tail -n 5 err; fail "exitinsig run $i: status $status, wanted 0"; }
    report=$(cat "$HS_REPORTS"/*)
    grep -q '^heapshim: exit report for pid' <<<"$report" || fail "exitinsig run $i: no exit report"
    grep -q 'not examined: exit() was called from a signal handler' <<<"$report" && inside=$((inside + 1))
done
(( inside > 0 )) || fail "exitinsig: no run said the heap was not examined"

for on_error in continue abort; do
    rm -f "$HS_REPORTS"/*
    timeout -k 2 60 env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" HEAPSHIM_ON_ERROR=$on_error \
        HEAPSHIM_REPORT="$HS_REPORTS/report.%p" "$prog" exitscan >out 2>err
    status=$?
    want=0; [[ $on_error == abort ]] && want=134
    [[ $status == "$want" ]] || { tail -n 5 err; fail "exitscan, $on_error: status $status, wanted $want"; }
    # Made while this thread writes the report: to stderr.
    report=$(cat "$HS_REPORTS"/* err)
    grep -q '^heapshim: ERROR: reentrant-call: \(malloc\|free\).*called from a signal handler' <<<"$report" ||
        fail "exitscan, $on_error: the handler's call during the scan is not reported"
    grep -h '^heapshim: ERROR' <<<"$report" | grep -vq 'reentrant-call' && fail "exitscan, $on_error: other errors"
done
exit 0
