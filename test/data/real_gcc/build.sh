#!/usr/bin/env bash
# Fixture for test/cases/all/real_gcc.sh: builds the program from fresh in
# ./build (the same path in every run), prints the checksums of the objects
# and the executable, then runs it. Run plainly and under the shim; the
# objects are also kept as build.plain/ or build.shim/ for a diff.
set -euo pipefail
src=$(dirname "$0")
rm -rf build && mkdir build && cd build
cp "$src"/prog.c "$src"/util.c "$src"/prog.h .
flags=(-O2 -g -Wall -Wextra -frandom-seed=heapshim "-fdebug-prefix-map=$PWD=.")
gcc "${flags[@]}" -c prog.c -o prog.o
gcc "${flags[@]}" -c util.c -o util.o
gcc "${flags[@]}" -S util.c -o util.s
gcc -O2 -o prog prog.o util.o -lm
sha256sum prog.o util.o util.s prog
./prog
tag=plain; [[ -n ${LD_PRELOAD:-} ]] && tag=shim
rm -rf "../build.$tag" && cp -r . "../build.$tag"
