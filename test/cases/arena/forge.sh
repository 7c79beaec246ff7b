# The arena's free lists under attack through a dangling pointer (issue 10,
# item 10). A freed block's link is forged with the key its freed tag gives
# away when tag and link share one key: into a live block, at a live
# block's start, at an address of the page that starts no block, and in a
# stash (blocks of another thread's heap). A bit of a freed block's link is
# flipped, each of the 64 in turn, in a page's list and in a stash. One
# freed block's link is copied over another's, which needs no key at all. A live block is overrun by one byte into
# its freed neighbour's tag. Each time heapshim must report a heap error
# naming the damaged block and kill the program (SIGABRT) before malloc
# returns a pointer that is not a free block's; under
# HEAPSHIM_ON_ERROR=continue the program goes on with sound blocks only.
# timeout: 200
# cost: 10
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/arena_forge

# The heap error each damage must be reported as (VICTIM and BELOW stand for
# the blocks the program names): the link alone written, the freed block is
# named as written after it was freed; the tag overrun, the block below is
# named, with the one byte.
uaf='heapshim: ERROR: use-after-free: 8 byte(s) of the freed 48-byte block at VICTIM were written after it was freed'
overflow1='heapshim: ERROR: overflow: 1 byte(s) past the end of the 48-byte block at BELOW were written (found by malloc)'

# attack WANT MODE...: runs the program; fails unless it died of SIGABRT
# with the error WANT reported and no bad pointer seen, then runs it again
# under HEAPSHIM_ON_ERROR=continue, where it must end normally.
attack() {
    local want=$1 status victim below
    shift
    rm -f "$HS_REPORTS"/*
    shim "$program" "$@" >out 2>&1
    status=$?
    grep -q '^skip' out && skip "blocks not adjacent"
    victim=$(sed -n 's/^victim //p' out)
    below=$(sed -n 's/^below //p' out)
    want=${want/VICTIM/$victim}
    want=${want/BELOW/$below}
    if grep -q '^BAD' out || [[ $status -ne 134 ]] ||
        ! cat out "$HS_REPORTS"/* 2>/dev/null | grep -qF "$want"; then
        cat out "$HS_REPORTS"/* 2>/dev/null | head -n 30
        fail "$*: status $status, wanted 134 (SIGABRT) after: $want"
    fi
    rm -f "$HS_REPORTS"/*
    HEAPSHIM_ON_ERROR=continue shim "$program" "$@" >out 2>&1
    status=$?
    if grep -q '^BAD' out || [[ $status -ne 0 ]] ||
        ! cat out "$HS_REPORTS"/* 2>/dev/null | grep -q 'heapshim: ERROR'; then
        cat out "$HS_REPORTS"/* 2>/dev/null | head -n 30
        fail "$* under HEAPSHIM_ON_ERROR=continue: status $status, wanted a report and 0"
    fi
}

for mode in forge-inside forge-start forge-misaligned forge-stash; do
    attack "$uaf" "$mode"
done
for bit in $(seq 0 63); do
    attack "$uaf" flip "$bit"
    attack "$uaf" flip-stash "$bit"
done
attack "$overflow1" overflow-1
attack "$uaf" replay
exit 0
