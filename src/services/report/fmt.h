/* Formatting without stdio: a small printf that never allocates.
 * Conversions: %d %i %u %x %s %c %p %%; length modifiers l, ll, z; flags '-'
 * (left-justify), '0' (zero-pad) and '\'' (group thousands with commas, as
 * valgrind prints byte counts); a decimal field width. %s of NULL prints
 * "(null)". %p is for addresses only, and prints "[hidden]" once
 * hs_fmt_hide_addresses has been called. */
#ifndef HS_FMT_H
#define HS_FMT_H

#include <stdarg.h>
#include <stddef.h>

#include "services/report/writer.h"

/* Formats into buf (always NUL-terminated when cap > 0); returns the length
 * written, cut to cap - 1. */
size_t hs_vformat(char *buf, size_t cap, const char *fmt, va_list ap);
size_t hs_format(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void hs_printf(struct hs_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* From now on, for the rest of the process, %p prints "[hidden]": in secure
 * execution no output may show where anything lies (config.h). Called once,
 * before anything is written. */
void hs_fmt_hide_addresses(void);

#endif
