# timeout: 200
# cost: 13
# fork() 100 times from a program whose four other threads allocate all the
# while, and once from a thread other than main (test/c/fork_stress.c): no
# child may hang (10 s each), fail its checks or die, under the shim.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP" || exit 1
prog=$HS_TESTBIN/fork_stress
[[ -x $prog ]] || fail "$prog is not built"

out=$(shim "$prog" 100 2>err)
status=$?
if [[ $status != 0 || $out != "ok 100" ]]; then
    echo "--- stderr:"; tail -n 40 err
    fail "status $status, printed: $out"
fi
# The children that left by exit() (every fourth of main's, and the one
# forked by a thread) ran the exit path and wrote their own reports, as did
# the parent: 50 + 1 + 1.
reports=$(ls "$HS_REPORTS" | wc -l)
[[ $reports -ge 26 ]] || fail "only $reports reports, expected 26 (exit path not run in children?)"
no_heap_errors
