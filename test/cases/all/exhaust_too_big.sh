# timeout: 120
# Requests for more than RAM + swap fail with ENOMEM, as under glibc: block
# memory is charged to the kernel's overcommit accounting (never
# MAP_NORESERVE), so the heuristic check refuses what it refuses glibc.
# calloc(1, 2 * (RAM + swap)) used to return a pointer under debug, arena
# and page, and malloc(2^46) under debug filled pages until the OOM killer
# ran. Also: calloc whose product overflows, the aligned functions, and a
# realloc that must leave the block as it was.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
prog=$HS_TESTBIN/exhaustion

# Where glibc itself gets such memory (vm.overcommit_memory=1), so may we.
plain=$(timeout 20 "$prog" too-big 2>&1)
[[ $plain == ok ]] || skip "glibc is not refused here (overcommit policy): $plain"

out=$(HEAPSHIM_ON_ERROR=continue shim timeout 20 "$prog" too-big 2>&1)
status=$?
[[ $status == 0 && $out == ok ]] || fail "status $status: $out"
no_heap_errors
exit 0
