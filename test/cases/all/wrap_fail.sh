# The fail wrapper over each backend: HEAPSHIM_FAIL_AT=N fails exactly the
# Nth allocation call and no other, "N+" every one from the Nth on, a rate
# with a seed fails the same calls every time, and HEAPSHIM_FAIL_IN fails
# only calls made under the named function; each injected failure is
# reported as it happens (under debug with its stack) and counted at exit.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/wrap_limit

numbered() {   # numbered SETTINGS...: the "N:result" words of the numbered mode
    env HEAPSHIM_REPORT="$HS_TMP/report.%p" LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" "$@" \
        "$program" numbered || fail "$*: status $?"
}

all_ok="1:ok 2:ok 3:ok 4:ok 5:ok 6:ok 7:ok 8:ok 9:ok 10:ok "
[[ $(numbered HEAPSHIM_STATS=0) == "$all_ok" ]] || fail "calls fail with no failure asked"
for n in 1 2 3 4 5 6 7 8 9 10; do
    want=${all_ok/ $n:ok / $n:ENOMEM }
    [[ $n == 1 ]] && want=${all_ok/#1:ok/1:ENOMEM}
    out=$(numbered HEAPSHIM_FAIL_AT=$n)
    [[ $out == "$want" ]] || fail "FAIL_AT=$n: $out"
done
[[ $(numbered HEAPSHIM_FAIL_AT=7+) == "1:ok 2:ok 3:ok 4:ok 5:ok 6:ok 7:ENOMEM 8:ENOMEM 9:ENOMEM 10:ENOMEM " ]] ||
    fail "FAIL_AT=7+"
[[ $(numbered HEAPSHIM_FAIL_AT=11) == "$all_ok" ]] || fail "FAIL_AT past the last call"

first=$(numbered HEAPSHIM_FAIL_RATE=0.5 HEAPSHIM_FAIL_SEED=42)
[[ $first == *ok* && $first == *ENOMEM* ]] || fail "rate 0.5 failed all or none: $first"
[[ $(numbered HEAPSHIM_FAIL_RATE=0.5 HEAPSHIM_FAIL_SEED=42) == "$first" ]] || fail "the same seed failed other calls"
[[ $(numbered HEAPSHIM_FAIL_RATE=1) != *ok* ]] || fail "rate 1 let a call through"

# The helpers mode alternates first_helper and second_helper.
out=$(env HEAPSHIM_FAIL_IN=second_helper LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" \
      HEAPSHIM_REPORT="$HS_TMP/in.%p" "$program" helpers)
[[ $out == "first:ok second:NULL first:ok second:NULL first:ok second:NULL " ]] || fail "FAIL_IN: $out"
out=$(env HEAPSHIM_FAIL_IN='^second_helper$' HEAPSHIM_FAIL_AT=2 LD_PRELOAD="$HS_LIB" \
      HEAPSHIM_BACKEND="$HS_BACKEND" HEAPSHIM_REPORT="$HS_TMP/in2.%p" "$program" helpers)
[[ $out == "first:ok second:ok first:ok second:NULL first:ok second:ok " ]] || fail "FAIL_IN with FAIL_AT=2: $out"

# Reported as it happens, in text; at exit in JSON, with the count.
rm -f report.*
numbered HEAPSHIM_FAIL_AT=3 >/dev/null
grep -q '^heapshim: injected failure: malloc(100) returns NULL: allocation 3, in thread T1' report.* ||
    { cat report.*; fail "text: no line for the injected failure"; }
grep -q '^heapshim: fault injection: 1 of 10 allocations made to fail' report.* || fail "text: the count at exit"
numbered HEAPSHIM_FAIL_AT=4 HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/json.%p" >/dev/null
python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --source /dev/null \
    --reports "$HS_TMP"/json.* || fail "the report breaks the schema"
python3 - "$HS_BACKEND" json.* <<'PY' || fail "the fail wrapper's report is wrong"
import json, sys
backend = sys.argv[1]
fail = json.load(open(sys.argv[2]))["fail"]
if (fail["allocations"], fail["injected"], fail["seed"], len(fail["failures"])) != (10, 1, None, 1):
    sys.exit(f"fail: {fail}")
f = fail["failures"][0]
if (f["call"], f["bytes"], f["allocation"], f["thread"]) != ("realloc", 5000, 4, 1):
    sys.exit(f"the failure: {f}")
in_program = any((fr["file"] or "").endswith("wrap_limit.c") for fr in f["stack"])
if in_program != (backend == "debug"):
    sys.exit(f"the failure's stack, under {backend}: {f['stack']}")
PY
exit 0
