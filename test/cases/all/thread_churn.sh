# timeout: 120
# Eight threads allocate blocks that other threads check byte by byte,
# realloc and free (test/c/thread_churn.c): plainly, then under the shim, where
# no block may be left as a definite leak.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP" || exit 1
prog=$HS_TESTBIN/thread_churn
[[ -x $prog ]] || fail "$prog is not built"

out=$("$prog" 2>plain.err) || { cat plain.err; fail "fails without the shim: $out"; }
[[ $out == "ok 20000" ]] || fail "plain run printed: $out"

out=$(HEAPSHIM_LEAK_EXITCODE=99 shim "$prog" 2>shim.err)
status=$?
if [[ $status == 99 ]]; then
    grep -hs -B2 -A12 'LEAK SUMMARY' "$HS_REPORTS"/* | head -n 40
    fail "definite leaks at exit: the shim kept blocks the program freed"
fi
if [[ $status != 0 || $out != "ok 20000" ]]; then
    echo "--- stderr under the shim:"; tail -n 30 shim.err
    fail "status $status under the shim, printed: $out"
fi
no_heap_errors
