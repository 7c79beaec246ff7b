# The arena backend where per-thread allocators are weakest: blocks freed by
# other threads, a stream of short threads (resident memory must stay flat),
# memory given back by malloc_trim, huge blocks moved by mremap as they grow,
# and a free list damaged by an overrun, which must be reported, not
# followed.
# timeout: 200
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/arena_stress

for mode in cross-thread "short-threads 20000" trim huge-realloc; do
    # shellcheck disable=SC2086
    shim "$program" $mode >out 2>&1 || { cat out; fail "$mode: status $?"; }
    cat out
done
no_heap_errors

# PYTHONMALLOC=malloc routes every Python object through the shim: millions
# of small blocks, many freed by threads other than their allocator's.
py=/usr/bin/python3
if [[ -x $py ]]; then
    PYTHONMALLOC=malloc same_as_plain python_threads "$py" -c '
import threading, queue
q = queue.Queue(maxsize=256)
def produce():
    for i in range(100000):
        q.put({"k": str(i) * (i % 7), "v": list(range(i % 13))})
    q.put(None)
def consume(out):
    n = 0
    while (item := q.get()) is not None:
        n += len(item["k"]) + sum(item["v"])
    out.append(n)
out = []
t1 = threading.Thread(target=produce); t2 = threading.Thread(target=consume, args=(out,))
t1.start(); t2.start(); t1.join(); t2.join()
print(out)'
fi

# Damage: the overrun forges the freed neighbour's link; the next malloc
# that would follow it reports heap damage instead.
rm -f "$HS_REPORTS"/*
HEAPSHIM_ON_ERROR=continue shim "$program" damage >out 2>&1 || { cat out; fail "damage: status $?"; }
grep -q '^skip' out && skip "blocks not adjacent"
grep -q '^heapshim: ERROR: overflow: 16 byte(s) past the end of the 48-byte block at 0x[0-9a-f]* were written (found by malloc)' "$HS_REPORTS"/* ||
    { cat out "$HS_REPORTS"/*; fail "damage: the forged free-list link was not reported"; }

# Without ON_ERROR=continue the damage aborts the program.
shim "$program" damage >out 2>&1
status=$?
[[ $status -ge 128 ]] || fail "damage: status $status, wanted death by SIGABRT"
exit 0
