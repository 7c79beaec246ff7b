/* Escaping names for reports.
 *
 * Both escapers walk the string one character at a time with a strict UTF-8
 * decoder (Unicode's table 3-7: no overlong forms, no surrogates, nothing
 * past U+10FFFF, no truncated sequences), so that what they pass through is
 * well-formed UTF-8. Bytes that form no character are taken as Unicode's
 * "maximal subparts" (a lead byte with the continuation bytes that fit it,
 * or a lone byte), the same units in which Python's errors="replace", the
 * WHATWG decoder and ICU put one U+FFFD. Runs of characters that need no
 * escape are written in one piece. */
#include "services/report/escape.h"

#include <stdbool.h>
#include <stdint.h>

/* The length (1 to 4) of what s starts with (not NUL): a well-formed UTF-8
 * character, its code point in *cp and *valid true, or a maximal subpart
 * of one, *valid false. s is NUL-terminated, and NUL is never a
 * continuation byte, so no read passes the end. */
static unsigned utf8_char(const unsigned char *s, uint32_t *cp, bool *valid)
{
    unsigned char c = s[0], low = 0x80, high = 0xbf;
    unsigned len;
    uint32_t v;
    *valid = c < 0x80;
    *cp = c;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f;
        low = c == 0xe0 ? 0xa0 : low;   /* overlong */
        high = c == 0xed ? 0x9f : high; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07;
        low = c == 0xf0 ? 0x90 : low;   /* overlong */
        high = c == 0xf4 ? 0x8f : high; /* past U+10FFFF */
    } else {
        return 1;
    }
    for (unsigned i = 1; i < len; i++) {
        if (s[i] < low || s[i] > high)
            return i;
        v = v << 6 | (s[i] & 0x3f);
        low = 0x80, high = 0xbf;
    }
    *cp = v;
    *valid = true;
    return len;
}

/* Characters that move the cursor, end a line, or reorder what follows on
 * a terminal or in an editor: never written as they are. */
static bool controls(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The two-character escape both formats share, or 0. */
static char short_escape(uint32_t cp)
{
    switch (cp) {
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    case '\\': return '\\';
    default: return 0;
    }
}

static const char hex[] = "0123456789abcdef";

/* Walks s; characters for which `plain` holds are gathered into runs and
 * written as they are, every other one, and each maximal subpart of bytes
 * that form none (valid false), is handed to `escape` with its length. */
static void walk(struct hs_writer *w, const char *s, bool (*plain)(uint32_t cp),
                 void (*escape)(struct hs_writer *w, const unsigned char *at, unsigned len,
                                bool valid, uint32_t cp))
{
    const unsigned char *p = (const unsigned char *)s, *run = p;
    while (*p) {
        uint32_t cp;
        bool valid;
        unsigned len = utf8_char(p, &cp, &valid);
        if (valid && plain(cp)) {
            p += len;
            continue;
        }
        hs_writer_put(w, (const char *)run, (size_t)(p - run));
        escape(w, p, len, valid, cp);
        p += len;
        run = p;
    }
    hs_writer_put(w, (const char *)run, (size_t)(p - run));
}

static bool text_plain(uint32_t cp) { return cp != '\\' && !controls(cp); }

static void text_escape(struct hs_writer *w, const unsigned char *at, unsigned len, bool valid,
                        uint32_t cp)
{
    char e[2] = {'\\', valid ? short_escape(cp) : 0};
    if (e[1]) {
        hs_writer_put(w, e, 2);
        return;
    }
    for (unsigned i = 0; i < len; i++) {
        char x[4] = {'\\', 'x', hex[at[i] >> 4], hex[at[i] & 15]};
        hs_writer_put(w, x, 4);
    }
}

void hs_text_string(struct hs_writer *w, const char *s) { walk(w, s, text_plain, text_escape); }

static bool json_plain(uint32_t cp) { return cp != '"' && cp != '\\' && !controls(cp); }

static void json_escape(struct hs_writer *w, const unsigned char *at, unsigned len, bool valid,
                        uint32_t cp)
{
    (void)at, (void)len;
    if (!valid)
        cp = 0xfffd;
    char e[6] = {'\\', cp == '"' ? '"' : short_escape(cp)};
    if (e[1]) {
        hs_writer_put(w, e, 2);
        return;
    }
    e[1] = 'u';
    for (int i = 0; i < 4; i++)
        e[2 + i] = hex[cp >> (12 - 4 * i) & 15];
    hs_writer_put(w, e, 6);
}

void hs_json_string(struct hs_writer *w, const char *s)
{
    if (!s) {
        hs_writer_puts(w, "null");
        return;
    }
    hs_writer_puts(w, "\"");
    walk(w, s, json_plain, json_escape);
    hs_writer_puts(w, "\"");
}
