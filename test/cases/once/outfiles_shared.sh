# A report file without %p, shared by every process of a program that forks
# or runs others (issue 10, item 3): no process truncates it, so every
# process's report is there, and each is whole (written under a lock), never
# interleaved with another's. The same for a trace file without %p.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/outfiles_prog
run() { env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug "$@"; }

# A shell running programs one after the other; it runs the last with exec,
# in its own process, after the others have written their reports.
run HEAPSHIM_REPORT="$HS_TMP/shell.txt" bash -c "'$program' leak; '$program' many 40; '$program' leak" \
    >shell.pids 2>shell.err || fail "shell: status $?"
[[ $(wc -l <shell.pids) == 3 ]] || fail "shell: $(cat shell.pids)"
while read -r pid; do
    [[ $(grep -c "^heapshim: exit report for pid $pid " shell.txt) == 1 ]] ||
        fail "shell: the report of process $pid is not in the file once: $(grep 'exit report' shell.txt)"
done <shell.pids
# Whole: each report's lines follow its first line up to the next report.
awk '/^heapshim: exit report for pid/ { if (open) exit 1; open = 1; next }
     /^heapshim: +still reachable:/ { open = 0 }
     END { exit open }' shell.txt || fail "shell: a report is cut by another"

# A program that forks children which leak a lot and exit at the same time:
# long JSON reports, written in many pieces, each must parse whole.
run HEAPSHIM_REPORT="$HS_TMP/fork.json" HEAPSHIM_REPORT_FORMAT=json "$program" fork 8 60 \
    >fork.pids 2>fork.err || fail "fork: status $?"
python3 - fork.json fork.pids <<'PY' || fail "fork: the JSON reports are not all there, whole"
import json, sys
text = open(sys.argv[1]).read()
decoder, at, pids = json.JSONDecoder(), 0, []
while True:
    while at < len(text) and text[at].isspace():
        at += 1
    if at == len(text):
        break
    report, at = decoder.raw_decode(text, at)
    pids.append(report["pid"])
want = sorted(int(line) for line in open(sys.argv[2]))
if sorted(pids) != want:
    sys.exit(f"reports of {sorted(pids)}, processes {want}")
if len(text) < 9 * 8192:
    sys.exit(f"reports too short to test interleaving: {len(text)} bytes")
PY

# Two runs append: the file is never truncated.
run HEAPSHIM_REPORT="$HS_TMP/shell.txt" "$program" leak >again.pid 2>/dev/null || fail "again: status $?"
[[ $(grep -c '^heapshim: exit report for pid' shell.txt) == 4 ]] || fail "a second run did not append"

# The trace: every process of the shell's keeps its records.
run HEAPSHIM_TRACE="$HS_TMP/shell.trace" bash -c "'$program' leak; '$program' leak; '$program' leak" \
    >trace.pids 2>/dev/null || fail "trace: status $?"
"$HS_ROOT/scripts/heapshim-trace" print shell.trace >trace.txt || fail "trace: print failed"
while read -r pid; do
    grep -Eq "^[0-9.]+ $pid T1 malloc\(48\) = " trace.txt || fail "trace: no malloc(48) of process $pid"
done <trace.pids
exit 0
