/* Unit tests of services/symbols/inflate: the streams of fixture_zlib.py
 * (stored, fixed and dynamic Huffman blocks, far and long matches, several
 * blocks, windows below 32 KiB) inflate to their payloads; an output size
 * off by one either way fails; every truncation fails; a flipped bit fails
 * or still gives the exact payload; streams written here by hand check
 * the header's rules, stored blocks (LEN against NLEN), the reserved block
 * type, symbols 286 and 287, distance codes 30 and 31 and a distance
 * reaching before the output's start. Input and output are heap buffers of
 * exactly their size, so the sanitizer sees any read or write past them
 * (never NULL: with out_len 0 a stored block would pass NULL to memcpy,
 * which the shim never does, since it refuses empty sections first). */
#include <stdint.h>
#include <stdlib.h>

#include "services/symbols/inflate.h"
#include "unit.h"
#include "zlib_fixtures.h"

/* hs_inflate_zlib on copies of in and of an out_len buffer, both exactly
 * sized; if want is given, whether the output is exactly it. */
static bool inflate_exact(const uint8_t *in, size_t in_len, size_t out_len, const uint8_t *want)
{
    uint8_t *input = malloc(in_len ? in_len : 1);
    uint8_t *output = malloc(out_len); /* of 0 bytes: the sanitizer sees any write */
    memcpy(input, in, in_len);
    bool ok = hs_inflate_zlib(input, in_len, output, out_len);
    if (ok && want && out_len)
        ok = memcmp(output, want, out_len) == 0;
    free(input);
    free(output);
    return ok;
}

static void fixtures(void)
{
    for (size_t i = 0; i < sizeof zlib_cases / sizeof *zlib_cases; i++) {
        const struct zlib_case *c = &zlib_cases[i];
        bool whole = inflate_exact(c->stream, c->stream_size, c->size, c->data);
        if (!whole)
            fprintf(stderr, "fixture \"%s\" does not inflate\n", c->name);
        CHECK(whole);
        CHECK(!inflate_exact(c->stream, c->stream_size, c->size + 1, NULL));
        if (c->size)
            CHECK(!inflate_exact(c->stream, c->stream_size, c->size - 1, NULL));
    }
}

/* Positions to try in a stream of n bytes: all of them when it is short,
 * else 200 spread over it, the first and last bytes among them. */
static size_t position(size_t k, size_t n, size_t *count)
{
    *count = n <= 600 ? n : 200;
    return n <= 600 ? k : k * (n - 1) / (*count - 1);
}

static void truncated(void)
{
    unsigned accepted = 0;
    for (size_t i = 0; i < sizeof zlib_cases / sizeof *zlib_cases; i++) {
        const struct zlib_case *c = &zlib_cases[i];
        size_t count;
        position(0, c->stream_size, &count);
        for (size_t k = 0; k < count; k++) {
            size_t cut = position(k, c->stream_size, &count);
            accepted += inflate_exact(c->stream, cut, c->size, NULL);
        }
    }
    CHECK_EQ_U(accepted, 0);
}

static void flipped(void)
{
    unsigned wrong = 0, tried = 0, still_right = 0;
    for (size_t i = 0; i < sizeof zlib_cases / sizeof *zlib_cases; i++) {
        const struct zlib_case *c = &zlib_cases[i];
        uint8_t *stream = malloc(c->stream_size);
        uint8_t *out = malloc(c->size);
        size_t count;
        position(0, c->stream_size, &count);
        for (size_t k = 0; k < count; k++) {
            size_t at = position(k, c->stream_size, &count);
            unsigned bit = (unsigned)unit_random() % 8;
            memcpy(stream, c->stream, c->stream_size);
            stream[at] ^= (uint8_t)(1u << bit);
            tried++;
            if (!hs_inflate_zlib(stream, c->stream_size, out, c->size))
                continue;
            still_right++; /* padding bits, say: the payload must be intact */
            wrong += c->size && memcmp(out, c->data, c->size) != 0;
        }
        free(stream);
        free(out);
    }
    CHECK_EQ_U(wrong, 0);
    CHECK(still_right * 20 < tried); /* nearly every flip is caught */
}

/* ---- streams written by hand ---- */

struct bits {
    uint8_t bytes[64];
    size_t bit;
};

/* Appends v's n low bits, lowest first (DEFLATE's order for everything but
 * Huffman codes). */
static void put(struct bits *b, unsigned v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, b->bit++)
        if (v >> i & 1)
            b->bytes[b->bit / 8] |= (uint8_t)(1u << b->bit % 8);
}

/* Appends a Huffman code of n bits, its most significant bit first. */
static void put_code(struct bits *b, unsigned code, unsigned n)
{
    for (unsigned i = n; i-- > 0;)
        put(b, code >> i & 1, 1);
}

/* The fixed code of a literal/length symbol. */
static void put_fixed(struct bits *b, unsigned sym)
{
    if (sym < 144)
        put_code(b, 0x30 + sym, 8);
    else if (sym < 256)
        put_code(b, 0x190 + sym - 144, 9);
    else if (sym < 280)
        put_code(b, sym - 256, 7);
    else
        put_code(b, 0xc0 + sym - 280, 8);
}

static uint32_t adler(const uint8_t *p, size_t n)
{
    uint32_t a = 1, s = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521;
        s = (s + a) % 65521;
    }
    return s << 16 | a;
}

/* Ends the stream: to the byte, then the Adler-32 of `payload`; returns
 * its length. */
