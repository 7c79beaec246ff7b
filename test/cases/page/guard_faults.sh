# The page backend turns a fault on a guard page or a freed block into a
# diagnostic naming the block, then the process dies of SIGSEGV.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"

# expect_fault NAME KIND WHERE [VAR=VALUE...] -- ARGS...: runs heap_misuse
# under the shim and checks the death by SIGSEGV and the report's words.
expect_fault() {
    local name=$1 kind=$2 where=$3; shift 3
    local settings=()
    while [[ $1 != -- ]]; do settings+=("$1"); shift; done
    shift
    rm -f "$HS_REPORTS"/*
    env "${settings[@]}" bash -c 'source "$HS_ROOT/test/lib.sh"; shim "$@"' _ \
        "$HS_TESTBIN/heap_misuse" "$@" >"$name.out" 2>"$name.err"
    local status=$?
    [[ $status == 139 ]] || { cat "$name.out" "$name.err"; fail "$name: status $status, wanted death by SIGSEGV (139)"; }
    grep -q missed "$name.out" && fail "$name: the bad access did not fault"
    read -r _ address size <"$name.out"
    local report
    report=$(cat "$HS_REPORTS"/*)
    echo "$report"
    grep -q "heapshim: ERROR: $kind: SIGSEGV on address 0x[0-9a-f]*, $where of the ${size}-byte block at $address" <<<"$report" ||
        grep -q "heapshim: ERROR: $kind: SIGSEGV on address 0x[0-9a-f]*, $where ${size}-byte block at $address" <<<"$report" ||
        fail "$name: the report does not name the $size-byte block at $address"
    # The faulting instruction lies inside main() of heap_misuse.
    local offset start length
    offset=$(sed -n 's/^    #0 0x[0-9a-f]* .*(.*heap_misuse+0x\([0-9a-f]*\))$/\1/p' <<<"$report")
    [[ -n $offset ]] || fail "$name: no frame in heap_misuse"
    read -r start length < <(nm -S "$HS_TESTBIN/heap_misuse" | awk '$4 == "main" {print $1, $2}')
    (( 16#$offset >= 16#$start && 16#$offset < 16#$start + 16#$length )) ||
        fail "$name: the faulting pc +0x$offset is not in main (0x$start, 0x$length bytes)"
}

# One byte past the end: with the default 16-byte alignment a 16-byte block
# ends at the guard; with HEAPSHIM_PAGE_ALIGN=1 any size does.
expect_fault overrun16 overflow "0 byte(s) past the end" -- overrun 16
expect_fault overrun13 overflow "0 byte(s) past the end" HEAPSHIM_PAGE_ALIGN=1 -- overrun 13
expect_fault overrun_big overflow "0 byte(s) past the end" HEAPSHIM_PAGE_ALIGN=1 -- overrun 100001
expect_fault underrun underflow "1 byte(s) before the start" HEAPSHIM_PAGE_GUARD=before -- underrun 40
expect_fault use_after_free use-after-free "0 byte(s) into the freed" -- use-after-free 40

# JSON: the one object carries the error, with the block.
rm -f "$HS_REPORTS"/*
HEAPSHIM_REPORT_FORMAT=json shim "$HS_TESTBIN/heap_misuse" overrun 16 >json.out 2>&1
python3 - "$HS_REPORTS"/* <<'PY' || fail "JSON report of an overflow is wrong"
import json, sys
doc = json.load(open(sys.argv[1]))
err = doc["errors"][0]
assert err["kind"] == "overflow", err
assert err["block"]["bytes"] == 16, err
assert err["stack"][0]["module"].endswith("heap_misuse"), err
assert doc["backend"] == "page"
PY
exit 0
