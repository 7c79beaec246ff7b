# Separate debug files: libc's own frames get source files and lines from
# its debug file under /usr/lib/debug/.build-id (Debian's libc6-dbg, whose
# sections are compressed). A leak allocated inside libc by strdup must show
# strdup.c and the very line libc's line table gives for the call, as
# readelf decodes it. Skipped when the debug file is not installed.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/leak_kinds
libc=$(ldd "$program" | awk '$1 == "libc.so.6" {print $3}')
id=$(readelf -n "$libc" 2>/dev/null | awk '/Build ID:/ {print $3}')
debug_file=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
[[ -n $id && -r $debug_file ]] || skip "no debug file for $libc (install libc6-dbg)"

HEAPSHIM_REPORT=$HS_TMP/report shim "$program" libc || fail "status $?"
# The strdup leak's first frame is strdup itself, in libc.
frame=$(grep -A1 '^heapshim: 9 bytes in 1 blocks are definitely lost' report | sed -n 2p)
pattern='^ +#0 0x[0-9a-f]+ in ([^ ]+) ([^ ]+):([0-9]+) \((.+)\+0x([0-9a-f]+)\)$'
[[ $frame =~ $pattern ]] || { cat report; fail "libc's frame has no file and line: '$frame'"; }
function=${BASH_REMATCH[1]} file=${BASH_REMATCH[2]} line=${BASH_REMATCH[3]}
module=${BASH_REMATCH[4]} offset=$((16#${BASH_REMATCH[5]}))
[[ $function == strdup && $module -ef $libc ]] || fail "frame #0 is $function in $module"

# readelf's answer for the call just before the return address: the last
# row at the greatest address not past it.
expected=$(readelf --debug-dump=decodedline "$debug_file" | python3 -c '
import re, sys
at, best, row = int(sys.argv[1]), -1, None
for line in sys.stdin:
    m = re.match(r"(\S+)\s+(\d+)\s+0x([0-9a-f]+)", line)
    if m and best <= int(m[3], 16) <= at:
        best, row = int(m[3], 16), m[1] + ":" + m[2]
print(row)' $((offset - 1)))
[[ $expected == strdup.c:* ]] || fail "readelf finds no strdup.c row at $offset: $expected"
[[ ${file##*/}:$line == "$expected" ]] || fail "frame says $file:$line, the line table $expected"
