# A process that a fatal signal ends (abort(), a SIGSEGV, SIGFPE or SIGILL
# fault, a SIGSEGV sent by kill, abort() in a second thread, abort() after
# installing a SIGINT handler as CPython does) writes one exit
# report, its leak included, marked with the signal, and ends exactly as it
# does plain: the same output, killed by the same signal, with a core dump
# when the plain run dumps one. JSON: one valid object with "ended_by". A
# program with a SIGABRT handler of its own keeps it. A heap error that
# aborts still writes one JSON object, not two.
# timeout: 180
# cost: 22
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/exit_paths
source_file=$HS_ROOT/test/c/exit_paths.c

# ends PRELOAD HOW: runs the program with a core size limit, in a directory
# of its own; prints "SIGNAL CORE" (CORE 1 if a core was dumped) or "exit N".
ends() {
    python3 - "$@" "$program" <<'PY'
import os, resource, shutil, subprocess, sys, tempfile
preload, how, program = sys.argv[1:4]
env = dict(os.environ)
env.pop("LD_PRELOAD", None)
if preload:
    env["LD_PRELOAD"] = preload
work = tempfile.mkdtemp(dir=os.environ["HS_TMP"])
limit = lambda: resource.setrlimit(resource.RLIMIT_CORE, (64 << 20, 64 << 20))
with open(os.path.join(os.environ["HS_TMP"], f"{how}.{'shim' if preload else 'plain'}"), "w") as out:
    child = subprocess.Popen([program, how], env=env, cwd=work, stdout=out,
                             stderr=subprocess.DEVNULL, preexec_fn=limit)
    _, status = os.waitpid(child.pid, 0)
shutil.rmtree(work)
if os.WIFSIGNALED(status):
    print(os.WTERMSIG(status), int(os.WCOREDUMP(status)))
else:
    print("exit", os.WEXITSTATUS(status))
PY
}
export HEAPSHIM_BACKEND=$HS_BACKEND HEAPSHIM_REPORT=$HS_REPORTS/report.%p

