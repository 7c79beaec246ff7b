# Every C++ operator new/delete form (test/c/cxx_operators.cpp): against the C++
# runtime's own operators, then under the shim with --shim, which also
# requires each operator symbol to resolve into libheapshim. The container
# workload's checksum must be the same in both runs, and nothing the
# program deleted may be reported as a definite leak.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP" || exit 1
prog=$HS_TESTBIN/cxx_operators
[[ -x $prog ]] || fail "$prog is not built"

"$prog" >plain.out 2>plain.err
status=$?
if [[ $status != 0 ]]; then
    cat plain.err
    fail "fails without the shim (status $status)"
fi

HEAPSHIM_LEAK_EXITCODE=99 shim "$prog" --shim >shim.out 2>shim.err
status=$?
if [[ $status == 99 ]]; then
    grep -hs -B2 -A12 'LEAK SUMMARY' "$HS_REPORTS"/* | head -n 40
    fail "definite leaks at exit: the shim kept blocks the program freed"
fi
if [[ $status != 0 ]]; then
    echo "--- stderr under the shim:"; tail -n 30 shim.err
    fail "status $status under the shim"
fi
grep -q '^ok operator new and delete resolve into libheapshim$' shim.out ||
    fail "the symbol check did not run under the shim"
grep -q ' checks, 0 failed$' shim.out || { tail -n 3 shim.out; fail "no summary line under the shim"; }
plain_sum=$(grep '^checksum ' plain.out)
shim_sum=$(grep '^checksum ' shim.out)
[[ -n $plain_sum && $plain_sum == "$shim_sum" ]] ||
    fail "container workload: '$shim_sum' under the shim, '$plain_sum' plain"
no_heap_errors
