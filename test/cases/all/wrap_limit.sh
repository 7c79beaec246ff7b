# The limit wrapper over each backend: the live heap may grow to the limit
# and not a byte past it; the request that would cross it, and only that
# one, fails with ENOMEM (std::bad_alloc from new, NULL from nothrow new), a
# refused realloc leaves its block intact, and the report counts the
# refusals and names the first (under debug with its stack).
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/wrap_limit

limited() {   # limited LIMIT: the output of the limit mode under it
    HEAPSHIM_LIMIT=$1 HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/json.$1.%p" \
        shim "$program" limit || fail "limit $1: status $?"
}

# Blocks of 1000 bytes: the 11th crosses 10000 and 10999, not 11000.
out=$(limited 10000)
[[ $out == "granted 10 then ENOMEM"$'\n'"1001 refused"$'\n'"1000 granted"$'\n'"realloc refused, block intact" ]] ||
    fail "limit 10000: $out"
out=$(limited 10999)
[[ ${out%%$'\n'*} == "granted 10 then ENOMEM" ]] || fail "limit 10999: $out"
out=$(limited 11000)
[[ ${out%%$'\n'*} == "granted 11 then ENOMEM" ]] || fail "limit 11000: $out"
out=$(limited 64K)
[[ $out == "granted 64 then ?"$'\n'"1001 granted"$'\n'"1000 granted"$'\n'"realloc granted" ]] ||
    fail "limit 64K: $out"

python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --source /dev/null \
    --reports "$HS_TMP"/json.10000.* || fail "the report breaks the schema"
python3 - "$HS_BACKEND" json.10000.* json.64K.* <<'PY' || fail "the limit's report is wrong"
import json, sys
backend = sys.argv[1]
limit, roomy = (json.load(open(p))["limit"] for p in sys.argv[2:4])
want = {"bytes": 10000, "peak": 10000, "refused": 3}
if {k: limit[k] for k in want} != want:
    sys.exit(f"limit: {limit}")
first = limit["first_refused"]
if (first["call"], first["bytes"], first["in_use"], first["thread"]) != ("malloc", 1000, 10000, 1):
    sys.exit(f"first refused: {first}")
if backend == "debug" and not any((f["file"] or "").endswith("wrap_limit.c") for f in first["stack"]):
    sys.exit(f"the first refusal's stack is not in wrap_limit.c: {first['stack']}")
if backend != "debug" and first["stack"]:
    sys.exit("a stack without the debug backend")
# 64 blocks, then 1001 bytes more, later 1 more.
if roomy["refused"] != 0 or roomy["first_refused"] is not None or roomy["peak"] != 64001:
    sys.exit(f"64K: {roomy}")
PY

HEAPSHIM_LIMIT=10000 HEAPSHIM_REPORT="$HS_TMP/text.%p" shim "$program" limit >/dev/null || fail "text run"
grep -q '^heapshim: limit: 10,000 bytes; peak in use: 10,000 bytes; requests refused: 3$' text.* ||
    { cat text.*; fail "text: the limit line"; }
grep -q '^heapshim:   the first refused: malloc(1,000) with 10,000 bytes in use, in thread T1' text.* ||
    fail "text: the first refusal"

# new beyond the limit throws std::bad_alloc; nothrow new returns NULL.
out=$(HEAPSHIM_LIMIT=1M shim "$HS_TESTBIN/wrap_calls" nothrow) || fail "nothrow: status $?"
[[ $out == "bad_alloc"$'\n'"nothrow NULL" ]] || fail "new under the limit: $out"
exit 0
