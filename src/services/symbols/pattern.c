/* Name patterns. */
#include "services/symbols/pattern.h"

#include <string.h>

/* Matches pattern[0..plen), where '*' is any run, against the start of
 * s[0..slen): all of it if `whole`, else any prefix. */
static bool glob(const char *pattern, size_t plen, const char *s, size_t slen, bool whole)
{
    if (plen == 0)
        return !whole || slen == 0;
    if (*pattern == '*') {
        for (size_t skip = 0; skip <= slen; skip++)
            if (glob(pattern + 1, plen - 1, s + skip, slen - skip, whole))
                return true;
        return false;
    }
    return slen > 0 && *pattern == *s && glob(pattern + 1, plen - 1, s + 1, slen - 1, whole);
}

/* A substring match unless anchored: "^x" pins the start, "x$" the end. */
bool hs_pattern_matches(const char *pattern, const char *s)
{
    if (!s)
        return false;
    size_t plen = strlen(pattern), slen = strlen(s);
    bool at_start = pattern[0] == '^';
    bool at_end = plen > (size_t)at_start && pattern[plen - 1] == '$';
    const char *core = pattern + at_start;
    size_t core_len = plen - at_start - at_end;
    for (size_t from = 0; from <= (at_start ? 0 : slen); from++)
        if (glob(core, core_len, s + from, slen - from, at_end))
            return true;
    return false;
}
