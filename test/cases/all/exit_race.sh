# timeout: 300
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

for run in $(seq 1 20); do
    run race "$HS_TMP/race.$run.%p" HEAPSHIM_REPORT_FORMAT=json ||
        fail "race run $run: exit status $?"
    python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --reports "$HS_TMP"/race."$run".* \
        --source "$HS_ROOT/test/c/exit_race.c" \
        -- 'definite 48 1' 'indirect 0 0' 'possible 0 0' ||
        fail "race run $run: not exactly the one leak"
done

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
for run in 1 2 3; do
    run foreign "$HS_TMP/foreign.$run.%p" HEAPSHIM_REPORT_FORMAT=json || fail "foreign run $run: exit status $?"
    python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --reports "$HS_TMP"/foreign."$run".* \
        --source "$HS_ROOT/test/c/exit_race.c" \
        -- 'definite 96 2' 'indirect 0 0' 'possible 0 0' 'reachable-at-least 64 1' ||
        fail "foreign run $run: wrong counts"
done

# heapshim_leak_check while the threads run stops them too, and leaves the
# program's own handler for the stop signal as it was.
for run in 1 2 3; do
    run check "$HS_TMP/check.$run.%p" HEAPSHIM_REPORT_FORMAT=json || fail "check run $run: exit status $?"
    python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --reports "$HS_TMP"/check."$run".* \
        --source "$HS_ROOT/test/c/exit_race.c" \
        -- 'definite 48 1' 'indirect 0 0' 'possible 0 0' ||
        fail "check run $run: not exactly the one leak at exit"
done
grep -l 'heapshim: ERROR' race.* blocked.* foreign.* check.* && fail "a heap error was reported"
exit 0
