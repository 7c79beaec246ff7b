/* Name patterns, as suppressions and HEAPSHIM_FAIL_IN write them: PATTERN
 * matches as a substring, '*' stands for any run of characters, and a
 * leading '^' or trailing '$' anchors it. */
#ifndef HS_PATTERN_H
#define HS_PATTERN_H

#include <stdbool.h>

/* False when s is NULL. */
bool hs_pattern_matches(const char *pattern, const char *s);

#endif
