#!/usr/bin/env bash
# timeout: 120
# cost: 12
# gcc -O2 -g under the shim (driver, cc1, as, collect2 and ld all preloaded)
# compiling test/data/real_gcc/{prog,util}.c: a word-count hash table,
# qsort, structs with function pointers, recursion and a matrix loop. The
# objects, the assembly and the linked executable must be byte for byte the
# same as plainly built ones (their checksums are part of the compared
# output), and the program, run under the shim too, must print the same.
# gcc is deterministic for the same input in the same directory with a fixed
# -frandom-seed; two plain builds are compared first to make sure of it.
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
need gcc as ld sha256sum

build=$HS_ROOT/test/data/real_gcc/build.sh
"$build" >gcc_first.plain 2>gcc_first.err || { cat gcc_first.err; fail "plain build failed"; }
[[ -s build.plain/prog.o ]] || fail "the plain build left no object"
same_as_plain gcc_build "$build"
if ! cmp -s gcc_first.plain gcc_build.plain; then
    diff gcc_first.plain gcc_build.plain
    fail "two plain builds differ: gcc is not deterministic here, so this case cannot compare"
fi
# same_as_plain compared the checksums; compare the files too for the record.
for f in prog.o util.o util.s prog; do
    cmp build.plain/$f build.shim/$f || fail "$f differs between the plain and the shim build"
done
grep -qx 'queens(8) = 92' gcc_build.plain || fail "unexpected program output:"$'\n'"$(cat gcc_build.plain)"
[[ -s gcc_build.plain.err ]] && { cat gcc_build.plain.err; fail "gcc warned"; }
exit 0
