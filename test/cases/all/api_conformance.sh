# The malloc family behaves as glibc's does (test/c/api_conformance.c, one
# named check per rule): the program passes against glibc itself, and under
# each backend with --shim, which also requires free_sized and
# free_aligned_sized. It frees every block it gets, so a definite leak at
# exit means the shim kept one the program released (realloc(p, 0), a sized
# free).
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/api_conformance
"$program" >plain.out || { grep 'not ok' plain.out; fail "fails against glibc itself"; }
HEAPSHIM_LEAK_EXITCODE=99 shim "$program" --shim >shim.out
status=$?
grep 'not ok' shim.out
if [[ $status == 99 ]]; then
    grep -hs -A12 'definitely lost, allocated' "$HS_REPORTS"/* | head -n 40
    fail "definite leaks at exit: the shim kept blocks the program freed"
fi
[[ $status == 0 ]] || { tail -n 20 shim.out; fail "status $status under the shim"; }
# As many checks ran as against glibc, and none was skipped.
total=$(sed -n 's/^\([0-9]\+\) checks, 0 failed$/\1/p' plain.out)
[[ -n $total ]] || fail "no summary line from the plain run"
grep -q "^$total checks, 0 failed\$" shim.out || { tail -n 3 shim.out; fail "checks went missing"; }
! grep -q '# skip' shim.out || fail "skipped under the shim: $(grep '# skip' shim.out)"
no_heap_errors
