# A real program again with the stats wrapper on: git's session (test
# case real_git: many processes, each with its report, and threads in
# gc --aggressive) behaves as it does plainly, and every report has its
# statistics, with calls counted. One program, not the whole real_*
# suite again: the wrapper is the same whatever the program, and wrap_stats
# checks its figures exactly over each backend.
# timeout: 240
# cost: 12
source "$HS_ROOT/test/lib.sh"
export HEAPSHIM_STATS=1
name=real_git
mkdir "$HS_TMP/$name"
HS_TMP="$HS_TMP/$name" bash "$HS_ROOT/test/cases/all/$name.sh" >"$HS_TMP/$name.log" 2>&1 ||
    { tail -n 20 "$HS_TMP/$name.log"; fail "$name with HEAPSHIM_STATS=1"; }
reports=("$HS_TMP/$name"/reports/*)
[[ -e ${reports[0]} ]] || fail "$name: no reports"
for report in "${reports[@]}"; do
    grep -q '^heapshim: statistics:$' "$report" || fail "$name: $(basename "$report") has no statistics"
    grep -Eq '^heapshim:   calls: malloc [1-9][0-9,]*, ' "$report" ||
        fail "$name: $(basename "$report") counted no malloc"
done
exit 0
