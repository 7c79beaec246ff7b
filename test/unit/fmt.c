/* Unit tests of services/report/fmt: every conversion (%d %i %u %x %s %c
 * %p %%) with the length modifiers l, ll and z, the flags '-', '0' and '\''
 * (grouping), field widths, "(null)", an unknown conversion and a '%' at
 * the end, truncation at every buffer size (never a byte written past
 * cap, always NUL-terminated, the cut length returned), hs_printf into a
 * writer, and hidden addresses. The printf-compatible cases are checked
 * against the C library's snprintf. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "services/report/fmt.h"
#include "unit.h"

/* hs_vformat and vsnprintf agree on fmt with these arguments, in a buffer
 * of plenty. */
__attribute__((format(printf, 2, 3))) static void same_as_libc(int line, const char *fmt, ...)
{
    char got[256], want[256];
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    size_t n = hs_vformat(got, sizeof got, fmt, ap);
    int m = vsnprintf(want, sizeof want, fmt, aq);
    va_end(aq);
    va_end(ap);
    unit_checks++;
    if (strcmp(got, want) != 0 || n != (size_t)m) {
        unit_failures++;
        fprintf(stderr, "%s:%d: format \"%s\": got \"%s\" (%zu), want \"%s\" (%d)\n", __FILE__,
                line, fmt, got, n, want, m);
    }
}
#define SAME(...) same_as_libc(__LINE__, __VA_ARGS__)

static void conversions(void)
{
    SAME("plain text");
    SAME("%d %d %d %d", 0, 7, -7, 123456789);
    SAME("%d %d", INT_MAX, INT_MIN);
    SAME("%i|%5i|%-5i|%05i", 42, 42, 42, 42);
    SAME("%ld %ld", LONG_MAX, LONG_MIN);
    SAME("%lld %lld", LLONG_MAX, LLONG_MIN);
    SAME("%zd", (ssize_t)-12345);
    SAME("%u %u %u", 0u, 1u, UINT_MAX);
    SAME("%lu %llu %zu", ULONG_MAX, ULLONG_MAX, SIZE_MAX);
    SAME("%x %x %x", 0u, 255u, UINT_MAX);
    SAME("%lx %llx %zx", 0xdeadbeefcafeUL, ULLONG_MAX, (size_t)0x1000);
    SAME("%8x|%-8x|%08x", 0xabcu, 0xabcu, 0xabcu);
    SAME("%s|%10s|%-10s|%2s", "abc", "abc", "abc", "abcdef");
    SAME("%s", "");
    SAME("%c%c%c|%3c|%-3c|", 'a', 'b', 'c', 'x', 'y');
    SAME("100%% %d%%", 5);
    SAME("%5d|%-5d|%05d|%1d", 42, 42, 42, 12345);
    SAME("%05d|%03d|%06ld", -42, -42, -12345L); /* sign before zeros */
    SAME("%05u %020llu", 7u, ULLONG_MAX);
    SAME("%%%s%%", "x");
}

/* hs_format without the compiler's format checks, for what it warns of:
 * a NULL string, unknown conversions. */
