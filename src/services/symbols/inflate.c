/* The inflater. A Huffman code is held two ways: codes of up to TABLE_BITS
 * bits are found with one lookup of the next TABLE_BITS input bits, longer
 * ones by comparing the next bits, one more at a time, with the canonical
 * range of codes of each length. Input bits wait in a 64-bit buffer, least
 * significant first; a read past the input's end sets `bad`, and every
 * output write is checked against the buffer's end first. */
#include "services/symbols/inflate.h"

#include <string.h>

#define LONGEST 15 /* the longest code DEFLATE allows */
#define TABLE_BITS 10

struct code {
    uint16_t direct[1 << TABLE_BITS]; /* symbol << 4 | length; 0: longer, or no code */
    uint16_t count[LONGEST + 1];      /* how many codes of each length */
    uint16_t first[LONGEST + 1];      /* the first code of each length */
    uint16_t start[LONGEST + 1];      /* where that length's symbols begin in `sorted` */
    uint16_t sorted[288];             /* the symbols by length, then by value */
};

struct stream {
    const uint8_t *in, *in_end;
    uint64_t bits; /* unread input, the next bit lowest */
    unsigned have; /* how many bits of `bits` are valid */
    bool bad;
    uint8_t *out;
    size_t done, size;
};

static void refill(struct stream *s)
{
    if (s->in_end - s->in >= 8) {
        /* Eight bytes at once; those that do not fit sit above `have` in
         * their right places, and are read again by the next refill. */
        uint64_t word;
        memcpy(&word, s->in, 8);
        s->bits |= word << s->have;
        s->in += (63 - s->have) >> 3;
        s->have |= 56;
        return;
    }
    while (s->have <= 56 && s->in < s->in_end) {
        s->bits |= (uint64_t)*s->in++ << s->have;
        s->have += 8;
    }
}

static void drop(struct stream *s, unsigned n)
{
    s->bits >>= n;
    s->have -= n;
}

/* The next n bits (n <= 16) as a number, first bit lowest. */
static unsigned take(struct stream *s, unsigned n)
{
    if (s->have < n) {
        refill(s);
        if (s->have < n) {
            s->bad = true;
            return 0;
        }
    }
    unsigned v = (unsigned)(s->bits & ((1u << n) - 1));
    drop(s, n);
    return v;
}

/* Sets c up for symbols 0..n-1 of the given code lengths (0: unused).
 * False when the lengths ask for more codes than there are; fewer is
 * allowed, and a bit pattern with no code then fails to decode. */
static bool build(struct code *c, const uint8_t *lengths, unsigned n)
{
    memset(c->count, 0, sizeof c->count);
    for (unsigned sym = 0; sym < n; sym++)
        c->count[lengths[sym]]++;
    c->count[0] = 0;
    unsigned unused = 1, code = 0, index = 0;
    for (unsigned len = 1; len <= LONGEST; len++) {
        if (c->count[len] > 2 * unused)
            return false;
        unused = 2 * unused - c->count[len];
        code = (code + c->count[len - 1]) << 1;
        c->first[len] = (uint16_t)code;
        c->start[len] = (uint16_t)index;
        index += c->count[len];
    }
    uint16_t placed[LONGEST + 1] = {0};
    memset(c->direct, 0, sizeof c->direct);
    for (unsigned sym = 0; sym < n; sym++) {
        unsigned len = lengths[sym];
        if (!len)
            continue;
        unsigned rank = placed[len]++;
        c->sorted[c->start[len] + rank] = (uint16_t)sym;
        if (len > TABLE_BITS)
            continue;
        /* The code goes out first bit first, so it is looked up mirrored. */
        unsigned mirrored = 0, bits = c->first[len] + rank;
        for (unsigned i = 0; i < len; i++)
            mirrored |= (bits >> i & 1) << (len - 1 - i);
        for (unsigned k = mirrored; k < 1u << TABLE_BITS; k += 1u << len)
            c->direct[k] = (uint16_t)(sym << 4 | len);
    }
    return true;
}

/* A symbol whose code is longer than TABLE_BITS, or -1. */
static int long_symbol(struct stream *s, const struct code *c)
{
    unsigned bits = 0;
    for (unsigned len = 1; len <= LONGEST && len <= s->have; len++) {
        bits = bits << 1 | (unsigned)(s->bits >> (len - 1) & 1);
        unsigned rank = bits - c->first[len]; /* wraps when bits < first */
        if (rank < c->count[len]) {
            drop(s, len);
            return c->sorted[c->start[len] + rank];
        }
    }
    s->bad = true;
    return -1;
}

/* The next symbol of code c, or -1. */
static int symbol(struct stream *s, const struct code *c)
{
    if (s->have < LONGEST)
        refill(s);
    unsigned entry = c->direct[s->bits & ((1u << TABLE_BITS) - 1)];
    unsigned len = entry & 15;
    if (len == 0)
        return long_symbol(s, c);
    if (len > s->have) {
        s->bad = true;
        return -1;
    }
    drop(s, len);
    return (int)(entry >> 4);
}

/* Lengths (symbols 257..285) and distances (0..29): base values and extra
 * bits, after RFC 1951 3.2.5. */
struct ranges {
    uint16_t length_base[29], distance_base[30];
    uint8_t length_extra[29], distance_extra[30];
};

static void make_ranges(struct ranges *r)
{
    unsigned base = 3;
    for (unsigned i = 0; i < 28; i++) {
        r->length_extra[i] = (uint8_t)(i < 8 ? 0 : (i - 4) / 4);
        r->length_base[i] = (uint16_t)base;
        base += 1u << r->length_extra[i];
    }
    r->length_extra[28] = 0, r->length_base[28] = 258;
    base = 1;
    for (unsigned i = 0; i < 30; i++) {
        r->distance_extra[i] = (uint8_t)(i < 4 ? 0 : (i - 2) / 2);
        r->distance_base[i] = (uint16_t)base;
        base += 1u << r->distance_extra[i];
    }
}

