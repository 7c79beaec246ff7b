# Edges of the report on a fatal signal (test/c/fatal_signal_edges.c):
# - a second thread (of a normal stack, or of 16 KiB) that aborts while
#   main's report is written waits for it: the process ends by SIGABRT with one whole report (the report goes
#   to a FIFO read only after the second abort, so it is still being
#   written then);
# - abort() on a thread with a 16 or 32 KiB stack ends the process by
#   SIGABRT, as plain, not by a SIGSEGV in the report; a 256 KiB stack
#   still gets its report;
# - a program that saves SIGSEGV's action, installs its own and puts the
#   saved one back (sigaction with two structs, with one, or signal()) sees
#   the handler it saw at start, and its later fault still gets a report.
# timeout: 180
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/fatal_signal_edges
export HEAPSHIM_BACKEND=$HS_BACKEND

# one_report WHAT SIGNAL FILE: FILE holds exactly one report, marked SIGNAL.
one_report() {
    [[ $(grep -c '^heapshim: exit report for pid' "$3") == 1 ]] ||
        { cat "$3"; fail "$1: not exactly one exit report"; }
    grep -q "^heapshim: process ended by signal $2\$" "$3" ||
        { cat "$3"; fail "$1: the report does not say the process ended by $2"; }
    grep -q '^heapshim: LEAK SUMMARY:$' "$3" ||
        { cat "$3"; fail "$1: the report is cut short"; }
}

# run_shim REPORT ARGS...: runs the program under the shim, its report to
# REPORT, its stdout to out.txt; prints its exit status.
run_shim() {
    local report=$1; shift
    HEAPSHIM_REPORT=$report timeout 100 bash -c 'source "$HS_ROOT/test/lib.sh"; shim "$@"' \
        _ "$program" "$@" >out.txt 2>/dev/null
    echo $?
}

# Two aborts: the report goes to stderr, a pipe of one page filled before
# the run and read only after 1 s, so the report is still being written at
# the second abort.
for how in two-aborts two-aborts-small; do
    python3 - "$program" "$how" >status.txt <<'PY' || fail "$how: cannot run"
import fcntl, os, subprocess, sys, time
read_end, write_end = os.pipe()
fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: one page
os.write(write_end, b"x" * 4095 + b"\n")
env = {k: v for k, v in os.environ.items() if k != "HEAPSHIM_REPORT"}
env["LD_PRELOAD"] = os.environ["HS_LIB"]
child = subprocess.Popen(sys.argv[1:3], env=env, stdout=subprocess.DEVNULL, stderr=write_end)
os.close(write_end)
time.sleep(1)
report = b""
while chunk := os.read(read_end, 65536):
    report += chunk
with open(sys.argv[2] + ".report", "wb") as out:
    out.write(report[4096:])  # less the filler
print(child.wait())
PY
    status=$(cat status.txt)
    [[ $status == -6 ]] || fail "$how: ended '$status', wanted -6 (SIGABRT)"
    one_report $how SIGABRT $how.report
done

# Small stacks.
for size in 16384 32768 262144; do
    rm -f small.report
    status=$(run_shim "$HS_TMP/small.report" small-stack $size)
    [[ $status == 134 ]] || fail "small-stack $size: status $status, wanted 134 (SIGABRT)"
    if ((size >= 262144)); then
        one_report "small-stack $size" SIGABRT small.report
    elif [[ -s small.report ]]; then
        one_report "small-stack $size" SIGABRT small.report
    fi
done

# Actions saved and put back.
for how in restore-saved restore-same restore-signal; do
    rm -f restore.report
    status=$(run_shim "$HS_TMP/restore.report" $how)
    [[ $status == 139 ]] || fail "$how: status $status, wanted 139 (SIGSEGV)"
    [[ $(cat out.txt) == "view kept" ]] || fail "$how: printed '$(cat out.txt)', not 'view kept'"
    one_report "$how" SIGSEGV restore.report
done
exit 0
