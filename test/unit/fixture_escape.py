"""Writes escape_fixtures.h for test/unit/escape.c: random byte strings
(no NUL, biased toward UTF-8 lead and continuation bytes and the control
characters that need escaping) with what hs_text_string and hs_json_string
must make of them, computed here with Python's own UTF-8 decoder, whose
errors are reported one maximal subpart at a time."""
import codecs
import random

MARK = "\udfff"  # a lone surrogate: no valid UTF-8 decodes to it


def subpart(exc):
    return (MARK * 1, exc.end)


codecs.register_error("unit_mark", subpart)


def controls(cp):
    return (cp < 0x20 or 0x7F <= cp < 0xA0 or cp in (0x2028, 0x2029)
            or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069)


SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def text_of(raw):
    out = []
    pos = 0
    while pos < len(raw):
        try:
            ch = raw[pos:].decode("utf-8", "strict")[0]
            n = len(ch.encode())
        except UnicodeDecodeError as e:
            if e.start > 0:
                ch = raw[pos:pos + e.start].decode()[0]
                n = len(ch.encode())
            else:
                out.append("".join("\\x%02x" % b for b in raw[pos:pos + e.end]))
                pos += e.end
                continue
        if ch in SHORT:
            out.append(SHORT[ch])
        elif controls(ord(ch)):
            out.append("".join("\\x%02x" % b for b in ch.encode()))
        else:
            out.append(ch)
        pos += n
    return "".join(out).encode("utf-8")


def json_of(raw):
    out = ['"']
    for ch in raw.decode("utf-8", "unit_mark"):
        if ch == MARK:
            out.append("\\ufffd")
        elif ch == '"':
            out.append('\\"')
        elif ch in SHORT:
            out.append(SHORT[ch])
        elif controls(ord(ch)):
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out).encode("utf-8")


def c_string(b):
    return '"' + "".join("\\x%02x" % x for x in b) + '"'


POOL = (list(range(0x01, 0x20)) + [0x22, 0x5C, 0x7F] + list(range(0x20, 0x7F, 7))
        + list(range(0x80, 0xC0, 3)) + list(range(0xC0, 0x100)) * 2)


def random_bytes(rng):
    raw = bytearray()
    for _ in range(rng.randrange(0, 24)):
        if rng.random() < 0.3:
            cp = rng.choice([0x85, 0xE9, 0x2028, 0x202E, 0x2067, 0xFFFD, 0x10FFFF,
                             0x1F600, 0xD7FF, 0xE000, rng.randrange(0x80, 0x110000)])
            if 0xD800 <= cp < 0xE000:
                cp = 0xE000
            raw += chr(cp).encode()
        else:
            raw.append(rng.choice(POOL))
    return bytes(raw)


def main():
    rng = random.Random(11)
    cases = [random_bytes(rng) for _ in range(600)]
    print("/* Made by test/unit/fixture_escape.py: do not edit. */")
    print("static const struct { const char *raw, *text, *json; } escape_cases[] = {")
    for raw in cases:
        print("    {%s,\n     %s,\n     %s}," % (c_string(raw), c_string(text_of(raw)),
                                              c_string(json_of(raw))))
    print("};")


main()
