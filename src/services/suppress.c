/* Leak suppressions: the patterns live in one static buffer, read once. */
#include "suppress.h"

#include <string.h>

#include "../config.h"
#include "os.h"
#include "symbolize.h"

static char text[65536];
static const char *patterns[HS_SUPPRESSIONS_MAX];
static size_t pattern_count;

void hs_suppressions_load(const char *path)
{
    ssize_t len = hs_os_read_file(path, text, sizeof text);
    if (len < 0)
        hs_config_error("HEAPSHIM_SUPPRESSIONS", path, "the file cannot be read");
    if ((size_t)len == sizeof text - 1)
        hs_config_error("HEAPSHIM_SUPPRESSIONS", path, "the file is larger than 64 KiB");
    for (char *line = text; line && *line;) {
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        char *end = line + strlen(line);
        while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
            *--end = '\0';
        if (*line && *line != '#') {
            if (strncmp(line, "leak:", 5) != 0 || !line[5])
                hs_config_error("HEAPSHIM_SUPPRESSIONS", path,
                                "every line must be 'leak:PATTERN' or a '#' comment");
            if (pattern_count == HS_SUPPRESSIONS_MAX)
                hs_config_error("HEAPSHIM_SUPPRESSIONS", path, "more than 256 patterns");
            patterns[pattern_count++] = line + 5;
        }
        line = eol ? eol + 1 : NULL;
    }
}

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
static bool matches(const char *pattern, const char *s)
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

int hs_suppression_match(const struct hs_stack *stack)
{
    if (!stack || pattern_count == 0)
        return -1;
    for (unsigned i = 0; i < stack->depth; i++) {
        struct hs_frame f;
        if (!hs_symbolize(stack->pcs[i], true, &f))
            continue;
        for (size_t k = 0; k < pattern_count; k++)
            if (matches(patterns[k], f.function) || matches(patterns[k], f.file) ||
                matches(patterns[k], f.module))
                return (int)k;
    }
    return -1;
}

size_t hs_suppression_count(void)
{
    return pattern_count;
}

const char *hs_suppression_pattern(int index)
{
    return patterns[index];
}