/* The symbols of one compressed block, up to its end code. */
static bool decode_block(struct stream *s, const struct code *literals,
                         const struct code *distances, const struct ranges *r)
{
    for (;;) {
        int sym = symbol(s, literals);
        if (sym < 0)
            return false;
        if (sym < 256) {
            if (s->done == s->size)
                return false;
            s->out[s->done++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return true;
        if (sym > 285)
            return false;
        size_t length = r->length_base[sym - 257] + take(s, r->length_extra[sym - 257]);
        int d = symbol(s, distances);
        if (d < 0 || d > 29)
            return false;
        size_t distance = r->distance_base[d] + take(s, r->distance_extra[d]);
        if (s->bad || distance > s->done || length > s->size - s->done)
            return false;
        uint8_t *to = s->out + s->done;
        const uint8_t *from = to - distance;
        for (size_t i = 0; i < length; i++) /* from may overlap to */
            to[i] = from[i];
        s->done += length;
    }
}

/* Goes on at the next byte boundary, reading bytes straight from the input:
 * the whole bytes still in the buffer go back to it. */
static void align_to_byte(struct stream *s)
{
    drop(s, s->have & 7);
    s->in -= s->have / 8;
    s->bits = 0, s->have = 0;
}

static bool stored_block(struct stream *s)
{
    align_to_byte(s);
    if (s->in_end - s->in < 4)
        return false;
    size_t length = s->in[0] | s->in[1] << 8, check = s->in[2] | s->in[3] << 8;
    s->in += 4;
    if ((length ^ check) != 0xffff || length > s->size - s->done ||
        length > (size_t)(s->in_end - s->in))
        return false;
    memcpy(s->out + s->done, s->in, length);
    s->done += length;
    s->in += length;
    return true;
}

static bool fixed_block(struct stream *s, struct code *literals, struct code *distances,
                        const struct ranges *r)
{
    uint8_t lengths[288];
    memset(lengths, 8, 144);
    memset(lengths + 144, 9, 112);
    memset(lengths + 256, 7, 24);
    memset(lengths + 280, 8, 8);
    build(literals, lengths, 288);
    memset(lengths, 5, 30);
    build(distances, lengths, 30);
    return decode_block(s, literals, distances, r);
}

static bool dynamic_block(struct stream *s, struct code *literals, struct code *distances,
                          const struct ranges *r)
{
    /* The order in which the code-length code's own lengths are sent. */
    static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    unsigned n_literals = take(s, 5) + 257, n_distances = take(s, 5) + 1;
    unsigned n_order = take(s, 4) + 4;
    if (s->bad || n_literals > 286 || n_distances > 30)
        return false;
    uint8_t lengths[286 + 30] = {0};
    for (unsigned i = 0; i < n_order; i++)
        lengths[order[i]] = (uint8_t)take(s, 3);
    struct code *length_code = distances; /* free until the distances are read */
    if (s->bad || !build(length_code, lengths, 19))
        return false;
    unsigned total = n_literals + n_distances;
    for (unsigned i = 0; i < total;) {
        int sym = symbol(s, length_code);
        if (sym < 0)
            return false;
        if (sym < 16) {
            lengths[i++] = (uint8_t)sym;
            continue;
        }
        uint8_t value = 0;
        unsigned times;
        if (sym == 16) { /* the previous length, 3 to 6 times */
            if (i == 0)
                return false;
            value = lengths[i - 1];
            times = 3 + take(s, 2);
        } else if (sym == 17) { /* zeros, 3 to 10 */
            times = 3 + take(s, 3);
        } else { /* zeros, 11 to 138 */
            times = 11 + take(s, 7);
        }
        if (s->bad || times > total - i)
            return false;
        memset(lengths + i, value, times);
        i += times;
    }
    if (lengths[256] == 0) /* a block must be able to end */
        return false;
    if (!build(literals, lengths, n_literals) ||
        !build(distances, lengths + n_literals, n_distances))
        return false;
    return decode_block(s, literals, distances, r);
}

static uint32_t adler32(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    while (n) {
        size_t run = n < 5552 ? n : 5552; /* the most that cannot overflow b */
        n -= run;
        while (run--) {
            a += *p++;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    return b << 16 | a;
}

bool hs_inflate_zlib(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
    /* The header: deflate, a window of at most 32 KiB, no preset
     * dictionary, and a check of its own. */
    if (in_len < 6 || (in[0] & 0x0f) != 8 || in[0] >> 4 > 7 || (in[1] & 0x20) ||
        (in[0] << 8 | in[1]) % 31 != 0)
        return false;
    struct stream s = {.in = in + 2, .in_end = in + in_len, .out = out, .size = out_len};
    struct code literals, distances;
    struct ranges r;
    make_ranges(&r);
    bool last = false;
    while (!last) {
        last = take(&s, 1);
        unsigned type = take(&s, 2);
        bool ok = !s.bad && (type == 0   ? stored_block(&s)
                             : type == 1 ? fixed_block(&s, &literals, &distances, &r)
                             : type == 2 ? dynamic_block(&s, &literals, &distances, &r)
                                         : false);
        if (!ok || s.bad)
            return false;
    }
    /* The Adler-32 of the output, most significant byte first. */
    align_to_byte(&s);
    if (s.in_end - s.in < 4 || s.done != s.size)
        return false;
    uint32_t sum = (uint32_t)s.in[0] << 24 | (uint32_t)s.in[1] << 16 | s.in[2] << 8 | s.in[3];
    return sum == adler32(out, out_len);
}