static size_t finish(struct bits *b, const char *payload)
{
    size_t n = (b->bit + 7) / 8;
    uint32_t sum = adler((const uint8_t *)payload, strlen(payload));
    for (int i = 3; i >= 0; i--)
        b->bytes[n++] = (uint8_t)(sum >> (8 * i));
    return n;
}

static bool inflates_to(const struct bits *b, size_t n, const char *payload)
{
    return inflate_exact(b->bytes, n, strlen(payload), (const uint8_t *)payload);
}

static struct bits header(void)
{
    struct bits b = {{0x78, 0x01}, 16}; /* deflate, 32 KiB window, no dictionary */
    return b;
}

static void header_rules(void)
{
    static const uint8_t empty[] = {0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
    CHECK(inflate_exact(empty, sizeof empty, 0, NULL));
    uint8_t s[sizeof empty];
    memcpy(s, empty, sizeof s);
    s[0] = 0x77, s[1] = 0x09; /* CM 7 */
    CHECK((s[0] << 8 | s[1]) % 31 == 0 && !inflate_exact(s, sizeof s, 0, NULL));
    s[0] = 0x88, s[1] = 0x1c; /* CINFO 8: a 64 KiB window */
    CHECK((s[0] << 8 | s[1]) % 31 == 0 && !inflate_exact(s, sizeof s, 0, NULL));
    s[0] = 0x78, s[1] = 0x20; /* FDICT: a preset dictionary */
    CHECK((s[0] << 8 | s[1]) % 31 == 0 && !inflate_exact(s, sizeof s, 0, NULL));
    s[0] = 0x78, s[1] = 0x02; /* a bad header check */
    CHECK(!inflate_exact(s, sizeof s, 0, NULL));
    CHECK(!inflate_exact(empty, 5, 0, NULL));
    CHECK(!inflate_exact(empty, 0, 0, NULL));
}

static void stored_blocks(void)
{
    struct bits b = header();
    put(&b, 1, 1), put(&b, 0, 2); /* the last block, stored */
    b.bit = 24;
    memcpy(b.bytes + 3,
           "\x05\x00\xfa\xff"
           "hello",
           9);
    b.bit += 9 * 8;
    size_t n = finish(&b, "hello");
    CHECK(inflates_to(&b, n, "hello"));
    b.bytes[5] ^= 1; /* NLEN no longer LEN's complement */
    CHECK(!inflates_to(&b, n, "hello"));
    b.bytes[5] ^= 1;
    b.bytes[3] = 0x50, b.bytes[5] = 0xaf; /* LEN 80: past the input */
    CHECK(!inflates_to(&b, n, "hello"));

    /* Two stored blocks, the first not the last. */
    struct bits two = header();
    memcpy(two.bytes + 2,
           "\x00\x02\x00\xfd\xffhe"
           "\x01\x03\x00\xfc\xffllo",
           15);
    two.bit = 17 * 8;
    n = finish(&two, "hello");
    CHECK(inflates_to(&two, n, "hello"));
    two.bytes[2] = 0x01; /* the first block says it is the last */
    CHECK(!inflates_to(&two, n, "hello"));
}

static void fixed_blocks(void)
{
    /* 'a', then a match of length 3 at distance 1: "aaaa". */
    struct bits b = header();
    put(&b, 1, 1), put(&b, 1, 2);
    put_fixed(&b, 'a');
    put_fixed(&b, 257), put_code(&b, 0, 5);
    put_fixed(&b, 256);
    size_t n = finish(&b, "aaaa");
    CHECK(inflates_to(&b, n, "aaaa"));

    /* The match first: its distance reaches before the output. */
    b = header();
    put(&b, 1, 1), put(&b, 1, 2);
    put_fixed(&b, 257), put_code(&b, 0, 5);
    put_fixed(&b, 256);
    n = finish(&b, "aaa");
    CHECK(!inflates_to(&b, n, "aaa"));

    /* Length symbols 286 and 287 exist in the fixed code but mean nothing;
     * so do distance codes 30 and 31. */
    for (unsigned sym = 286; sym <= 287; sym++) {
        b = header();
        put(&b, 1, 1), put(&b, 1, 2);
        put_fixed(&b, 'a'), put_fixed(&b, sym), put_code(&b, 0, 5), put_fixed(&b, 256);
        n = finish(&b, "aaaa");
        CHECK(!inflates_to(&b, n, "aaaa"));
    }
    for (unsigned d = 30; d <= 31; d++) {
        b = header();
        put(&b, 1, 1), put(&b, 1, 2);
        put_fixed(&b, 'a'), put_fixed(&b, 257), put_code(&b, d, 5), put_fixed(&b, 256);
        n = finish(&b, "aaaa");
        CHECK(!inflates_to(&b, n, "aaaa"));
    }

    /* The reserved block type. */
    b = header();
    put(&b, 1, 1), put(&b, 3, 2);
    n = finish(&b, "");
    CHECK(!inflates_to(&b, n, ""));

    /* A block with no end code runs into the checksum and fails. */
    b = header();
    put(&b, 1, 1), put(&b, 1, 2);
    put_fixed(&b, 'a');
    n = finish(&b, "a");
    CHECK(!inflates_to(&b, n, "a"));
}

int main(void)
{
    fixtures();
    truncated();
    flipped();
    header_rules();
    stored_blocks();
    fixed_blocks();
    return unit_done("inflate");
}
