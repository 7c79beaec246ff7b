# The malloc family behaves as glibc's does (the same program passes
# against glibc itself), under each backend.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
"$HS_TESTBIN/api_conformance" >plain.out || { grep 'not ok' plain.out; fail "fails against glibc itself"; }
shim "$HS_TESTBIN/api_conformance" --shim >shim.out 2>&1
status=$?
grep 'not ok' shim.out
[[ $status == 0 ]] || { tail -n 20 shim.out; fail "status $status under the shim"; }
[[ $(grep -c '^ok ' shim.out) == $(grep -c '^ok ' plain.out) || $(grep -c '^ok ' shim.out) -gt 15 ]] ||
    fail "checks went missing"
no_heap_errors
