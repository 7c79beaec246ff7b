#!/usr/bin/env bash
# Fixture for test/cases/all/real_gxx.sh: builds prog.cpp from fresh in
# ./build (the same path in every run), prints the checksums of the object
# and the executable, then runs the program.
set -euo pipefail
src=$(dirname "$0")
rm -rf build && mkdir build && cd build
cp "$src"/prog.cpp .
g++ -std=c++17 -O1 -Wall -Wextra -frandom-seed=heapshim -c prog.cpp -o prog.o
g++ -o prog prog.o
sha256sum prog.o prog
./prog
