/* Unit tests of services/report/escape: hs_text_string's escapes (the
 * short ones, \xNN for control characters, C1, the line separators and
 * bidirectional overrides, and for every byte of malformed UTF-8) and
 * hs_json_string's (\uXXXX for control characters, one \ufffd per maximal
 * subpart of malformed UTF-8, Unicode's own example included, null for
 * NULL). Both are checked on hand-made cases and on random byte strings
 * against what Python's decoder makes of them (fixture_escape.py); the
 * text form is read back to the exact bytes, and both forms are checked
 * to be valid UTF-8 with iconv. */
#include <iconv.h>
#include <stdlib.h>

#include "escape_fixtures.h"
#include "services/report/escape.h"
#include "unit.h"

/* What writing s through `escape` puts into a writer, NUL-terminated; the
 * writer must not have flushed (the strings here are short). */
static const char *escaped(void (*escape)(struct hs_writer *, const char *), const char *s)
{
    static struct hs_writer w;
    static char out[sizeof w.buf + 1];
    w = (struct hs_writer){.fd = -1};
    escape(&w, s);
    if (w.len == sizeof w.buf)
        CHECK(!"the escaped text fits the writer's buffer");
    memcpy(out, w.buf, w.len);
    out[w.len] = '\0';
    return out;
}

/* The bytes a text escape stands for; -1 if malformed. */
static int unescape_text(const char *in, char *out)
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p != '\\') {
            out[n++] = *p;
            continue;
        }
        switch (*++p) {
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case '\\': out[n++] = '\\'; break;
        case 'x': {
            char hex[3] = {p[1], p[2], 0}, *end;
            long v = strtol(hex, &end, 16);
            if (end != hex + 2)
                return -1;
            out[n++] = (char)v;
            p += 2;
            break;
        }
        default: return -1;
        }
    }
    out[n] = '\0';
    return (int)n;
}

/* Whether s is well-formed UTF-8, as glibc's iconv decides. */
static bool valid_utf8(const char *s)
{
    static iconv_t cd;
    if (!cd)
        cd = iconv_open("UTF-32LE", "UTF-8");
    iconv(cd, NULL, NULL, NULL, NULL); /* a fresh state */
    char *in = (char *)s, buf[16384], *out = buf;
    size_t in_left = strlen(s), out_left = sizeof buf;
    size_t r = iconv(cd, &in, &in_left, &out, &out_left);
    return r != (size_t)-1 && in_left == 0;
}

