# Errors of the files heapshim writes and reads are said, never swallowed
# (issue 10, item 4):
#  - a report or a trace that cannot be written (/dev/full) is said once on
#    stderr, and the program's exit status is its own;
#  - the path in such a line, and in the line saying a report file cannot
#    be opened, is escaped: a newline or a terminal escape in it cannot
#    forge a line or drive the terminal;
#  - a report into a pipe nobody reads does not kill the program with
#    SIGPIPE, whether the program ignores SIGPIPE or not;
#  - a suppressions file that is a directory, unreadable, or has a line that
#    is not understood stops the program before main with status 2.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/outfiles_prog
run() { env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug "$@"; }

# Two reports (the heap error, then the exit report), one line about them.
run HEAPSHIM_ON_ERROR=continue HEAPSHIM_REPORT=/dev/full "$HS_TESTBIN/heap_misuse" double-free \
    >/dev/null 2>full.err || fail "report to /dev/full: status $?"
[[ $(cat full.err) == "heapshim: cannot write the report to /dev/full: No space left on device" ]] ||
    fail "report to /dev/full: stderr holds: $(head -c 500 full.err)"

# Many chunks of trace, one line about them.
run HEAPSHIM_TRACE=/dev/full HEAPSHIM_REPORT=/dev/null "$program" many 30000 >/dev/null 2>trace.err ||
    fail "trace to /dev/full: status $?"
[[ $(cat trace.err) == "heapshim: cannot write the trace to /dev/full: No space left on device" ]] ||
    fail "trace to /dev/full: stderr holds: $(head -c 500 trace.err)"

# Paths of the user's bytes, escaped.
odd=$'odd\nheapshim: forged\e[31m'
run HEAPSHIM_REPORT="$HS_TMP/none/$odd" "$program" leak >/dev/null 2>odd_open.err ||
    fail "report to a missing directory: status $?"
[[ $(head -n 1 odd_open.err) == "heapshim: cannot open the report file HEAPSHIM_REPORT=$HS_TMP/none/odd\nheapshim: forged\x1b[31m: No such file or directory; writing to stderr instead" ]] ||
    fail "an odd report path is not escaped: $(head -n 2 odd_open.err)"
! grep -q '^heapshim: forged' odd_open.err || fail "an odd report path forged a line"
if [[ $(id -u) == 0 ]]; then
    mknod "$HS_TMP/$odd" c 1 7 || fail "mknod"
    run HEAPSHIM_REPORT="$HS_TMP/$odd" "$program" leak >/dev/null 2>odd_full.err ||
        fail "report to an odd full device: status $?"
    [[ $(cat odd_full.err) == "heapshim: cannot write the report to $HS_TMP/odd\nheapshim: forged\x1b[31m: No space left on device" ]] ||
        fail "an odd path of a full device is not escaped: $(head -c 500 odd_full.err)"
fi

# stderr a pipe whose reader is gone: the report fails quietly.
python3 - "$HS_LIB" "$program" <<'PY' || fail "a report into a closed pipe changed the program's end"
import os, signal, subprocess, sys
lib, program = sys.argv[1:]
for ignore in (False, True):
    r, w = os.pipe()
    os.close(r)
    pre = (lambda: signal.signal(signal.SIGPIPE, signal.SIG_IGN)) if ignore else \
          (lambda: signal.signal(signal.SIGPIPE, signal.SIG_DFL))
    p = subprocess.run([program, "many", "40"], stdout=subprocess.DEVNULL, stderr=w, preexec_fn=pre,
                       env=dict(os.environ, LD_PRELOAD=lib, HEAPSHIM_BACKEND="debug"))
    os.close(w)
    if p.returncode != 0:
        sys.exit(f"SIGPIPE {'ignored' if ignore else 'default'}: status {p.returncode}")
PY

bad_suppressions() {   # bad_suppressions PATH 'words of the message' [RUNNER...]
    local path=$1 words=$2 out status; shift 2
    out=$(timeout 20 "$@" env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug HEAPSHIM_SUPPRESSIONS="$path" \
          "$program" leak 2>&1)
    status=$?
    [[ $status == 2 ]] || fail "HEAPSHIM_SUPPRESSIONS=$path: status $status, wanted 2 ($out)"
    [[ $out == "heapshim: configuration error: HEAPSHIM_SUPPRESSIONS=$path: "*"$words"* ]] ||
        fail "HEAPSHIM_SUPPRESSIONS=$path: $out"
}
mkdir dir.supp
bad_suppressions "$HS_TMP/dir.supp" "the file cannot be read: it is a directory, not a regular file"
printf 'leak:x\nleak\n' >bad.supp
bad_suppressions "$HS_TMP/bad.supp" "every line must be 'leak:PATTERN' or a '#' comment"
printf 'leak:x\n' >secret.supp
chmod 000 secret.supp
if [[ $(id -u) == 0 ]]; then
    chmod 755 "$HS_TMP"
    bad_suppressions "$HS_TMP/secret.supp" "the file cannot be read: Permission denied" \
        setpriv --reuid=nobody --regid=nogroup --clear-groups
else
    bad_suppressions "$HS_TMP/secret.supp" "the file cannot be read: Permission denied"
fi
exit 0
