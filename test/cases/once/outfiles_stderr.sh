# Reports to "stderr" go to the stderr the process started with, and the
# shim holds no descriptor of its own (issue 10, items 2 and 16):
#  - a program's view of its descriptors is the same as without the shim,
#    also for a child that a Python program starts with pass_fds (CPython's
#    test_subprocess.test_pass_fds_redirected);
#  - with stderr closed at start (2>&-) the program's next open gets 2, and
#    no report text goes into that file;
#  - a program that closes stderr and opens a data file on 2, or that
#    redirects 2 elsewhere with dup2, keeps its file to itself: the report
#    goes to the stderr it started with;
#  - a program that closes stderr at exit (coreutils) still reports to it
#    when it is a file or a terminal.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/outfiles_prog
run() { env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug "$@"; }

plain=$("$program" fds | grep '^fds:') || fail "plain fds run"
shimmed=$(run "$program" fds 2>/dev/null | grep '^fds:') || fail "fds run under the shim"
[[ $plain == "$shimmed" ]] || fail "descriptors seen under the shim: '$shimmed', plain: '$plain'"
HEAPSHIM_TRACE="$HS_TMP/fds.trace" run "$program" fds >fds.out 2>/dev/null || fail "fds run with a trace"
[[ $(grep '^fds:' fds.out) == "$plain" ]] || fail "descriptors seen with a trace: $(grep '^fds:' fds.out)"

if command -v python3 >/dev/null; then
    cat >pass_fds.py <<'PY'
import os, subprocess, sys
child = ("import os\n"
         "fds = []\n"
         "for fd in range(4096):\n"
         "    try:\n"
         "        os.fstat(fd)\n"
         "        fds.append(fd)\n"
         "    except OSError:\n"
         "        pass\n"
         "print(','.join(map(str, fds)))\n")
pass_fds = [os.open(os.devnull, os.O_RDWR) for _ in range(2)]
r, w = os.pipe()
pass_fds.insert(1, w)
with subprocess.Popen([sys.executable, "-c", child], stdin=pass_fds[0], stdout=pass_fds[1],
                      stderr=pass_fds[2], close_fds=True, pass_fds=pass_fds):
    out = os.read(r, 1024)
fds = {int(n) for n in out.split(b",")}
want = {0, 1, 2} | set(pass_fds)
if fds != want:
    sys.exit(f"the child sees {sorted(fds)}, wanted {sorted(want)}")
PY
    run python3 pass_fds.py 2>pass_fds.err ||
        { grep -v '^heapshim\|^    #' pass_fds.err; fail "pass_fds: a child under the shim sees a descriptor it was not given"; }
fi

# Closed at start: the report goes nowhere, never into the program's file.
run "$program" reuse2 "$HS_TMP/data.closed" >/dev/null 2>&- || fail "reuse2 with 2>&-: status $?"
[[ $(cat data.closed) == data ]] || fail "stderr closed at start: the program's file holds: $(head -c 300 data.closed)"

# Open at start, closed and reused by the program: the program's file is its
# own, the report goes to the file stderr was.
run "$program" reuse2 "$HS_TMP/data.reused" >/dev/null 2>reused.err || fail "reuse2: status $?"
[[ $(cat data.reused) == data ]] || fail "stderr reused: the program's file holds: $(head -c 300 data.reused)"
grep -q '^heapshim: exit report for pid' reused.err || fail "stderr reused: no report on the original stderr"

run "$program" redirect2 "$HS_TMP/mine" >/dev/null 2>redirect.err || fail "redirect2: status $?"
[[ $(cat mine) == mine ]] || fail "redirected stderr: the program's file holds: $(head -c 300 mine)"
grep -q '^heapshim: exit report for pid' redirect.err || fail "redirected stderr: no report on the original stderr"

run "$program" close2 >/dev/null 2>close2.err || fail "close2: status $?"
grep -q '^heapshim: exit report for pid' close2.err || fail "stderr closed at exit: no report"
if command -v script >/dev/null; then
    script -qc "env LD_PRELOAD='$HS_LIB' '$program' close2" /dev/null >close2.tty </dev/null ||
        fail "close2 on a terminal: status $?"
    grep -q 'heapshim: exit report for pid' close2.tty || fail "stderr (a terminal) closed at exit: no report"
fi
exit 0
