# timeout: 300
# cost: 18
# exit() while eight threads allocate and free (test/c/exit_race.c): the
# scan stops the other threads and reads their registers and live stacks,
# so every run reports exactly the one block main leaked: never a block a
# running thread holds in a register or a local as definitely lost, and
# the count never changes from run to run; so does a leak check the program
# makes while they run. Threads that block the stop
# signal are left running and read as before: no hang, the same counts, and
# the report says so.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP" || exit 1
program=$HS_TESTBIN/exit_race
[[ -x $program ]] || fail "$program is not built"

# run MODE REPORT [SETTING=VALUE...]: one run, preloaded, bounded in time.
run() {
    timeout 60 env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" HEAPSHIM_REPORT="$2" \
        "${@:3}" "$program" "$1"
}

# counts MODE RUNS WHAT EXPECTED...: RUNS runs of MODE, each with exactly the
# EXPECTED counts in its JSON report (test/check_report.py), else fails
# saying WHAT.
# Each run's one report, checked in one go (a Python start costs more than
# a run).
counts() {
    local mode=$1 runs=$2 what=$3 run
    for run in $(seq 1 "$runs"); do
        run "$mode" "$HS_TMP/$mode.$run.%p" HEAPSHIM_REPORT_FORMAT=json ||
            fail "$mode run $run: exit status $?"
        [[ $(ls "$HS_TMP/$mode.$run".* | wc -l) == 1 ]] || fail "$mode run $run: not one report"
    done
    python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --each \
        --reports "$HS_TMP/$mode".*.* --source "$HS_ROOT/test/c/exit_race.c" \
        -- "${@:4}" || fail "$mode: $what"
}

counts race 20 'not exactly the one leak' 'definite 48 1' 'indirect 0 0' 'possible 0 0'

for run in 1 2 3; do
    run blocked "$HS_TMP/blocked.$run" ||
        fail "blocked run $run: exit status $?"
    grep -q '^heapshim:    definitely lost: 48 bytes in 1 blocks$' "blocked.$run" ||
        { grep 'lost:' "blocked.$run"; fail "blocked run $run: not exactly the one leak"; }
    grep -q '^heapshim: note: 2 other threads kept running during the leak scan' "blocked.$run" ||
        fail "blocked run $run: the report does not say two threads kept running"
done
# Threads that never called the allocator are stopped too: the live frame
# of one holds a block, a returned frame of the other the only copy of
# another, which is lost.
counts foreign 3 'wrong counts' \
    'definite 96 2' 'indirect 0 0' 'possible 0 0' 'reachable-at-least 64 1'

# heapshim_leak_check while the threads run stops them too, and leaves the
# program's own handler for the stop signal as it was.
counts check 3 'not exactly the one leak at exit' 'definite 48 1' 'indirect 0 0' 'possible 0 0'
grep -l 'heapshim: ERROR' race.* blocked.* foreign.* check.* && fail "a heap error was reported"
exit 0
