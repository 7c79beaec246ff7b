# fork() from a threaded program (test/c/fork_threads_atfork.c): threads
# allocating and handing blocks to each other, many short threads created and
# joined, pthread_atfork handlers that allocate in prepare, parent and child,
# registered both after the shim's and before it (so that they run while the
# shim holds its locks), children that start a thread or exec /bin/true. No
# process may hang (the program gives a child 10 s and itself 30 s without
# progress), fail, or report a heap error.
# timeout: 300
# cost: 11
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
prog=$HS_TESTBIN/fork_threads_atfork
[[ -x $prog ]] || fail "$prog is not built"
out=$(shim "$prog" 100 2>err)
status=$?
if [[ $status != 0 || $out != "ok 100" ]]; then
    echo "--- stderr:"; tail -n 20 err
    fail "status $status, printed: $out"
fi
# The parent reports, and so do the children that exec /bin/true (every
# seventh) or leave by exit() (every fourth of the others): 37 in all.
reports=$(ls "$HS_REPORTS" | wc -l)
[[ $reports == 37 ]] || fail "$reports reports, wanted 37"
no_heap_errors
