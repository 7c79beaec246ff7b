#!/usr/bin/env bash
# timeout: 180
# cost: 30
# g++ -std=c++17 -O1 under the shim (driver, cc1plus, as, ld) building
# test/data/real_gxx/prog.cpp, which uses std::vector, std::map,
# std::unordered_map, std::string, std::shared_ptr/weak_ptr and exceptions,
# then running it, also under the shim. The whole compile+run is compared
# with the plain one: the program's output and the checksums of the object
# and the executable (which must be byte for byte the same).
# The slowest real_* case under the page backend: cc1plus allocates ~650k
# blocks for this file (headers included), one mapping each; 50-70 s there on
# a 2-CPU VM, hence the longer timeout.
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
need g++ as ld sha256sum

same_as_plain gxx_build "$HS_ROOT/test/data/real_gxx/build.sh"
nodes=$(sed -n 's/^tree of \([0-9]*\) nodes.*/\1/p' gxx_build.plain)
for want in "destroyed $nodes nodes" 'out_of_range caught' 'sum 8592000, errors 6000'; do
    grep -qx "$want" gxx_build.plain \
        || fail "plain output lacks '$want':"$'\n'"$(cat gxx_build.plain gxx_build.plain.err)"
done
[[ -s gxx_build.plain.err ]] && { cat gxx_build.plain.err; fail "g++ warned"; }
exit 0
