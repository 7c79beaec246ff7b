# Names in a report are bytes, not text. A program whose path, source file
# name and function name hold a newline, a terminal escape, quotes, a
# backslash and bytes that are not UTF-8 leaks a block and frees another
# twice: the text report keeps every line starting with "heapshim:" (or an
# indented frame), holds no control byte and no byte that is not UTF-8, and
# gives the exact bytes back through its escapes (\\ \n \r \t \xNN); the
# JSON report is UTF-8, valid for json.load, and holds each name as
# Python's errors="replace" decodes it (U+FFFD for each maximal subpart).
# A configuration error naming a value with a newline stays one line.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
dir=$HS_TMP/$'dir\xff\n\x1b[7m'
mkdir -p "$dir"
source_file=$dir/$'src\n\xe9t\xc3\xa9.c'
program=$dir/$'prog\n\xff'
cp "$HS_ROOT/test/c/odd_names.c" "$source_file"
gcc -g -O1 -o "$HS_TMP/built" "$source_file" || fail "cannot build the test program"

# The function's symbol name becomes ODD: every copy of the placeholder in
# the file (.strtab, .debug_str) is patched, same length.
cat >names.py <<'PY_EOF'
import json, os, re, sys
PLACEHOLDER = b'hs_odd_name_placeholder_long_enough_for_them'
# A newline, an escape, a quote, a backslash, bytes that start no character,
# a lone surrogate, an overlong '/', a code point past U+10FFFF, a cut
# sequence, a line separator, a C1 control, a bidirectional override and
# well-formed characters of 2 and 4 bytes.
ODD = (b'odd\xff\n\x1b[31m"q\\\xc3(\xe2\x80\xa8z\x7f\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80'
       b'\xe2\x82x\xf0\x9f\x98\x80\xc2\x9b\xe2\x80\xae\xc3\xa9e')
assert len(ODD) == len(PLACEHOLDER)

def patch(built, program):
    data = open(built, 'rb').read()
    assert PLACEHOLDER in data, 'no placeholder symbol'
    open(program, 'wb').write(data.replace(PLACEHOLDER, ODD))
    os.chmod(program, 0o755)

def unescape(text):
    """The bytes a text report's escaped name stands for."""
    out, i = bytearray(), 0
    while i < len(text):
        if text[i:i + 1] != b'\\':
            out += text[i:i + 1]
            i += 1
        elif text[i + 1:i + 2] == b'x':
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            out += {b'n': b'\n', b'r': b'\r', b't': b'\t', b'\\': b'\\'}[text[i + 1:i + 2]]
            i += 2
    return bytes(out)

def check_text(report, program, source):
    raw = open(report, 'rb').read()
    lines = raw.split(b'\n')
    assert lines[-1] == b'', 'the report does not end with a newline'
    for line in lines[:-1]:
        assert line.startswith(b'heapshim:') or line.startswith(b'    '), \
            'a line that is neither heapshim: nor a frame: %r' % line
        assert not re.search(rb'[\x00-\x1f\x7f]', line), 'a control byte in %r' % line
    raw.decode('utf-8')  # strict: what is not UTF-8 is escaped
    frame = re.compile(rb'^    #\d+ 0x[0-9a-f]+ in (\S+) (\S+):(\d+) \((\S+)\+0x[0-9a-f]+\)$')
    found = [m for m in map(frame.match, lines) if m and unescape(m.group(1)) == ODD]
    assert found, 'no frame names the odd function: %r' % lines
    for m in found:
        assert unescape(m.group(2)) == source, 'file %r' % m.group(2)
        assert unescape(m.group(4)) == program, 'module %r' % m.group(4)
    return len(found)

def check_json(report, program, source):
    raw = open(report, 'rb').read()
    raw.decode('utf-8')  # strict: the report is UTF-8
    d = json.loads(raw)
    frames = [f for leak in d['leaks'] for f in leak['stack']]
    for e in d['errors']:
        frames += e['stack'] + e['block']['alloc_stack'] + e['block']['free_stack']
    odd = [f for f in frames if f['function'] == ODD.decode('utf-8', 'replace')]
    assert odd, 'no frame names the odd function: %r' % frames
    for f in odd:
        assert f['file'] == source.decode('utf-8', 'replace'), f['file']
        assert f['module'] == program.decode('utf-8', 'replace'), f['module']
    return len(odd)

what, report = sys.argv[1], sys.argv[2]
if what == 'patch':
    patch(os.fsencode(report), os.fsencode(sys.argv[3]))
else:
    program = os.fsencode(os.path.realpath(sys.argv[3]))
    source = os.fsencode(sys.argv[4])
    n = (check_text if what == 'text' else check_json)(os.fsencode(report), program, source)
    assert n >= int(sys.argv[5]), '%d frames name the odd function, wanted %s' % (n, sys.argv[5])
PY_EOF
python3 names.py patch "$HS_TMP/built" "$program" || fail "cannot patch the symbol name"

# run FORMAT [ARG]: the report of one run in report.FORMAT$ARG.
run() {
    HEAPSHIM_REPORT_FORMAT=$1 HEAPSHIM_ON_ERROR=continue HEAPSHIM_REPORT="$HS_TMP/report.$1${2:-}" \
        shim "$program" ${2:+"$2"} || fail "$1 ${2:-}: status $?"
}
for format in text json; do
    run "$format"
    # A leak: one frame. A double free: its stack and the block's
    # allocation and free stacks: three.
    python3 names.py "$format" "$HS_TMP/report.$format" "$program" "$source_file" 1 ||
        { cat -v "$HS_TMP/report.$format"; fail "$format report of a leak"; }
    run "$format" double-free
    python3 names.py "$format" "$HS_TMP/report.${format}double-free" "$program" "$source_file" 3 ||
        { cat -v "$HS_TMP/report.${format}double-free"; fail "$format report of a double free"; }
done

out=$(env HEAPSHIM_BACKEND=$'page\nheapshim: fake' LD_PRELOAD="$HS_LIB" true 2>&1)
status=$?
[[ $status == 2 ]] || fail "a bad value with a newline: status $status"
[[ $(wc -l <<<"$out") == 1 && $out == 'heapshim: configuration error: HEAPSHIM_BACKEND=page\nheapshim: fake: '* ]] ||
    fail "a bad value with a newline is not one escaped line: $out"
exit 0
