# A stderr the program only opened for reading is not the shim's to write
# (review A2): `prog 2<ro.txt` with a program that closes descriptor 2 at
# exit (coreutils' close_stdout), or in main and opens a file of its own
# there, leaves ro.txt as it was; the shim does not open it again by its
# path for writing. The same program with `2>>file`
# does get its report there (the reopening still works where it may), but
# not once the file has another owner (as a terminal's number does when the
# program's terminal is gone and another user's login gets it; as root).
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/outfiles_prog
run() { env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug "$@"; }

for mode in close2 reuse2; do
    run "$program" $mode "$HS_TMP/data" >/dev/null 2>>written.$mode || fail "$mode with 2>>file: status $?"
    grep -q '^heapshim: exit report for pid' written.$mode ||
        fail "$mode: a writable stderr got no report: $(head -c 300 written.$mode)"
done

if [[ $(id -u) == 0 ]] && id nobody >/dev/null 2>&1; then
    for owner in root nobody; do
        : >owned.$owner
        run "$program" close2wait "$HS_TMP/go.$owner" >started.$owner 2>>owned.$owner &
        prog=$!
        for _ in $(seq 500); do [[ -s started.$owner ]] && break; sleep 0.02; done
        [[ -s started.$owner ]] || fail "close2wait did not start"
        chown $owner owned.$owner
        touch go.$owner
        wait $prog || fail "close2wait: status $?"
    done
    grep -q '^heapshim: exit report for pid' owned.root ||
        fail "a stderr file closed by the program got no report: $(head -c 300 owned.root)"
    [[ ! -s owned.nobody ]] || fail "a stderr file of another owner now got the report: $(head -c 300 owned.nobody)"
fi

printf 'read only\n' >ro.txt
chmod 644 ro.txt
run "$program" close2 >/dev/null 2<ro.txt || fail "close2 with 2<ro.txt: status $?"
[[ $(cat ro.txt) == 'read only' ]] ||
    fail "a file opened for reading on descriptor 2 was written: $(head -c 300 ro.txt)"
run "$program" reuse2 "$HS_TMP/data" >/dev/null 2<ro.txt || fail "reuse2 with 2<ro.txt: status $?"
[[ $(cat ro.txt) == 'read only' ]] ||
    fail "reuse2: a file opened for reading on descriptor 2 was written: $(head -c 300 ro.txt)"
[[ $(cat data) == data ]] || fail "reuse2: the program's own file holds: $(head -c 300 data)"
exit 0
