# The real-program suite (every real_*.sh case) again with the stats
# wrapper on: each program behaves as it does plainly, and every report
# has its statistics, with calls counted.
# timeout: 1200
source "$HS_ROOT/test/lib.sh"
export HEAPSHIM_STATS=1
for script in "$HS_ROOT"/test/cases/all/real_*.sh; do
    name=$(basename "$script" .sh)
    [[ $name == real_with_stats ]] && continue
    mkdir "$HS_TMP/$name"
    HS_TMP="$HS_TMP/$name" bash "$script" >"$HS_TMP/$name.log" 2>&1 ||
        { tail -n 20 "$HS_TMP/$name.log"; fail "$name with HEAPSHIM_STATS=1"; }
    reports=("$HS_TMP/$name"/reports/*)
    [[ -e ${reports[0]} ]] || fail "$name: no reports"
    for report in "${reports[@]}"; do
        grep -q '^heapshim: statistics:$' "$report" || fail "$name: $(basename "$report") has no statistics"
        grep -Eq '^heapshim:   calls: malloc [1-9][0-9,]*, ' "$report" ||
            fail "$name: $(basename "$report") counted no malloc"
    done
done
exit 0