static void text_cases(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"plain /usr/lib/x.so", "plain /usr/lib/x.so"},
        {"a\\b", "a\\\\b"},
        {"l1\nl2\r\tx", "l1\\nl2\\r\\tx"},
        {"\x01\x1b[31m\x7f", "\\x01\\x1b[31m\\x7f"},
        {"caf\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbd", "caf\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbd"},
        {"\xc2\x85", "\\xc2\\x85"}, /* C1 NEL */
        {"\xc2\xa0", "\xc2\xa0"},   /* U+00A0 prints */
        {"\xe2\x80\xa8\xe2\x80\xa9", "\\xe2\\x80\\xa8\\xe2\\x80\\xa9"},
        {"\xe2\x80\xae"
         "abc",
         "\\xe2\\x80\\xae"
         "abc"}, /* RLO */
        {"\xe2\x81\xa6\xe2\x81\xa9", "\\xe2\\x81\\xa6\\xe2\\x81\\xa9"},
        {"\xe2\x81\xaa", "\xe2\x81\xaa"}, /* U+206A is not an isolate */
        {"\x80\xff", "\\x80\\xff"},
        {"\xc0\x80", "\\xc0\\x80"},                   /* overlong NUL */
        {"\xed\xa0\x80", "\\xed\\xa0\\x80"},          /* a surrogate */
        {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"}, /* past U+10FFFF */
        {"x\xe2\x82", "x\\xe2\\x82"},                 /* cut at the end */
        {"\xe2\x82"
         "a",
         "\\xe2\\x82"
         "a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK_EQ_S(escaped(hs_text_string, cases[i].in), cases[i].out);
}

static void json_cases(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "\"\""},
        {"say \"hi\"", "\"say \\\"hi\\\"\""},
        {"a\\b\n\r\t", "\"a\\\\b\\n\\r\\t\""},
        {"\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""},
        {"\xc2\x9b", "\"\\u009b\""},
        {"\xe2\x80\xa8|\xe2\x80\xad|\xe2\x81\xa8", "\"\\u2028|\\u202d|\\u2068\""},
        {"caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\""},
        {"\xef\xbf\xbd", "\"\xef\xbf\xbd\""},          /* a real U+FFFD stays */
        {"\xc0\x80", "\"\\ufffd\\ufffd\""},            /* C0 is never a lead */
        {"\xe0\x80\x80", "\"\\ufffd\\ufffd\\ufffd\""}, /* overlong: E0 wants A0..BF */
        {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""}, /* a surrogate */
        {"\xf0\x9f\x98", "\"\\ufffd\""},               /* one cut character: one */
        {"\xf0\x9f\x98x", "\"\\ufffdx\""},
        {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
        {"\xf5\x80", "\"\\ufffd\\ufffd\""},
        /* Unicode's example of maximal subparts (section 3.9, U+FFFD). */
        {"\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64",
         "\"a\\ufffd\\ufffd\\ufffdb\\ufffdc\\ufffd\\ufffdd\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK_EQ_S(escaped(hs_json_string, cases[i].in), cases[i].out);
    struct hs_writer w = {.fd = -1};
    hs_json_string(&w, NULL);
    CHECK(w.len == 4 && memcmp(w.buf, "null", 4) == 0);
}

/* Every case of the fixture: the text and JSON forms Python made, the
 * text form read back to the bytes, both valid UTF-8 with no raw control
 * character (no line can be broken or reordered). */
static void random_cases(void)
{
    char back[4096];
    unsigned text_bad = 0, json_bad = 0, round_bad = 0, invalid = 0;
    for (size_t i = 0; i < sizeof escape_cases / sizeof *escape_cases; i++) {
        const char *raw = escape_cases[i].raw;
        const char *text = escaped(hs_text_string, raw);
        text_bad += strcmp(text, escape_cases[i].text) != 0;
        round_bad += unescape_text(text, back) < 0 || strcmp(back, raw) != 0;
        invalid += !valid_utf8(text);
        for (const unsigned char *p = (const unsigned char *)text; *p; p++)
            invalid += *p < 0x20 || *p == 0x7f;
        const char *json = escaped(hs_json_string, raw);
        json_bad += strcmp(json, escape_cases[i].json) != 0;
        invalid += !valid_utf8(json);
        if (text_bad + json_bad + round_bad + invalid == 1 && (text_bad || json_bad))
            fprintf(stderr, "first mismatch: case %zu\n", i);
    }
    CHECK_EQ_U(text_bad, 0);
    CHECK_EQ_U(json_bad, 0);
    CHECK_EQ_U(round_bad, 0);
    CHECK_EQ_U(invalid, 0);
}

/* Every byte value 1..255 alone, and every pair: the text form reads back. */
static void every_byte(void)
{
    char s[3] = {0}, back[64];
    unsigned bad = 0;
    for (int a = 1; a < 256; a++) {
        for (int b = 0; b < 256; b++) {
            s[0] = (char)a;
            s[1] = (char)b;
            const char *text = escaped(hs_text_string, s);
            bad += unescape_text(text, back) < 0 || strcmp(back, s) != 0 || !valid_utf8(text);
            bad += !valid_utf8(escaped(hs_json_string, s));
        }
    }
    CHECK_EQ_U(bad, 0);
}

int main(void)
{
    text_cases();
    json_cases();
    random_cases();
    every_byte();
    return unit_done("escape");
}
