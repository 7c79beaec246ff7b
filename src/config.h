/* Configuration: every HEAPSHIM_* variable, read once from the environment
 * before the first allocation is served. A value that is not understood is
 * never replaced by a default: the process is stopped with status 2 and one
 * line naming the variable, the value and what is accepted. */
#ifndef HS_CONFIG_H
#define HS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hs_backend_id { HS_BACKEND_DEBUG, HS_BACKEND_ARENA, HS_BACKEND_PAGE, HS_BACKEND_LIBC };
enum hs_report_format { HS_FORMAT_TEXT, HS_FORMAT_JSON };
enum hs_on_error { HS_ON_ERROR_ABORT, HS_ON_ERROR_CONTINUE };
enum hs_page_guard { HS_GUARD_AFTER, HS_GUARD_BEFORE };

#define HS_PATH_MAX 4096

struct hs_config {
    enum hs_backend_id backend;
    const char *report; /* NULL: stderr; else a path, "%p" = pid */
    enum hs_report_format report_format;
    unsigned leak_exitcode; /* 0: leave the exit status alone */
    enum hs_on_error on_error;
    enum hs_page_guard page_guard;
    size_t page_align; /* power of two, 1..page size */
    unsigned stack_depth;
    size_t quarantine;        /* bytes; SIZE_MAX: the backend's default */
    const char *suppressions; /* NULL: none */
    bool show_reachable;
    bool arena_free;
    bool secure; /* secure execution: no variable read, no address shown */
    /* The wrappers; each is off at its default. */
    bool stats;
    size_t limit;     /* bytes; 0: no limit */
    uint64_t fail_at; /* 0: not set */
    bool fail_from;   /* "N+": every allocation from the Nth on */
    double fail_rate;
    bool fail_seeded;
    uint64_t fail_seed;
    const char *fail_in; /* a pattern (pattern.h), or NULL */
    const char *trace;   /* NULL: no trace; else a path, "%p" = pid */
};

extern struct hs_config hs_config;

/* Fills hs_config from the environment. Exits with status 2 on a bad value.
 * In secure execution (AT_SECURE) reads no variable, keeps the defaults,
 * and hides every address a report would print (hs_fmt_hide_addresses). */
void hs_config_load(void);

const char *hs_backend_name(enum hs_backend_id id);

/* Whether the fail wrapper is asked for: any of HEAPSHIM_FAIL_AT,
 * HEAPSHIM_FAIL_RATE or HEAPSHIM_FAIL_IN. */
static inline bool hs_config_fail_on(void)
{
    return hs_config.fail_at || hs_config.fail_rate > 0 || hs_config.fail_in;
}

/* Writes "heapshim: configuration error: NAME=VALUE: WHY" and exits with
 * status 2. */
_Noreturn void hs_config_error(const char *name, const char *value, const char *why);
#endif
