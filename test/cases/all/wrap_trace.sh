# The trace wrapper over each backend: a program's trace holds every call
# (the same counts as the stats wrapper, also from ended threads), prints as
# text, and replays under every backend and the system allocator to the same
# sequence of calls and live-heap sizes, checked by tracing the replay.
# timeout: 180
# cost: 5
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
tool=$HS_ROOT/scripts/heapshim-trace
program=$HS_TESTBIN/wrap_calls
replayer=$HS_BUILD/heapshim-replay

for mode in calls threads; do
    HEAPSHIM_TRACE="$HS_TMP/trace.$mode.%p" HEAPSHIM_STATS=1 HEAPSHIM_REPORT_FORMAT=json \
        HEAPSHIM_REPORT="$HS_TMP/json.$mode.%p" shim "$program" $mode >/dev/null || fail "$mode: status $?"
    "$tool" summary trace.$mode.* >summary.$mode || fail "$mode: the summary failed"
    python3 - json.$mode.* summary.$mode <<'PY' || fail "$mode: the trace and the statistics disagree"
import json, re, sys
stats = json.load(open(sys.argv[1]))["stats"]
summary = open(sys.argv[2]).read()
counts = dict(re.findall(r"([a-z\[\]]+) (\d+)", summary.splitlines()[1]))
for name, n in stats["calls"].items():
    if int(counts[name]) != n:
        sys.exit(f"{name}: {counts[name]} in the trace, {n} counted")
# One thread: the order in the trace is the order of the calls.
peak = re.search(r"peak live: (\d+) bytes, (\d+) blocks", summary).groups()
if "calls" in sys.argv[1] and (int(peak[0]), int(peak[1])) != (stats["peak"]["bytes"], stats["peak"]["blocks"]):
    sys.exit(f"peak {peak} in the trace, {stats['peak']} counted")
PY
done

# The printed trace: one line per call, the program's first call first.
"$tool" print --live trace.calls.* >printed || fail "print failed"
head -n 1 printed | grep -Eq '^0\.000000000 [0-9]+ T1 malloc\(([0-9]+)\) = 0x[0-9a-f]+  live \1 bytes in 1 blocks$' ||
    fail "the first line: $(head -n 1 printed)"
grep -Eq ' new\(128, align 64\) = 0x' printed || fail "no aligned new"
grep -Eq ' aligned\(4096, 4096\) = 0x' printed || fail "no aligned_alloc"
grep -Eq ' realloc\(0x[0-9a-f]+, 200000\) = 0x' printed || fail "no realloc"
grep -Eq ' delete\[\]\(0x' printed || fail "no delete[]"

calls_and_live() {   # the printed trace without times, pids, threads and addresses
    "$tool" print --live "$@" | cut -d' ' -f4- | sed 's/0x[0-9a-f]*/P/g'
}
calls_and_live trace.calls.* >recorded

"$tool" ops trace.calls.* ops >/dev/null || fail "ops failed"
for backend in debug page libc "$HS_BACKEND"; do
    rm -f replay.trace.*
    env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=$backend HEAPSHIM_TRACE="$HS_TMP/replay.trace.%p" \
        HEAPSHIM_REPORT="$HS_TMP/replay.report.%p" "$replayer" ops >replay.out || fail "replay under $backend: status $?"
    grep -q '^calls=[0-9]* seconds=[0-9.]* maxrss_kib=[0-9]* failed=0$' replay.out || fail "replay under $backend: $(cat replay.out)"
    calls_and_live replay.trace.* >replayed
    diff recorded replayed >diff.out || { head diff.out; fail "the replay under $backend differs"; }
done

"$tool" replay --rounds 1 trace.calls.* >table || fail "replay failed"
cat table
for allocator in system libc page debug; do
    grep -Eq "^$allocator +[0-9.]+ +[0-9]+ +0$" table || fail "no result for $allocator"
done
exit 0
