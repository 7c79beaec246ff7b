# timeout: 300
# After memory runs out, freeing gives it back: under ulimit -v a program
# allocates until malloc fails, frees everything and allocates again; the
# second round must get (nearly) as many blocks as the first, for small
# blocks (pooled) and large ones (mappings of their own). Debug used to get
# none in the second round (a freed block was dropped when its free record
# could not grow), page a fraction (its quarantine kept the address space).
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
prog=$HS_TESTBIN/exhaustion

# The arena reserves at least 1 GiB of address space at start (it halves
# its reservation until one fits); the others fill what they serve, so less
# keeps the case quick.
limit_kib=$((512 * 1024))
[[ $HS_BACKEND == arena ]] && limit_kib=$((1536 * 1024))

for size in 16000 200000; do
    out=$( (ulimit -v "$limit_kib" && HEAPSHIM_ON_ERROR=continue shim "$prog" two-rounds "$size") 2>&1)
    status=$?
    [[ $status == 0 ]] || fail "size $size: status $status: $out"
    read -r _ first _ second <<<"$out"
    [[ $first =~ ^[0-9]+$ && $second =~ ^[0-9]+$ ]] || fail "size $size: $out"
    echo "size $size: first $first, second $second"
    # The limit, not the program's array of 4 Mi pointers, ended round one.
    ((first > 1000 && first < 4194304)) || fail "size $size: $first blocks in the first round"
    ((second * 10 >= first * 9)) ||
        fail "size $size: $second blocks in the second round, $first in the first"
done
no_heap_errors
exit 0
