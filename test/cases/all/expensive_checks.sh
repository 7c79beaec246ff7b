# timeout: 500
# The expensive build (`make expensive`, services/core/check.h), which
# validates the backend's structures at heapshim_check(), at exit and every
# few thousand calls: workloads run under it with no check failing; and,
# under arena and page, damage to the backend's metadata that no cheap check
# notices (test/c/damage_metadata.c) is caught by each of the three, while
# the normal build lets it pass.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP" || exit 1
make -C "$HS_ROOT" -j2 BUILD="$HS_BUILD" expensive >make.log 2>&1 ||
    { tail -n 20 make.log; fail "make expensive failed"; }
normal_lib=$HS_LIB
HS_LIB=$HS_BUILD/expensive/libheapshim.so

# internal_errors: the failed checks in the outputs and reports so far.
internal_errors() {
    grep -hs 'heapshim: internal error' out "$HS_REPORTS"/* | head -n 5
}

workloads=("thread_churn 2000" "many_blocks 30000" "fork_stress 20" "api_use all"
           "arena_stress huge-realloc")
[[ $HS_BACKEND != page ]] && workloads+=("arena_stress cross-thread")
[[ $HS_BACKEND == arena ]] && workloads+=("arena_stress short-threads 2000" "arena_stress trim")
for w in "${workloads[@]}"; do
    # shellcheck disable=SC2086
    shim "$HS_TESTBIN"/$w >out 2>&1
    status=$?
    errors=$(internal_errors)
    [[ -z $errors ]] || { echo "$errors"; fail "$w: a check failed"; }
    [[ $status == 0 ]] || { tail -n 20 out; fail "$w: status $status"; }
done
no_heap_errors

case $HS_BACKEND in
    arena) message='check failed: !(segment->dirty_slices & ~segment->free_slices)' ;;
    page) message='check failed: !hs_os_writable(addr)' ;;
    *) exit 0 ;; # the debug backend's damage is its own helper's to test
esac
program=$HS_TESTBIN/damage_metadata
out=$(HS_LIB=$normal_lib shim "$program" "$HS_BACKEND" exit 2>&1)
[[ $? == 0 && $out == *'undamaged?'* ]] ||
    fail "the normal build noticed the damage, or failed: $out"
for when in check calls exit; do
    rm -f "$HS_REPORTS"/*
    shim "$program" "$HS_BACKEND" $when >out 2>&1
    status=$?
    grep -qsF "$message" out "$HS_REPORTS"/* ||
        { cat out; internal_errors; fail "$when: the damage was not caught"; }
    [[ $status -ge 128 ]] || fail "$when: status $status, wanted death by SIGABRT"
    if [[ $when != exit ]] && grep -q 'undamaged?' out; then
        fail "$when: the program ran on past the check"
    fi
done
exit 0
