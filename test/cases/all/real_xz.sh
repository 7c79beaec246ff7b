#!/usr/bin/env bash
# timeout: 120
# cost: 7
# xz under the shim: multi-threaded (-T2) compression of ~3.9 MB of generated
# data split into 1 MiB blocks (so both threads really work; with a fixed
# block size the output does not depend on the thread count or timing), then
# multi-threaded decompression, an integrity test and a listing. The
# compressed bytes (the stdout of the compression) must be the same plain and
# under the shim, and the decompressed data the same as the original.
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
need xz awk cmp

gen_text text.txt 100000 31337
# some less compressible data as well: checksums of the lines, as hex
awk '{ x = 0; for (i = 1; i <= length($0); i++) x = (x * 31 + i * length($0)) % 16777213; printf "%06x%s", x, (NR % 12 ? "" : "\n") }' text.txt >hex.txt
cat text.txt hex.txt >data
size=$(wc -c <data)
((size > 3000000)) || fail "generated only $size bytes"

xzopts=(-T2 --block-size=1MiB -6 --check=crc64)
same_as_plain xz_compress xz "${xzopts[@]}" -c data
cp xz_compress.plain data.xz
same_as_plain xz_decompress xz -T2 -dc data.xz
cmp data xz_decompress.plain || fail "plain round trip changed the data"
cmp data xz_decompress.shim || fail "round trip under the shim changed the data"
((size / $(wc -c <data.xz) >= 3)) || fail "data.xz is not much smaller than the data"

# Single-threaded and a different filter chain, both ways under the shim.
same_as_plain xz_lzma2_delta xz -T1 --delta=dist=4 --lzma2=preset=3,lc=3,lp=0 -c data
cp xz_lzma2_delta.plain delta.xz
same_as_plain xz_delta_back xz -dc delta.xz
cmp data xz_delta_back.shim || fail "delta round trip under the shim changed the data"
same_as_plain xz_test xz -t -v data.xz
same_as_plain xz_list xz --robot -l -v data.xz
[[ $(grep -c '^block' xz_list.plain) -ge 4 ]] || fail "expected at least 4 blocks:"$'\n'"$(cat xz_list.plain)"

# A corrupt file: xz fails with status 1 both ways (-t: how much a
# multi-threaded decoder writes before it notices would depend on timing).
{ head -c 2000 data.xz; printf 'garbage'; tail -c +2008 data.xz; } >bad.xz
xz -T2 -t bad.xz 2>/dev/null; [[ $? == 1 ]] || fail "plain xz -t did not fail with status 1 on a corrupt file"
same_as_plain xz_corrupt xz -T2 -t bad.xz
[[ -s xz_corrupt.plain.err ]] || fail "xz did not complain about the corrupt file"
exit 0
