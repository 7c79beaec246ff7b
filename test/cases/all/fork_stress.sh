# timeout: 200
# 200 forks from a program whose other threads allocate all the while: no
# child may hang or fail, under each backend.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
out=$(shim "$HS_TESTBIN/fork_stress" 200) || fail "status $?: $out"
[[ $out == "ok 0" ]] || fail "$out"
# Children that left by exit() wrote their own reports.
[[ $(ls "$HS_REPORTS" | wc -l) -ge 100 ]] || fail "only $(ls "$HS_REPORTS" | wc -l) reports"
no_heap_errors
