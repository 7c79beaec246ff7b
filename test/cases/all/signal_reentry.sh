# A signal handler that calls malloc and free while its thread is inside
# malloc or free (test/c/signal_reentry.c, with and without other threads
# allocating): reported as a reentrant-call error whose stack shows the
# handler and, below it, the interrupted call, then SIGABRT; never a hang, a
# crash or a corrupted heap. Under HEAPSHIM_ON_ERROR=continue the nested
# calls are refused (malloc returns NULL) and the program finishes.
# timeout: 200
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
prog=$HS_TESTBIN/signal_reentry
[[ -x $prog ]] || fail "$prog is not built"

for mode in alone threads; do
    rm -f "$HS_REPORTS"/*
    timeout -k 2 60 env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" \
        HEAPSHIM_REPORT="$HS_REPORTS/report.%p" "$prog" $mode >out 2>err
    status=$?
    [[ $status == 134 ]] || { tail -n 5 err; fail "$mode: status $status, wanted SIGABRT (134)"; }
    report=$(cat "$HS_REPORTS"/*)
    grep -q '^heapshim: ERROR: reentrant-call: \(malloc\|free(0x[0-9a-f]*)\) called from a signal handler' <<<"$report" ||
        { echo "$report" | head -n 30; fail "$mode: no reentrant-call error"; }
    # The stack: the handler, later the interrupted malloc or free, then main.
    frames=$(sed -n '/ERROR: reentrant-call/,/SUMMARY/p' <<<"$report")
    grep -A40 ' in on_alarm ' <<<"$frames" | grep -q ' in \(malloc\|free\) ' ||
        { echo "$frames"; fail "$mode: the stack does not show the handler above the interrupted call"; }
    grep -A40 ' in \(malloc\|free\) ' <<<"$frames" | grep -q ' in main ' ||
        { echo "$frames"; fail "$mode: the stack does not reach main"; }
    [[ $(grep -c '^heapshim: ERROR' <<<"$report") == 1 ]] || { echo "$report"; fail "$mode: other errors"; }

    rm -f "$HS_REPORTS"/*
    out=$(timeout -k 2 60 env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" \
          HEAPSHIM_ON_ERROR=continue HEAPSHIM_REPORT="$HS_REPORTS/report.%p" "$prog" $mode 2>err)
    status=$?
    [[ $status == 0 && $out =~ ^ok\ [0-9]+\ ([0-9]+)$ ]] ||
        { tail -n 5 err; fail "$mode, continue: status $status, printed '$out'"; }
    (( BASH_REMATCH[1] >= 20 )) || fail "$mode, continue: only ${BASH_REMATCH[1]} nested calls refused"
    grep -h '^heapshim: ERROR' "$HS_REPORTS"/* | grep -v 'ERROR: reentrant-call: .*; refused' &&
        fail "$mode, continue: an error other than reentrant-call"
    grep -q '^heapshim: ERROR: reentrant-call: malloc called .*; refused' "$HS_REPORTS"/* ||
        fail "$mode, continue: no refused malloc reported"
done

# JSON: one valid object with the error kind, both when it aborts (the heap
# is then not examined, and the note says so) and at exit under continue.
for on_error in abort continue; do
    rm -f "$HS_REPORTS"/*
    timeout -k 2 60 env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" HEAPSHIM_ON_ERROR=$on_error \
        HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_REPORTS/report.%p" "$prog" >/dev/null 2>err
    python3 - "$on_error" "$HS_REPORTS"/* <<'PY' || fail "json, $on_error: the report is wrong"
import json, sys
on_error, path = sys.argv[1], sys.argv[2]
report = json.load(open(path))
kinds = {e["kind"] for e in report["errors"]}
assert kinds == {"reentrant-call"}, kinds
first = report["errors"][0]
assert first["call"] in ("malloc", "free"), first
assert any(f.get("function") == "on_alarm" for f in first["stack"]), first["stack"]
if on_error == "abort":
    assert "not examined" in report["note"], report["note"]
PY
done
exit 0
