# The stats wrapper over each backend: for a program with known calls, the
# calls per function, bytes requested, peak bytes and blocks, request sizes
# and moving reallocs are exact (on top of the C++ runtime's own calls,
# measured by a run that makes none); under debug the top sites name the
# source lines that allocated; counts made by threads that ended are all
# there; the text report says the same in words.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/wrap_calls

stats_run() {   # stats_run MODE: JSON report in json.MODE.PID, output in MODE.out
    HEAPSHIM_STATS=1 HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/json.$1.%p" \
        shim "$program" "$1" >"$1.out" || fail "$1: exit status $?"
    python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --source /dev/null \
        --reports "$HS_TMP"/json."$1".* || fail "$1: the report breaks the schema"
}

stats_run none
stats_run calls
stats_run threads
moved=$(sed -n 's/^moved=//p' calls.out)
[[ -n $moved ]] || fail "the program did not say how many reallocs moved"

python3 - "$HS_BACKEND" "$moved" "$HS_ROOT/test/c/wrap_calls.cpp" json.none.* json.calls.* json.threads.* <<'PY' || fail "the statistics are wrong"
import json, sys
backend, moved, source = sys.argv[1], int(sys.argv[2]), sys.argv[3]
none, calls, threads = (json.load(open(p))["stats"] for p in sys.argv[4:7])

def sizes(s):
    return {b["from"]: b["calls"] for b in s["sizes"]}

def check(what, have, want):
    if have != want:
        sys.exit(f"{what}: {have}, wanted {want}")

known = {"malloc": 37, "calloc": 3, "realloc": 4, "aligned": 2, "new": 3, "new[]": 2,
         "free": 42, "delete": 3, "delete[]": 2}
for name, n in known.items():
    check(f"calls of {name}", calls["calls"][name], none["calls"][name] + n)
check("failed calls", sum(calls["failed"].values()), 0)
check("bytes requested", calls["bytes_requested"], none["bytes_requested"] + 330711)
check("peak bytes", calls["peak"]["bytes"], none["peak"]["bytes"] + 329351)
check("peak blocks", calls["peak"]["blocks"], none["peak"]["blocks"] + 17)
check("reallocs that moved", calls["realloc_moved"], moved)
want = {0: 1, 1: 1, 8: 31, 16: 1, 32: 5, 64: 2, 128: 2, 512: 1, 1024: 1, 2048: 1, 4096: 1,
        8192: 2, 65536: 1, 131072: 1}
base = sizes(none)
for low in set(want) | set(base):
    check(f"requests from {low} bytes", sizes(calls).get(low, 0), base.get(low, 0) + want.get(low, 0))
for b in calls["sizes"]:
    check(f"bucket {b['from']}", b["to"], 2 * b["from"] - 1 if b["from"] > 1 else b["from"])

# 20 threads of 1000 malloc(24) each, all ended before the report.
check("24-byte requests of the threads", sizes(threads).get(16, 0), base.get(16, 0) + 20000)

lines = {name: n for n, text in enumerate(open(source), 1)
         for name in ("grow", "loop") if f"SITE {name} " in text}
def at_line(site, name):
    return any(f["line"] == lines[name] and (f["file"] or "").endswith("wrap_calls.cpp")
               for f in site["stack"])
top = calls["top_sites"]
if backend != "debug":
    check("top sites without stacks", top, None)
    sys.exit(0)
first = top["by_bytes"][0]
check("bytes of the top site by bytes", (first["bytes"], first["calls"]), (200000, 1))
check("the top site by bytes is the growing realloc", at_line(first, "grow"), True)
check("the top site by peak", (top["by_peak"][0]["peak_bytes"], at_line(top["by_peak"][0], "grow")),
      (200000, True))
first = top["by_calls"][0]
check("the top site by calls", (first["calls"], first["bytes"], at_line(first, "loop")), (30, 240, True))
PY

# The text report says it with "heapshim:" on every line.
HEAPSHIM_STATS=1 HEAPSHIM_REPORT="$HS_TMP/text.%p" shim "$program" calls >/dev/null || fail "text run: status $?"
grep -q '^heapshim: statistics:$' text.* || fail "text: no statistics"
grep -Eq '^heapshim:   calls: malloc [0-9,]+, calloc 3, realloc 4, aligned 2, new 3, new\[\] 2$' text.* ||
    { grep statistics -A4 text.*; fail "text: the calls line"; }
grep -q "^heapshim:   realloc moved the block $moved times$" text.* || fail "text: moved"
grep -v '^heapshim:' text.* | grep -qv '^    #' && { cat text.*; fail "text: a line without the prefix"; }
if [[ $HS_BACKEND == debug ]]; then
    grep -q '^heapshim:   200,000 bytes in 1 calls, peak 200,000 bytes in use, allocated from:$' text.* ||
        fail "text: the top site"
fi
exit 0
