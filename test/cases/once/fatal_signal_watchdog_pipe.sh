# A report stuck on its destination (stderr, a full pipe nobody reads)
# does not hang a process that a fatal signal ends, now that the handlers
# stay installed while it is written: the watchdog ends it by that signal
# after 20 seconds, as plain, also while a second thread that aborted
# waits for the end. (fatal_signal_watchdog's FIFO is refused as a report
# file, so its report is never stuck.)
# timeout: 120
# cost: 5
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"

# stuck PROGRAM HOW: runs it with stderr a full pipe; prints "STATUS SECONDS"
# (STATUS negative: the signal that ended it).
stuck() {
    python3 - "$@" <<'PY'
import fcntl, os, subprocess, sys, time
read_end, write_end = os.pipe()
fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: one page
os.write(write_end, b"x" * 4096)
env = {k: v for k, v in os.environ.items() if k != "HEAPSHIM_REPORT"}
env.update(LD_PRELOAD=os.environ["HS_LIB"], HEAPSHIM_BACKEND="debug")
start = time.time()
child = subprocess.Popen(sys.argv[1:], env=env, stdout=subprocess.DEVNULL, stderr=write_end)
try:
    status = child.wait(timeout=90)
except subprocess.TimeoutExpired:
    child.kill()
    status = "hung"
print(status, int(time.time() - start))
PY
}

stuck "$HS_TESTBIN/exit_paths" abort >abort.txt &
stuck "$HS_TESTBIN/exit_paths" segv >segv.txt &
stuck "$HS_TESTBIN/fatal_signal_edges" two-aborts >two-aborts.txt &
wait
for how in abort segv two-aborts; do
    read -r status seconds <"$how.txt"
    want=$([[ $how == segv ]] && echo -11 || echo -6)
    [[ $status == "$want" ]] || fail "$how: ended '$status' after $seconds s, wanted $want"
    ((seconds < 60)) || fail "$how: took $seconds s"
done
exit 0
