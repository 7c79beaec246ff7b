/* Unit tests of services/symbols/reader.h, the bounded reader under the
 * CFI and DWARF parsers: fixed-size reads, ULEB128 and SLEB128 (one byte,
 * several, the largest and most negative 64-bit values, overlong ones),
 * skips, and what a read past the end does: it sets `bad`, yields 0, and
 * every later read fails too. Each input lies in a heap buffer of exactly
 * its size, so the sanitizer sees any read past it. */
#include <stdint.h>
#include <stdlib.h>

#include "services/symbols/reader.h"
#include "unit.h"

/* A reader over a heap copy of the n bytes (free r->p's start after). */
static struct hs_reader reader_of(const void *bytes, size_t n, uint8_t **copy)
{
    *copy = malloc(n);
    memcpy(*copy, bytes, n);
    return (struct hs_reader){*copy, *copy + n, false};
}

static void fixed_size(void)
{
    uint8_t *copy;
    struct hs_reader r = reader_of("\x01\x02\x03\x04\x05\x06\x07", 7, &copy);
    CHECK_EQ_U(hs_read_bytes(&r, 1), 0x01);
    CHECK_EQ_U(hs_read_bytes(&r, 2), 0x0302);
    CHECK_EQ_U(hs_read_bytes(&r, 4), 0x07060504);
    CHECK(!r.bad);
    CHECK_EQ_U(hs_read_bytes(&r, 1), 0); /* past the end */
    CHECK(r.bad);
    free(copy);

    r = reader_of("\xaa\xbb\xcc", 3, &copy);
    CHECK_EQ_U(hs_read_bytes(&r, 4), 0); /* wider than what is left */
    CHECK(r.bad && r.p == copy);         /* nothing consumed */
    CHECK_EQ_U(hs_read_bytes(&r, 1), 0); /* and it stays bad */
    free(copy);
}

static void uleb(void)
{
    static const struct {
        const char *bytes;
        size_t n;
        uint64_t value;
    } cases[] = {
        {"\x00", 1, 0},
        {"\x7f", 1, 127},
        {"\x80\x01", 2, 128},
        {"\xe5\x8e\x26", 3, 624485},
        {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, UINT64_MAX},
        {"\x80\x80\x80\x00", 4, 0}, /* overlong zero */
        /* Past 64 bits: the high bits are dropped, the bytes consumed. */
        {"\x81\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 12, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint8_t *copy;
        struct hs_reader r = reader_of(cases[i].bytes, cases[i].n, &copy);
        CHECK_EQ_U(hs_read_uleb(&r), cases[i].value);
        CHECK(!r.bad && r.p == r.end);
        free(copy);
        /* Cut before its last byte: bad. */
        r = reader_of(cases[i].bytes, cases[i].n - 1, &copy);
        hs_read_uleb(&r);
        CHECK(r.bad || cases[i].n == 1);
        free(copy);
    }
}

static void sleb(void)
{
    static const struct {
        const char *bytes;
        size_t n;
        int64_t value;
    } cases[] = {
        {"\x00", 1, 0},
        {"\x02", 1, 2},
        {"\x7e", 1, -2},
        {"\x3f", 1, 63},
        {"\x40", 1, -64},
        {"\xff\x00", 2, 127},
        {"\x81\x7f", 2, -127},
        {"\x80\x01", 2, 128},
        {"\x80\x7f", 2, -128},
        {"\xc0\xbb\x78", 3, -123456},
        {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 10, INT64_MAX},
        {"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 10, INT64_MIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint8_t *copy;
        struct hs_reader r = reader_of(cases[i].bytes, cases[i].n, &copy);
        int64_t v = hs_read_sleb(&r);
        if (v != cases[i].value)
            fprintf(stderr, "sleb case %zu: %lld\n", i, (long long)v);
        CHECK(v == cases[i].value);
        CHECK(!r.bad && r.p == r.end);
        free(copy);
        if (cases[i].n > 1) {
            r = reader_of(cases[i].bytes, cases[i].n - 1, &copy);
            hs_read_sleb(&r);
            CHECK(r.bad);
            free(copy);
        }
    }
}

static void skips(void)
{
    uint8_t *copy;
    struct hs_reader r = reader_of("abcdef", 6, &copy);
    hs_read_skip(&r, 2);
    CHECK_EQ_U(hs_read_bytes(&r, 1), 'c');
    hs_read_skip(&r, 3);
    CHECK(!r.bad && r.p == r.end);
    hs_read_skip(&r, 0);
    CHECK(!r.bad);
    hs_read_skip(&r, 1);
    CHECK(r.bad);
    free(copy);
    r = reader_of("abcdef", 6, &copy);
    hs_read_skip(&r, UINT64_MAX); /* a length from a corrupt table */
    CHECK(r.bad && r.p == copy);
    free(copy);
}

int main(void)
{
    fixed_size();
    uleb();
    sleb();
    skips();
    return unit_done("reader");
}
