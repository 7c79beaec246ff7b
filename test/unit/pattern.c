/* Unit tests of services/symbols/pattern: substring matching, '*' (any
 * run, empty included, several, at either end), the anchors '^' and '$'
 * (alone, together, with '*'), the empty pattern, and NULL names. */
#include "services/symbols/pattern.h"
#include "unit.h"

static const struct {
    const char *pattern, *name;
    bool matches;
} cases[] = {
    {"alloc", "my_alloc_fn", true},
    {"alloc", "allo", false},
    {"alloc", "ALLOC", false},
    {"", "anything", true},
    {"", "", true},
    {"x", "", false},
    {"^my", "my_alloc", true},
    {"^my", "not_my", false},
    {"fn$", "my_alloc_fn", true},
    {"fn$", "fn_not_last", false},
    {"^exact$", "exact", true},
    {"^exact$", "exactly", false},
    {"^exact$", "inexact", false},
    {"^$", "", true},
    {"^$", "x", false},
    {"^", "x", true},
    {"$", "x", true},
    {"a*c", "abbbc", true},
    {"a*c", "ac", true}, /* '*' may be empty */
    {"a*c", "ab", false},
    {"*", "", true},
    {"^*$", "whatever", true},
    {"^lib*.so$", "libfoo.so", true},
    {"^lib*.so$", "libfoo.so.6", false},
    {"^lib*.so", "libfoo.so.6", true},
    {"a*b*c", "xxaybzczz", true},
    {"a*b*c", "xxaybz", false},
    {"^a*b*c$", "aXbYc", true},
    {"^a*b*c$", "aXbYcZ", false},
    {"*foo", "barfoo", true},
    {"foo*", "foobar", true},
    {"^*foo$", "barfoo", true},
    {"/usr/lib/", "/usr/lib/x86_64-linux-gnu/libc.so.6", true},
    {"a$b", "a$b", true},  /* '$' anchors only at the end */
    {"a^b", "xa^b", true}, /* '^' anchors only at the start */
    {"^^x", "^x", true},
    {"x$$", "x$", true},
    {"**", "abc", true},
    {"^a**b$", "ab", true},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bool got = hs_pattern_matches(cases[i].pattern, cases[i].name);
        if (got != cases[i].matches)
            fprintf(stderr, "pattern \"%s\" on \"%s\": got %d\n", cases[i].pattern, cases[i].name,
                    got);
        CHECK(got == cases[i].matches);
    }
    CHECK(!hs_pattern_matches("", NULL));
    CHECK(!hs_pattern_matches("x", NULL));
    return unit_done("pattern");
}
