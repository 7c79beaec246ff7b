# A report to stderr reaches a pipe or a socket that the program closes
# before the report is written (coreutils' close_stdout in an atexit
# handler): the shim copies descriptor 2 when exit() begins, before the
# program's atexit handlers (issue 10, items 2 and 16). The copy costs the
# program nothing it can see:
#  - no descriptor of the shim's while main runs;
#  - the wrappers see only the program's calls: the record glibc allocates
#    to register the exit hook is not counted (HEAPSHIM_STATS), traced
#    (HEAPSHIM_TRACE) nor numbered by HEAPSHIM_FAIL_AT, and is no leak.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/outfiles_prog
numbered=$HS_TESTBIN/wrap_limit
under_shim=(env -u HEAPSHIM_REPORT LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND")
run() { "${under_shim[@]}" "$@"; }
# The report with its process id and addresses made neutral.
neutral() { sed -E 's/pid [0-9]+/pid N/; s/0x[0-9a-f]+/0xA/g' "$1"; }

# Stderr a socket whose other end the test reads: socket_stderr OUT CMD...
socket_stderr() {
    python3 - "$@" <<'PY'
import socket, subprocess, sys
out, cmd = sys.argv[1], sys.argv[2:]
mine, theirs = socket.socketpair()
child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=theirs)
theirs.close()
data = b""
while chunk := mine.recv(65536):
    data += chunk
open(out, "wb").write(data)
sys.exit(child.wait())
PY
}

# The reference: stderr a file, which is reopened by its path.
run timeout 60 "$program" close2 >/dev/null 2>close2.file || fail "close2 to a file: status $?"
grep -q '^heapshim: LEAK SUMMARY' close2.file || fail "close2 to a file: no report"

run timeout 60 "$program" close2 2>&1 >/dev/null | cat >close2.pipe
[[ ${PIPESTATUS[0]} == 0 ]] || fail "close2 to a pipe: status ${PIPESTATUS[0]}"
grep -q '^heapshim: exit report for pid' close2.pipe ||
    fail "stderr a pipe closed at exit: no report; got: $(head -c 300 close2.pipe)"
[[ $(neutral close2.pipe) == "$(neutral close2.file)" ]] ||
    { diff <(neutral close2.file) <(neutral close2.pipe) | head -n 20; fail "the report through a pipe is not whole"; }

socket_stderr close2.socket "${under_shim[@]}" timeout 60 "$program" close2 || fail "close2 to a socket: status $?"
grep -q '^heapshim: exit report for pid' close2.socket ||
    fail "stderr a socket closed at exit: no report; got: $(head -c 300 close2.socket)"
[[ $(neutral close2.socket) == "$(neutral close2.file)" ]] ||
    { diff <(neutral close2.file) <(neutral close2.socket) | head -n 20; fail "the report through a socket is not whole"; }

if command -v sort >/dev/null; then
    run timeout 60 sort /etc/passwd >/dev/null 2>sort.file || fail "sort to a file: status $?"
    grep -q '^heapshim: LEAK SUMMARY' sort.file || fail "sort to a file: no report"
    run timeout 60 sort /etc/passwd 2>&1 >/dev/null | cat >sort.pipe
    [[ $(neutral sort.pipe) == "$(neutral sort.file)" ]] ||
        { diff <(neutral sort.file) <(neutral sort.pipe) | head -n 20; fail "sort, stderr a pipe: report missing or not whole"; }
    socket_stderr sort.socket "${under_shim[@]}" timeout 60 sort /etc/passwd || fail "sort to a socket: status $?"
    [[ $(neutral sort.socket) == "$(neutral sort.file)" ]] ||
        { diff <(neutral sort.file) <(neutral sort.socket) | head -n 20; fail "sort, stderr a socket: report missing or not whole"; }
fi

# While main runs the program sees the descriptors it would see plainly.
plain=$("$program" fds 2>&1 | grep '^fds:') || fail "plain fds run"
shimmed=$(run "$program" fds 2>&1 | grep '^fds:') || fail "fds run under the shim"
[[ $plain == "$shimmed" ]] || fail "descriptors seen under the shim, stderr a pipe: '$shimmed', plain: '$plain'"

# The wrappers count, trace and fail the program's calls only: wrap_limit
# allocates nothing before main, then makes 6 malloc, 1 calloc, 1 realloc,
# 2 aligned calls and 9 free, malloc(10) first.
run HEAPSHIM_STATS=1 HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/stats.json" \
    HEAPSHIM_TRACE="$HS_TMP/calls.trace" "$numbered" numbered >/dev/null || fail "numbered: status $?"
python3 - stats.json <<'PY' || fail "the statistics or the report hold what the program did not make"
import json, sys
report = json.load(open(sys.argv[1]))
calls = report["stats"]["calls"]
want = {"malloc": 6, "calloc": 1, "realloc": 1, "aligned": 2, "free": 9}
got = {k: calls[k] for k in want}
if got != want:
    sys.exit(f"counted {got}, the program made {want}")
# The program frees all it allocates: glibc's record is gone or unseen too.
if report["live"] != {"bytes": 0, "blocks": 0}:
    sys.exit(f"in use at exit: {report['live']}, the program left nothing")
PY
"$HS_ROOT/scripts/heapshim-trace" print calls.trace >calls.txt || fail "the trace does not print"
[[ $(head -n 1 calls.txt) == *" malloc(10) = "* ]] || fail "the trace does not start with malloc(10): $(head -n 2 calls.txt)"
[[ $(wc -l <calls.txt) == 19 ]] || fail "the trace holds $(wc -l <calls.txt) calls, the program made 19"
out=$(run HEAPSHIM_FAIL_AT=1 HEAPSHIM_REPORT="$HS_TMP/fail.report" "$numbered" numbered) || fail "FAIL_AT=1: status $?"
[[ $out == "1:ENOMEM 2:ok "* ]] || fail "FAIL_AT=1 did not fail the program's first call: $out"
exit 0
