#!/usr/bin/env bash
# timeout: 120
# Every benchmark program of `make bench`, with little work, under the
# backend: each checks its own results, so it must exit 0 and print what it
# prints without the shim (fragment's resident sizes, and what pair and
# spawn time, aside).
source "$HS_ROOT/test/lib.sh"
bin=$HS_BUILD/bench
for program in churn pair larson prodcons falseshare realloc large fragment shortthreads spawn; do
    [[ -x $bin/$program ]] || fail "$bin/$program not built (make test builds it)"
done
cd "$HS_TMP"

same_as_plain pairs "$bin/churn" pairs 3000
same_as_plain batches "$bin/churn" batch 6000
same_as_plain windows "$bin/churn" window 3000 3
same_as_plain larson "$bin/larson" 1000 3 256
same_as_plain prodcons "$bin/prodcons" 3000 2
same_as_plain falseshare "$bin/falseshare" 50 100 3
same_as_plain realloc "$bin/realloc" 3000
same_as_plain large "$bin/large" 12 4
same_as_plain shortthreads "$bin/shortthreads" 30

out=$(shim "$bin/fragment" 3 256) || fail "fragment: status $?"
[[ $out =~ ^fragment\ 3\ [0-9]+\ blocks\ [0-9]+\ bytes\ live$'\n'resident-kib\ [0-9]+\ [0-9]+$ ]] ||
    fail "fragment printed: $out"
[[ ${out%%$'\n'*} == "$("$bin/fragment" 3 256 | head -n 1)" ]] || fail "fragment: live data differs from plain"
for size in 16 mix; do
    out=$(shim "$bin/pair" "$size" 20) || fail "pair $size: status $?"
    [[ $out =~ ^[0-9]+\.[0-9]+$ ]] || fail "pair $size printed: $out"
done
out=$(shim "$bin/spawn" 3 /bin/true) || fail "spawn: status $?"
[[ $out =~ ^[0-9]+\.[0-9]+$ ]] || fail "spawn printed: $out"
no_heap_errors
