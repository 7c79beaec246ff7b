/* The unit tests' framework: CHECK(expr) prints file:line and the
 * expression when it does not hold and counts the failure; CHECK_EQ_U and
 * CHECK_EQ_S also print the two values; unit_random() gives repeatable
 * pseudo-random numbers; unit_done() says how many checks
 * failed and returns the exit status (0 if none). A test program is an
 * ordinary main() calling its test functions and returning unit_done(). */
#ifndef HS_UNIT_H
#define HS_UNIT_H

#include <stdio.h>
#include <string.h>

static unsigned unit_checks, unit_failures;

#define CHECK(expr) \
    do { \
        unit_checks++; \
        if (!(expr)) { \
            unit_failures++; \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
        } \
    } while (0)

/* Two unsigned integers, equal. */
#define CHECK_EQ_U(got, want) \
    do { \
        unsigned long long unit_got_ = (got), unit_want_ = (want); \
        unit_checks++; \
        if (unit_got_ != unit_want_) { \
            unit_failures++; \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%llu != %llu)\n", __FILE__, __LINE__, \
                    #got, #want, unit_got_, unit_want_); \
        } \
    } while (0)

/* Two strings (either may be NULL), equal. */
#define CHECK_EQ_S(got, want) \
    do { \
        const char *unit_got_ = (got), *unit_want_ = (want); \
        unit_checks++; \
        if (!unit_got_ || !unit_want_ ? unit_got_ != unit_want_ \
                                      : strcmp(unit_got_, unit_want_) != 0) { \
            unit_failures++; \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, \
                    __LINE__, #got, #want, unit_got_ ? unit_got_ : "(null)", \
                    unit_want_ ? unit_want_ : "(null)"); \
        } \
    } while (0)

/* A fixed sequence of pseudo-random numbers (xorshift64), the same at
 * every run, so that a failure can be replayed. */
static inline unsigned long long unit_random(void)
{
    static unsigned long long state = 0x243f6a8885a308d3ull;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* Prints "NAME: N checks, F failed" and returns the exit status. */
static inline int unit_done(const char *name)
{
    fprintf(stderr, "%s: %u checks, %u failed\n", name, unit_checks, unit_failures);
    return unit_failures ? 1 : 0;
}

#endif
