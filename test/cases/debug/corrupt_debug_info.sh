# The symbolizer reads ELF and DWARF from files on disk, so it must take
# them as untrusted. A program built with compressed debug sections
# (-gz=zlib) still gets source lines, also with its line table recompressed
# as stored and as fixed-Huffman deflate blocks; and copies of the program
# whose section headers, symbol tables and debug sections have bytes
# changed at random still run to the end and report their leak (120 bytes
# in 3 blocks), with or without names.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
source_file=$HS_ROOT/test/c/leak_kinds.c
gcc -g -O1 -gz=zlib -pthread -o gz "$source_file" || fail "cannot build with -gz=zlib"

# mutate.py IN COUNT: writes changed copies of the ELF file IN. In `stored`
# and `fixed`, .debug_line is recompressed that way, appended at the end
# (section data may lie anywhere) and its header pointed there; in bad1 to
# badCOUNT, bytes are changed in the section headers and in the sections
# the symbolizer reads.
cat >mutate.py <<'PY_EOF'
import random, struct, sys, zlib
original = open(sys.argv[1], 'rb').read()
shoff, = struct.unpack_from('<Q', original, 0x28)
shnum, shstrndx = struct.unpack_from('<HH', original, 0x3c)
def header(i):
    return struct.unpack_from('<IIQQQQ', original, shoff + 64 * i)
def name_of(i):
    start = header(shstrndx)[4] + header(i)[0]
    return original[start:original.index(0, start)].decode()
sections = {name_of(i): i for i in range(shnum)}
def write(name, data):
    open(name, 'wb').write(data)

line = sections['.debug_line']
_, _, flags, _, offset, size = header(line)
assert flags & 0x800, '.debug_line is not compressed'
plain = zlib.decompress(original[offset + 24:offset + size])
for name, level, strategy in (('stored', 0, zlib.Z_DEFAULT_STRATEGY), ('fixed', 9, zlib.Z_FIXED)):
    packer = zlib.compressobj(level, zlib.DEFLATED, 15, 9, strategy)
    packed = original[offset:offset + 24] + packer.compress(plain) + packer.flush()
    data = bytearray(original)
    data += bytes(-len(data) % 8)
    struct.pack_into('<QQ', data, shoff + 64 * line + 24, len(data), len(packed))
    write(name, data + packed)

targets = [n for n in ('.symtab', '.strtab', '.debug_line', '.debug_line_str', '.debug_str',
                       '.note.gnu.build-id') if n in sections]
for seed in range(1, int(sys.argv[2]) + 1):
    rnd, data = random.Random(seed), bytearray(original)
    for _ in range(rnd.choice((1, 3, 10, 40))):
        if rnd.random() < 0.25:
            at = shoff + rnd.randrange(64 * shnum)
        else:
            _, _, _, _, start, length = header(sections[rnd.choice(targets)])
            at = start + rnd.randrange(max(length, 1))
        data[at] = rnd.choice((0, 0xff, 0x80, data[at] ^ 1 << rnd.randrange(8), rnd.randrange(256)))
    write('bad%d' % seed, data)
PY_EOF

# leaks NAME: runs ./NAME's definite scenario; its report in NAME.report.
leaks() {
    HEAPSHIM_REPORT=$1.report shim "./$1" definite || { tail -n 20 "$1.report"; fail "$1: status $?"; }
    grep -q '^heapshim:    definitely lost: 120 bytes in 3 blocks$' "$1.report" ||
        { cat "$1.report"; fail "$1: the leak is not reported"; }
}
python3 mutate.py gz 24 && chmod +x stored fixed bad* || fail "cannot make the variants"
site=$(grep -n 'SITE definite' "$source_file" | cut -d: -f1)
for variant in gz stored fixed; do
    leaks "$variant"
    grep -Eq "^    #0 0x[0-9a-f]+ in leak_definite [^ ]*leak_kinds\.c:$site " "$variant.report" ||
        { cat "$variant.report"; fail "$variant: no leak_kinds.c:$site in the stack"; }
done
for seed in $(seq 1 24); do
    leaks "bad$seed"
done
