#!/usr/bin/env bash
# timeout: 120
# GNU sort under the shim over ~6.6 MB of generated text: plain sort (which
# uses threads), sort -n, sort -u, keyed sorts, an external merge through
# temporary files (-S with a small buffer), and sort -m of sorted pieces.
# Each output is compared with the plain run; the plain outputs are also
# checked for consistency with each other, so a broken generator or a
# misread option is noticed.
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
need sort awk uniq cmp split cut

gen_text data.txt 200000 777
size=$(wc -c <data.txt)
((size > 4000000)) || fail "generated only $size bytes"
mkdir -p sorttmp
split -l 50000 data.txt piece.
for p in piece.??; do sort "$p" >"$p.sorted"; done

same_as_plain sort_plain sort --parallel=2 data.txt
same_as_plain sort_n sort -n -k2,2 data.txt
same_as_plain sort_u sort -u -k1,1 data.txt
same_as_plain sort_keys sort -t' ' -k3,3 -k4,4nr -s data.txt
same_as_plain sort_general sort -g -k4,4 -k2,2n data.txt
same_as_plain sort_reverse_unique sort -ru data.txt
same_as_plain sort_external sort -S 256K -T sorttmp --parallel=2 -k2,2n -k1,1 data.txt
same_as_plain sort_merge sort -m piece.aa.sorted piece.ab.sorted piece.ac.sorted piece.ad.sorted
same_as_plain sort_check sort -c sort_plain.plain
same_as_plain sort_check_fails sort -c data.txt

# The plain results agree with each other.
cmp -s sort_plain.plain sort_merge.plain || fail "plain sort and sort -m differ"
[[ $(wc -l <sort_plain.plain) == 200000 ]] || fail "plain sort lost lines"
sort data.txt | uniq | cmp -s - <(sort -u data.txt) || fail "plain sort | uniq differs from sort -u"
firsts=$(cut -d' ' -f1 data.txt | sort -u | wc -l)
[[ $(wc -l <sort_u.plain) == "$firsts" ]] || fail "sort -u -k1,1 kept $(wc -l <sort_u.plain) lines, not $firsts"
[[ $(ls sorttmp) == "" ]] || fail "sort left temporary files"
exit 0
