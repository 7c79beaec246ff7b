/* Leak suppressions: the patterns live in one static buffer, read once.
 * What is wrong with the file is returned, not reported: the caller names
 * the variable that gave the path. */
#include "services/leaks/suppress.h"

#include <string.h>

#include "services/core/os.h"
#include "services/report/fmt.h"
#include "services/report/outfile.h"
#include "services/symbols/pattern.h"
#include "services/symbols/symbolize.h"

static char text[65536];
static const char *patterns[HS_SUPPRESSIONS_MAX];
static size_t pattern_count;
static char refusal[256];

/* The file into `text`, or -1 with `refusal` saying why: anything but a
 * readable regular file (a directory, a FIFO, which must not hang the
 * program, a device) is refused. */
static ssize_t read_text(const char *path)
{
    int error;
    mode_t mode;
    ssize_t len = hs_os_read_regular_file(path, text, sizeof text, &error, &mode);
    if (len >= 0)
        return len;
    if (error)
        hs_format(refusal, sizeof refusal, "the file cannot be read: %s", hs_errno_text(error));
    else
        hs_format(refusal, sizeof refusal, "the file cannot be read: it is %s, not a regular file",
                  hs_file_type_name(mode));
    return -1;
}

/* Keeps the pattern of one line, trimmed and NUL-terminated in place;
 * returns NULL, or why the line is refused. */
static const char *take_line(char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    char *end = line + strlen(line);
    while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    if (!*line || *line == '#')
        return NULL;
    if (strncmp(line, "leak:", 5) != 0 || !line[5])
        return "every line must be 'leak:PATTERN' or a '#' comment";
    if (pattern_count == HS_SUPPRESSIONS_MAX) {
        hs_format(refusal, sizeof refusal, "more than %d patterns", HS_SUPPRESSIONS_MAX);
        return refusal;
    }
    patterns[pattern_count++] = line + 5;
    return NULL;
}

const char *hs_suppressions_load(const char *path)
{
    ssize_t len = read_text(path);
    if (len < 0)
        return refusal;
    if ((size_t)len == sizeof text - 1) {
        hs_format(refusal, sizeof refusal, "the file is larger than %zu KiB", sizeof text / 1024);
        return refusal;
    }
    for (char *line = text; line && *line;) {
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = '\0';
        const char *why = take_line(line);
        if (why) {
            pattern_count = 0; /* a refused file suppresses nothing */
            return why;
        }
        line = eol ? eol + 1 : NULL;
    }
    return NULL;
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
            if (hs_pattern_matches(patterns[k], f.function) ||
                hs_pattern_matches(patterns[k], f.file) ||
                hs_pattern_matches(patterns[k], f.module))
                return (int)k;
    }
    return -1;
}

size_t hs_suppression_count(void) { return pattern_count; }

const char *hs_suppression_pattern(int index) { return patterns[index]; }
