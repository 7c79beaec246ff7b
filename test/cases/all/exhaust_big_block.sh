# timeout: 120
# A 1 GiB malloc and free, then the same with calloc, touch only the pages
# the program touches (its first and last byte): the debug backend patterns
# only the ends of a huge block and gives its middle back to the kernel at
# free, instead of writing every page (freeing a 1 GiB block took 3 s, and
# malloc(2^46) filled pages until the OOM killer ran). Measured as the
# peak resident size, not as time.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"

out=$(HEAPSHIM_ON_ERROR=continue shim "$HS_TESTBIN/exhaustion" big-cycle 1024 2>&1) ||
    fail "status $?: $out"
peak=$(sed -n 's/^peak_kib //p' <<<"$out")
[[ $peak =~ ^[0-9]+$ ]] || fail "no peak: $out"
echo "$out"
# A few huge pages at each end, the program and the shim: far below 1 GiB.
((peak < 128 * 1024)) || fail "peak resident size $peak KiB for a 1 GiB block touched at its ends"
no_heap_errors
exit 0
