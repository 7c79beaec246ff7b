# Every C++ operator new/delete form, under each backend, and against the
# C++ runtime's own operators.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
out=$("$HS_TESTBIN/cxx_operators") || fail "fails without the shim: $out"
out=$(shim "$HS_TESTBIN/cxx_operators" --shim) || fail "status $?: $out"
[[ $out == ok ]] || fail "$out"
no_heap_errors