static size_t unchecked(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = hs_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

static void specials(void)
{
    char buf[64];
    unchecked(buf, sizeof buf, "[%s]", (const char *)NULL);
    CHECK_EQ_S(buf, "[(null)]");
    unchecked(buf, sizeof buf, "[%8s]", (const char *)NULL);
    CHECK_EQ_S(buf, "[  (null)]");
    hs_format(buf, sizeof buf, "%p", (void *)0x7f00dead0010);
    CHECK_EQ_S(buf, "0x7f00dead0010");
    hs_format(buf, sizeof buf, "%p", (void *)0);
    CHECK_EQ_S(buf, "0x0");
    /* An unknown conversion is printed as written; a lone '%' at the end
     * too, and the format's end is not passed. */
    CHECK_EQ_U(unchecked(buf, sizeof buf, "a%qb"), 4);
    CHECK_EQ_S(buf, "a%qb");
    CHECK_EQ_U(unchecked(buf, sizeof buf, "end%"), 4);
    CHECK_EQ_S(buf, "end%");
    CHECK_EQ_U(unchecked(buf, sizeof buf, "%"), 1);
    CHECK_EQ_S(buf, "%");
}

static void grouping(void)
{
    static const struct {
        long long v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {999, "999"},
        {1000, "1,000"},
        {-1000, "-1,000"},
        {12345, "12,345"},
        {123456, "123,456"},
        {1234567, "1,234,567"},
        {-999999, "-999,999"},
        {LLONG_MAX, "9,223,372,036,854,775,807"},
        {LLONG_MIN, "-9,223,372,036,854,775,808"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hs_format(buf, sizeof buf, "%'lld", cases[i].v);
        CHECK_EQ_S(buf, cases[i].text);
    }
    hs_format(buf, sizeof buf, "%'zu", (size_t)1048576);
    CHECK_EQ_S(buf, "1,048,576");
    hs_format(buf, sizeof buf, "%'llu", ULLONG_MAX);
    CHECK_EQ_S(buf, "18,446,744,073,709,551,615");
    hs_format(buf, sizeof buf, "[%'10d]", 1234567); /* the commas count in the width */
    CHECK_EQ_S(buf, "[ 1,234,567]");
    hs_format(buf, sizeof buf, "[%-'10d]", 1234);
    CHECK_EQ_S(buf, "[1,234     ]");
    unchecked(buf, sizeof buf, "[%-05d]", 42); /* '-' wins over '0' */
    CHECK_EQ_S(buf, "[42   ]");
}

/* Every cap from 0 to past the full length, in a buffer of exactly cap
 * bytes (so the sanitizer sees any byte written past it). */
static void truncation(void)
{
    const char *full = "ab 12,345 -7 0x1f xyz %";
    size_t full_len = strlen(full);
    for (size_t cap = 0; cap <= full_len + 2; cap++) {
        char *buf = malloc(cap ? cap : 1);
        memset(buf, '#', cap ? cap : 1);
        size_t n =
            hs_format(cap ? buf : NULL, cap, "ab %'d %d %p %s %%", 12345, -7, (void *)0x1f, "xyz");
        if (cap == 0) {
            CHECK_EQ_U(n, 0);
        } else {
            size_t want = cap - 1 < full_len ? cap - 1 : full_len;
            CHECK_EQ_U(n, want);
            CHECK_EQ_U(strlen(buf), want);
            CHECK(strncmp(buf, full, want) == 0);
        }
        free(buf);
    }
    /* A field wider than the buffer. */
    char small[5];
    CHECK_EQ_U(hs_format(small, sizeof small, "%20d", 1), 4);
    CHECK_EQ_S(small, "    ");
    CHECK_EQ_U(hs_format(small, sizeof small, "%-20s|", "ab"), 4);
    CHECK_EQ_S(small, "ab  ");
}

static void printf_to_writer(void)
{
    struct hs_writer w = {.fd = -1};
    hs_printf(&w, "%s=%'zu;", "bytes", (size_t)65536);
    hs_printf(&w, "%c", '!');
    CHECK_EQ_U(w.len, strlen("bytes=65,536;!"));
    CHECK(memcmp(w.buf, "bytes=65,536;!", w.len) == 0);
    /* A line longer than hs_printf's own buffer is cut, not overrun. */
    char long_text[3000];
    memset(long_text, 'z', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    w.len = 0;
    hs_printf(&w, "%s", long_text);
    CHECK(w.len > 0 && w.len < sizeof long_text - 1);
}

/* Last: it changes %p for the rest of the process. */
static void hidden_addresses(void)
{
    char buf[64];
    hs_fmt_hide_addresses();
    hs_format(buf, sizeof buf, "at %p.", (void *)0x1234);
    CHECK_EQ_S(buf, "at [hidden].");
    hs_format(buf, sizeof buf, "[%10p][%-10p]", (void *)1, (void *)2);
    CHECK_EQ_S(buf, "[  [hidden]][[hidden]  ]");
    hs_format(buf, sizeof buf, "%d %x", 10, 10u); /* numbers still print */
    CHECK_EQ_S(buf, "10 a");
}

int main(void)
{
    conversions();
    specials();
    grouping();
    truncation();
    printf_to_writer();
    hidden_addresses();
    return unit_done("fmt");
}
