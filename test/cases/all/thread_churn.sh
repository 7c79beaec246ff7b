# Eight threads allocate, and other threads check and free, every block
# (with a checksum of its contents), under each backend.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
out=$(shim "$HS_TESTBIN/thread_churn" 2500) || fail "status $?: $out"
[[ $out == "ok 0" ]] || fail "$out"
no_heap_errors
