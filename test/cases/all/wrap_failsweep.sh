# scripts/heapshim-failsweep over each backend finds the one allocation whose
# failure crashes a small program (an unchecked malloc), names its site by
# function, file and line, and finds every other failure handled cleanly
# (stdio's own buffer among them); per site as well as per allocation.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
sweep=$HS_ROOT/scripts/heapshim-failsweep
target=$HS_TESTBIN/fail_target
line=$(grep -n 'SITE unchecked' "$HS_ROOT/test/c/fail_target.c" | cut -d: -f1)

"$target" >/dev/null || fail "the target fails on its own"
"$sweep" --backend "$HS_BACKEND" --timeout 60 -- "$target" >sweep.out 2>&1
status=$?
cat sweep.out
[[ $status == 1 ]] || fail "status $status, wanted 1 (a crash found)"
grep -q '^heapshim-failsweep: a clean run makes 5 allocations; failing each of 1..5 in turn' sweep.out ||
    fail "the census"
crashes=$(grep -c 'crashed' sweep.out)
[[ $crashes == 2 ]] || fail "wanted one crash line and the summary, got $crashes lines"
grep -Eq "^heapshim-failsweep: allocation 4: malloc\(64\) in careless_buffer \S*fail_target.c:$line .*: crashed \(SIGSEGV\)$" sweep.out ||
    fail "the crash is not named with its site"
grep -q '^heapshim-failsweep: 5 runs: 4 failed cleanly, 1 crashed, 0 hung, 0 injected nothing$' sweep.out ||
    fail "the summary"

"$sweep" --each-site --backend "$HS_BACKEND" --timeout 60 "$target" >sites.out 2>&1
status=$?
cat sites.out
[[ $status == 1 ]] || fail "--each-site: status $status"
grep -Eq "^heapshim-failsweep: allocation 1: malloc\(64\) in careless_buffer \S*fail_target.c:$line .*: crashed \(SIGSEGV\)$" sites.out ||
    fail "--each-site: the crash"
grep -Eq '^heapshim-failsweep: [0-9]+ runs: [0-9]+ failed cleanly, 1 crashed, 0 hung, 0 injected nothing$' sites.out ||
    fail "--each-site: the summary"

# A program that handles every failure passes.
"$sweep" --backend "$HS_BACKEND" --to 3 "$target" >clean.out 2>&1 || { cat clean.out; fail "a clean sweep failed"; }
exit 0
