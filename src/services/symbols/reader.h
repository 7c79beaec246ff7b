/* A bounded reader of binary tables (ELF notes, .eh_frame, .debug_line):
 * every read checks the end first, and a read past it sets `bad` and
 * yields 0, so a truncated or corrupt table ends a parse instead of the
 * process. Little-endian, as on every target the shim builds for. */
#ifndef HS_READER_H
#define HS_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct hs_reader {
    const uint8_t *p, *end;
    bool bad;
};

static inline uint64_t hs_read_bytes(struct hs_reader *r, unsigned n)
{
    uint64_t v = 0;
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return 0;
    }
    memcpy(&v, r->p, n);
    r->p += n;
    return v;
}

static inline uint64_t hs_read_uleb(struct hs_reader *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; !r->bad; shift += 7) {
        uint8_t b = (uint8_t)hs_read_bytes(r, 1);
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return v;
}

static inline int64_t hs_read_sleb(struct hs_reader *r)
{
    uint64_t v = 0; /* unsigned: shifting into the sign bit is undefined */
    unsigned shift = 0;
    uint8_t b = 0x80;
    while (!r->bad && (b & 0x80)) {
        b = (uint8_t)hs_read_bytes(r, 1);
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    }
    if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    return (int64_t)v;
}

/* Skips n bytes. */
static inline void hs_read_skip(struct hs_reader *r, uint64_t n)
{
    if (r->bad || n > (uint64_t)(r->end - r->p))
        r->bad = true;
    else
        r->p += n;
}

#endif
