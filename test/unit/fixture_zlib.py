"""Writes zlib_fixtures.h for test/unit/inflate.c: payloads and the zlib
streams Python's zlib makes of them, chosen so that every kind of DEFLATE
block appears: stored (level 0, incompressible data, more than 64 KiB, the
empty one a flush makes), fixed Huffman (short input, Z_FIXED), dynamic
Huffman (text, Huffman-only and run-length strategies), matches as far
back as 32 KiB and as long as 258 bytes, and several blocks in one
stream."""
import random
import zlib


def text(rng, n):
    words = ["heap", "shim", "malloc", "free", "block", "leak", "arena", "page",
             "guard", "stack", "frame", "symbol", "the", "a", "of", "\n"]
    out = []
    size = 0
    while size < n:
        w = rng.choice(words) + " "
        out.append(w)
        size += len(w)
    return "".join(out).encode()[:n]


def compress(data, level=6, strategy=zlib.Z_DEFAULT_STRATEGY, wbits=15, chunk=0):
    c = zlib.compressobj(level, zlib.DEFLATED, wbits, 9, strategy)
    if not chunk:
        return c.compress(data) + c.flush()
    out = b""
    for i in range(0, len(data), chunk):
        out += c.compress(data[i:i + chunk])
        out += c.flush(zlib.Z_FULL_FLUSH if (i // chunk) % 2 else zlib.Z_SYNC_FLUSH)
    return out + c.flush()


def hex_bytes(b):
    return "".join("\\x%02x" % x for x in b)


def main():
    rng = random.Random(1950)
    noise = bytes(rng.randrange(256) for _ in range(5000))
    far = noise[:300] + bytes(32768 - 300) + noise[:300] + b"x" * 600
    cases = [
        ("empty", b"", {}),
        ("empty stored", b"", {"level": 0}),
        ("one byte", b"A", {}),
        ("short text", b"hello, hello, hello world\n", {"level": 9}),
        ("text", text(rng, 40000), {"level": 9}),
        ("text fixed", text(rng, 20000), {"strategy": zlib.Z_FIXED}),
        ("text huffman only", text(rng, 20000), {"strategy": zlib.Z_HUFFMAN_ONLY}),
        ("runs", b"a" * 10000 + b"b" * 300 + b"ab" * 2000, {"strategy": zlib.Z_RLE}),
        ("noise", noise, {}),
        ("stored 70000", text(rng, 70000), {"level": 0}),
        ("far matches", far, {"level": 9}),
        ("small window", text(rng, 3000), {"wbits": 9}),
        ("flushed blocks", text(rng, 12000), {"chunk": 1000}),
        ("all bytes", bytes(range(256)) * 40, {}),
    ]
    print("/* Made by test/unit/fixture_zlib.py: do not edit. */")
    print("struct zlib_case { const char *name; const unsigned char *data; size_t size;")
    print("                   const unsigned char *stream; size_t stream_size; };")
    print("static const struct zlib_case zlib_cases[] = {")
    for name, data, options in cases:
        stream = compress(data, **options)
        assert zlib.decompress(stream) == data
        print('    {"%s",' % name)
        print('     (const unsigned char *)"%s", %d,' % (hex_bytes(data), len(data)))
        print('     (const unsigned char *)"%s", %d},' % (hex_bytes(stream), len(stream)))
    print("};")


main()