# expect_end HOW SIGNAL: the plain run ends by SIGNAL; the run under the shim
# ends the same way with the same output and one report marked with it.
expect_end() {
    local how=$1 signal=$2 plain shim
    rm -f "$HS_REPORTS"/*
    plain=$(ends "" "$how")
    [[ $plain == "$(kill -l "$signal") "[01] ]] || fail "$how: plain run ended '$plain', not by $signal"
    shim=$(ends "$HS_LIB" "$how")
    [[ $shim == "$plain" ]] || fail "$how: ended '$shim' (signal, core) under the shim, '$plain' plain"
    cmp "$how.plain" "$how.shim" || fail "$how: output differs under the shim"
    local reports
    reports=$(cat "$HS_REPORTS"/* 2>/dev/null)
    [[ $(grep -c '^heapshim: exit report for pid' <<<"$reports") == 1 ]] ||
        { echo "$reports"; fail "$how: not exactly one exit report"; }
    grep -q "^heapshim: process ended by signal $signal\$" <<<"$reports" ||
        { echo "$reports"; fail "$how: the report does not say the process ended by $signal"; }
    grep -q '^heapshim:    definitely lost: [0-9]* bytes in 1 blocks$' <<<"$reports" ||
        { echo "$reports"; fail "$how: the report does not count the leak"; }
}

expect_end abort SIGABRT
expect_end segv SIGSEGV
expect_end fpe SIGFPE
expect_end ill SIGILL
expect_end kill-segv SIGSEGV
expect_end thread-abort SIGABRT
expect_end sigint-abort SIGABRT

# A signal from inside the shim (here a SIGSEGV in malloc_info, which the
# shim exports) ends the process as plain, with a report that says the heap,
# whose locks the shim may have held, was not scanned.
rm -f "$HS_REPORTS"/*
plain=$(ends "" in-malloc-info)
[[ $plain == "11 "[01] ]] || fail "in-malloc-info: plain run ended '$plain', not by SIGSEGV"
[[ $(ends "$HS_LIB" in-malloc-info) == "$plain" ]] || fail "in-malloc-info: ended otherwise under the shim"
grep -q '^heapshim: process ended by signal SIGSEGV$' "$HS_REPORTS"/* || fail "in-malloc-info: end not marked"
grep -q '^heapshim: note: the fatal signal came from inside heapshim.*the heap was not scanned$' \
    "$HS_REPORTS"/* || { cat "$HS_REPORTS"/*; fail "in-malloc-info: the report does not say the heap was skipped"; }

# JSON: one object, the schema's keys, the leak, and how the process ended.
for how in abort segv; do
    rm -f "$HS_REPORTS"/*
    HEAPSHIM_REPORT_FORMAT=json "$program" "$how" >/dev/null 2>&1 # plain: nothing
    HEAPSHIM_REPORT_FORMAT=json shim "$program" "$how" >/dev/null 2>&1
    python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --source "$source_file" \
        --reports "$HS_REPORTS"/* -- 'definite 40 1' 'site leak leak' || fail "$how: JSON report is wrong"
    python3 - "$HS_REPORTS"/* "$how" <<'PY' || fail "$how: JSON ended_by is wrong"
import json, sys
doc = json.load(open(sys.argv[1]))
want = {"abort": "signal SIGABRT", "segv": "signal SIGSEGV"}[sys.argv[2]]
assert doc["ended_by"] == want, doc["ended_by"]
PY
done
rm -f "$HS_REPORTS"/*
HEAPSHIM_REPORT_FORMAT=json shim "$program" return >/dev/null || fail "return: status $?"
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["ended_by"] is None' "$HS_REPORTS"/* ||
    fail "a process that returns from main has an ended_by"

# A heap error that aborts: text has the error, then the one exit report;
# JSON has one object (json.load rejects two), the error in it.
rm -f "$HS_REPORTS"/*
shim "$HS_TESTBIN/heap_misuse" double-free 48 >/dev/null 2>&1
[[ $? == 134 ]] || fail "double-free: not ended by SIGABRT"
[[ $(grep -c '^heapshim: exit report for pid' "$HS_REPORTS"/*) == 1 ]] || fail "double-free: not one exit report"
grep -q '^heapshim: process ended by signal SIGABRT$' "$HS_REPORTS"/* || fail "double-free: end not marked"
rm -f "$HS_REPORTS"/*
HEAPSHIM_REPORT_FORMAT=json shim "$HS_TESTBIN/heap_misuse" double-free 48 >/dev/null 2>&1
python3 - "$HS_REPORTS"/* <<'PY' || fail "double-free: the JSON report is not one object with the error"
import json, sys
doc = json.load(open(sys.argv[1]))
assert [e["kind"] for e in doc["errors"]] == ["double-free"], doc["errors"]
assert doc["ended_by"] == "signal SIGABRT", doc["ended_by"]
PY

# The program's own SIGABRT handler runs as it does plain (and ends the
# process with _exit, which leaves no report).
rm -f "$HS_REPORTS"/*
[[ $(ends "" own-abort) == "exit 42" ]] || fail "own-abort: plain run did not exit 42"
[[ $(ends "$HS_LIB" own-abort) == "exit 42" ]] || fail "own-abort: the program's handler did not run"
cmp own-abort.plain own-abort.shim || fail "own-abort: output differs under the shim"
grep -qs 'process ended by' "$HS_REPORTS"/* && fail "own-abort: the shim's handler ran"

# The shim's handlers are hidden from sigaction: a program (like Rust's
# runtime) that installs its crash handler only over the default action
# still sees the default (except the page backend's SIGSEGV handler, which
# shows, as it always did). A handler of the program's on a small alternate
# stack that aborts there still dies by SIGABRT, not by a SIGSEGV for want
# of room for the shim's SIGABRT handler.
plain=$(ends "" own-segv-altstack)
[[ $plain == "6 "[01] ]] || fail "own-segv-altstack: plain run ended '$plain', not by SIGABRT"
shim=$(ends "$HS_LIB" own-segv-altstack)
[[ $shim == "$plain" ]] || fail "own-segv-altstack: ended '$shim' under the shim, '$plain' plain"
if [[ $HS_BACKEND != page ]]; then
    cmp own-segv-altstack.plain own-segv-altstack.shim ||
        { diff own-segv-altstack.plain own-segv-altstack.shim; fail "own-segv-altstack: output differs"; }
fi
exit 0
