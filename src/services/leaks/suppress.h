/* Leak suppressions: a file of LeakSanitizer-style lines,
 *     leak:PATTERN
 * with '#' starting a comment. A leak group is suppressed when PATTERN
 * matches the function, source file or module of any frame of its
 * allocation stack. PATTERN matches as a substring, '*' stands for any run
 * of characters, and a leading '^' or trailing '$' anchors it. */
#ifndef HS_SUPPRESS_H
#define HS_SUPPRESS_H

#include <stddef.h>

#include "services/unwind/depot.h"

#define HS_SUPPRESSIONS_MAX 256

/* Reads the suppressions file at `path` (HEAPSHIM_SUPPRESSIONS). Returns
 * NULL, or why the file is refused (it cannot be read, is not a regular
 * file, is too large, has a line not understood or too many patterns), in
 * static storage: for the caller to report as a configuration error. */
const char *hs_suppressions_load(const char *path);

/* The index of the first pattern that matches the stack, or -1. */
int hs_suppression_match(const struct hs_stack *stack);

size_t hs_suppression_count(void);
const char *hs_suppression_pattern(int index);

#endif
