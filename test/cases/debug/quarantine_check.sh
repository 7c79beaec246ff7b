# timeout: 120
# A write into a freed block still in the quarantine is found by the check
# at exit and by heapshim_check(), not only when the block leaves the
# quarantine: `free(p); memset(p, 'Z', 100); return 0;` used to end without
# an error. The report gives the block's allocation and free stacks and the
# check's own, and says that the write came between the free and the
# check. In a huge block the check reads only the pages that came back into
# memory after the free.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
prog=$HS_TESTBIN/quarantine_check
src=$HS_ROOT/test/c/quarantine_check.c
site() { grep -n "SITE $1" "$src" | head -n 1 | cut -d: -f1; }
headline='^heapshim: ERROR: use-after-free: 100 byte(s) of the freed 100-byte block at 0x[0-9a-f]* were written after it was freed, at some time between its free and the check that found them'

# stacks REPORT: the error's three stacks, as "check", "alloc", "free" files.
stacks() {
    sed -n '/^heapshim: ERROR: use-after-free/,/^heapshim:   the block/p' "$1" | sed '1d;$d' >check
    sed -n '/^heapshim:   the block/,/^heapshim:   freed/p' "$1" | sed '1d;$d' >alloc
    sed -n '/^heapshim:   freed/,/^heapshim: SUMMARY/p' "$1" | sed '1d;$d' >free
}

# At exit, under the default HEAPSHIM_ON_ERROR=abort.
HEAPSHIM_REPORT="$HS_TMP/exit.%p" shim "$prog" exit >out 2>&1
status=$?
[[ $status == 134 ]] || { cat "$HS_TMP"/exit.*; fail "exit: status $status, wanted 134 (SIGABRT)"; }
report=$(echo "$HS_TMP"/exit.*)
[[ $(grep -c "$headline" "$report") == 1 ]] || { cat "$report"; fail "exit: no single use-after-free error"; }
stacks "$report"
grep -q ' in exit ' check || { cat "$report"; fail "exit: the check's stack is not the exit's"; }
grep -q "in write_after_free .*quarantine_check.c:$(site allocated) " alloc ||
    { cat "$report"; fail "exit: wrong allocation stack"; }
grep -q "in write_after_free .*quarantine_check.c:$(site freed) " free ||
    { cat "$report"; fail "exit: wrong free stack"; }

# A request larger than memory does not empty the quarantine to make room
# for itself: the write is still found at exit, not by that malloc.
HEAPSHIM_ON_ERROR=continue HEAPSHIM_REPORT="$HS_TMP/probe.%p" shim "$prog" probe >out 2>&1 ||
    fail "probe: status $?"
if grep -qx refused out; then
    grep -q "$headline" "$HS_TMP"/probe.* || { cat "$HS_TMP"/probe.*; fail "probe: not found at exit"; }
fi

# heapshim_check(), under continue: reported once, by the first check.
HEAPSHIM_ON_ERROR=continue HEAPSHIM_REPORT="$HS_TMP/check.%p" shim "$prog" check >out 2>&1 ||
    fail "check: status $?"
grep -qx 'check=1' out && grep -qx 'check_again=0' out || { cat out; fail "check: wrong counts"; }
report=$(echo "$HS_TMP"/check.*)
[[ $(grep -c "$headline" "$report") == 1 ]] || { cat "$report"; fail "check: not reported exactly once"; }
stacks "$report"
grep -q ' in main ' check || { cat "$report"; fail "check: the check's stack does not reach main"; }
grep -q "quarantine_check.c:$(site freed) " free || { cat "$report"; fail "check: wrong free stack"; }
grep -q '^heapshim: heap errors: 1 (reported above)$' "$report" ||
    { cat "$report"; fail "check: the exit report does not count one error"; }

# Huge blocks: the write in the middle is found, and the check reads no
# page that was given back at free (a 512 MiB block, untouched).
HEAPSHIM_QUARANTINE=1G HEAPSHIM_ON_ERROR=continue HEAPSHIM_REPORT="$HS_TMP/big.%p" \
    shim "$prog" big >out 2>&1 || fail "big: status $?"
cat out
grep -qx 'check=1' out && grep -qx 'check_again=0' out || { cat out; fail "big: wrong counts"; }
grep -q '^heapshim: ERROR: use-after-free: 15 byte(s) of the freed 8388608-byte block' "$HS_TMP"/big.* ||
    { cat "$HS_TMP"/big.*; fail "big: the 15 bytes written are not reported"; }
faults=$(sed -n 's/^faults //p' out)
((faults < 64)) || fail "big: the check of an untouched 512 MiB block took $faults page faults"
exit 0
