# The libc backend: glibc's own allocator under the shim. Every wrapper
# test and the backend-neutral cases pass over it; glibc, not heapshim,
# finds a double free, as it would without the shim; the exit report calls
# nothing lost and says in its note why.
# timeout: 900
# cost: 21
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"

for case in api_conformance cxx_operators early_calls thread_churn fork_stress \
            wrap_stats wrap_limit wrap_fail wrap_failsweep wrap_trace wrap_fork_threads real_redis; do
    mkdir "$HS_TMP/$case"
    HS_BACKEND=libc HS_TMP="$HS_TMP/$case" bash "$HS_ROOT/test/cases/all/$case.sh" >"$case.log" 2>&1 ||
        { tail -n 20 "$case.log"; fail "$case over the libc backend"; }
done

export HS_BACKEND=libc
shim "$HS_TESTBIN/heap_misuse" double-free 48 >misuse.out 2>&1
status=$?
[[ $status == 134 ]] || fail "double free: status $status, wanted glibc's SIGABRT"
grep -q 'double free detected' misuse.out || { cat misuse.out; fail "glibc did not name the double free"; }
grep -qs 'heapshim: ERROR' "$HS_REPORTS"/* && fail "heapshim reported what glibc found"

HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/json.%p" shim "$HS_TESTBIN/leak_kinds" definite ||
    fail "leak_kinds: status $?"
python3 "$HS_ROOT/test/check_report.py" --backend libc --source /dev/null --reports "$HS_TMP"/json.* -- \
    'definite 0 0' 'indirect 0 0' 'possible 0 0' 'reachable 0 0' || fail "the JSON report"
grep -q '"note": "the libc backend cannot enumerate glibc'"'"'s live blocks' json.* || fail "no note in JSON"
HEAPSHIM_REPORT="$HS_TMP/text.%p" shim "$HS_TESTBIN/leak_kinds" definite || fail "text run: status $?"
grep -q "^heapshim: note: the libc backend cannot enumerate glibc's live blocks" text.* || fail "no note in text"
grep -Eq 'LEAK SUMMARY|are (definitely|indirectly|possibly) lost' text.* && fail "the text report calls something lost"
exit 0
