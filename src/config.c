/* Configuration: parsing and validating HEAPSHIM_* variables.
 *
 * The environment is read straight from `environ` (no getenv, no allocation),
 * or from /proc/self/environ when the first allocation comes so early that
 * libc has not set `environ` yet. Strings kept from it are copied into static
 * storage, since the program may later change its environment.
 *
 * In secure execution (a setuid or setgid program, or one given
 * capabilities: the kernel's AT_SECURE) the environment belongs to the
 * invoking user, who must not be able to make the program weaker (fail
 * allocations, limit the heap, keep running after a heap error, change its
 * exit status, choose a backend), slower, or write files, nor learn its
 * layout. So no HEAPSHIM_* variable is read at all, known or unknown, good
 * or malformed: the settings are those heapshim was built with, whoever
 * preloaded it (only the administrator can, into such a program), and every
 * absolute address in a report is hidden (fmt.h). What stays in a report
 * (sizes, function names, source lines, module+offset) says nothing of
 * where ASLR put the heap, the stacks or the modules. */
#define _GNU_SOURCE
#include "config.h"

#include <string.h>

#include "services/report/escape.h"
#include "services/report/fmt.h"
#include "services/core/os.h"
#include "services/report/writer.h"

extern char **environ;

struct hs_config hs_config = {
    .backend = HS_BACKEND_DEBUG,
    .page_align = 16,
    .stack_depth = 16,
    .quarantine = SIZE_MAX,
    .arena_free = true,
};

static const char *const backend_names[] = {
    [HS_BACKEND_DEBUG] = "debug",
    [HS_BACKEND_ARENA] = "arena",
    [HS_BACKEND_PAGE] = "page",
    [HS_BACKEND_LIBC] = "libc",
};

const char *hs_backend_name(enum hs_backend_id id)
{
    return backend_names[id];
}

_Noreturn void hs_config_error(const char *name, const char *value, const char *why)
{
    struct hs_writer w;
    hs_writer_open(&w, NULL);
    hs_writer_puts(&w, "heapshim: configuration error: ");
    hs_text_string(&w, name);
    hs_writer_puts(&w, "=");
    hs_text_string(&w, value);
    hs_printf(&w, ": %s\n", why);
    hs_writer_close(&w);
    hs_os_exit(2);
}

/* ---- value parsers: each returns false when the value is malformed ---- */

static bool parse_choice(const char *v, const char *const *names, int count, int *out)
{
    for (int i = 0; i < count; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

static bool parse_u64(const char *v, uint64_t max, uint64_t *out)
{
    uint64_t n = 0;
    if (!*v)
        return false;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return false;
        unsigned digit = (unsigned)(*v - '0');
        if (n > (max - digit) / 10)
            return false;
        n = n * 10 + digit;
    }
    *out = n;
    return true;
}

/* A byte count: digits with an optional K, M, G or T (powers of 1024),
 * optionally followed by "B" or "iB". */
static bool parse_size(const char *v, size_t *out)
{
    char digits[32];
    size_t n = 0;
    while (v[n] >= '0' && v[n] <= '9' && n < sizeof digits - 1) {
        digits[n] = v[n];
        n++;
    }
    digits[n] = '\0';
    uint64_t count;
    if (!parse_u64(digits, SIZE_MAX, &count))
        return false;
    const char *unit = v + n;
    unsigned shift = 0;
    switch (*unit) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    }
    if (shift)
        unit++;
    if (strcmp(unit, "") != 0 && strcmp(unit, "B") != 0 && !(shift && strcmp(unit, "iB") == 0))
        return false;
    if (count > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)count << shift;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const truths[] = {"1", "true", "yes", "on"};
    static const char *const lies[] = {"0", "false", "no", "off"};
    int i;
    if (parse_choice(v, truths, 4, &i))
        *out = true;
    else if (parse_choice(v, lies, 4, &i))
        *out = false;
    else
        return false;
    return true;
}

/* A fraction from 0 to 1 written as digits with at most one '.'. */
static bool parse_fraction(const char *v, double *out)
{
    double value = 0, scale = 0;
    if (!*v || strcmp(v, ".") == 0)
        return false;
    for (; *v; v++) {
        if (*v == '.' && scale == 0) {
            scale = 1;
        } else if (*v >= '0' && *v <= '9') {
            if (scale)
                value += (*v - '0') * (scale /= 10);
            else
                value = value * 10 + (*v - '0');
        } else {
            return false;
        }
    }
    if (value > 1)
        return false;
    *out = value;
    return true;
}

static const char *keep_path(char *storage, const char *name, const char *v)
{
    size_t n = strlen(v);
    if (n == 0)
        hs_config_error(name, v, "an empty path; give a file path");
    if (n >= HS_PATH_MAX)
        hs_config_error(name, "...", "the path is too long");
    memcpy(storage, v, n + 1);
    return storage;
}

/* A path the shim writes to while the program runs: kept absolute, a
 * relative one resolved against the directory the process starts in, so
 * that the program's chdir() does not move it. */
static const char *keep_absolute_path(char *storage, const char *name, const char *v)
{
    if (v[0] == '/' || !v[0])
        return keep_path(storage, name, v);
    if (!hs_os_getcwd(storage, HS_PATH_MAX))
        hs_config_error(name, v, "a relative path, and the current directory cannot be "
                        "found; give an absolute path");
    size_t dir = strlen(storage), n = strlen(v);
    if (dir + 1 + n >= HS_PATH_MAX)
        hs_config_error(name, "...", "the path is too long");
    storage[dir] = '/';
    memcpy(storage + dir + 1, v, n + 1);
    return storage;
}

/* ---- the variables ---- */

static char report_path[HS_PATH_MAX];
static char suppressions_path[HS_PATH_MAX];

static void set_backend(const char *name, const char *v)
{
    int id;
    if (!parse_choice(v, backend_names, 4, &id))
        hs_config_error(name, v, "unknown backend; accepted values: debug, arena, page, libc");
    hs_config.backend = (enum hs_backend_id)id;
}

static void set_report(const char *name, const char *v)
{
    if (strcmp(v, "stderr") == 0)
        hs_config.report = NULL;
    else
        hs_config.report = keep_absolute_path(report_path, name, v);
}

static void set_report_format(const char *name, const char *v)
{
    static const char *const formats[] = {"text", "json"};
    int id;
    if (!parse_choice(v, formats, 2, &id))
        hs_config_error(name, v, "accepted values: text, json");
    hs_config.report_format = (enum hs_report_format)id;
}

static void set_leak_exitcode(const char *name, const char *v)
{
    uint64_t code;
    if (!parse_u64(v, 255, &code) || code == 0)
        hs_config_error(name, v, "accepted values: an exit status from 1 to 255");
    hs_config.leak_exitcode = (int)code;
}

static void set_on_error(const char *name, const char *v)
{
    static const char *const actions[] = {"abort", "continue"};
    int id;
    if (!parse_choice(v, actions, 2, &id))
        hs_config_error(name, v, "accepted values: abort, continue");
    hs_config.on_error = (enum hs_on_error)id;
}

static void set_page_guard(const char *name, const char *v)
{
    static const char *const sides[] = {"after", "before"};
    int id;
    if (!parse_choice(v, sides, 2, &id))
        hs_config_error(name, v, "accepted values: after, before");
    hs_config.page_guard = (enum hs_page_guard)id;
}

static void set_page_align(const char *name, const char *v)
{
    uint64_t a;
    uint64_t page = hs_os_page_size();
    if (!parse_u64(v, page, &a) || a == 0 || (a & (a - 1)))
        hs_config_error(name, v, "accepted values: a power of two from 1 to the page size");
    hs_config.page_align = (size_t)a;
}

static void set_stack_depth(const char *name, const char *v)
{
    uint64_t depth;
    if (!parse_u64(v, 64, &depth))
        hs_config_error(name, v, "accepted values: a number of frames from 0 to 64");
    hs_config.stack_depth = (unsigned)depth;
}

static void set_quarantine(const char *name, const char *v)
{
    if (!parse_size(v, &hs_config.quarantine))
        hs_config_error(name, v, "accepted values: a size such as 65536, 64K, 64M or 1G");
}

static void set_suppressions(const char *name, const char *v)
{
    hs_config.suppressions = keep_path(suppressions_path, name, v);
}

static void set_bool(const char *name, const char *v, bool *out)
{
    if (!parse_bool(v, out))
        hs_config_error(name, v, "accepted values: 0, 1");
}

static void set_show_reachable(const char *name, const char *v)
{
    set_bool(name, v, &hs_config.show_reachable);
}

static void set_arena_free(const char *name, const char *v)
{
    set_bool(name, v, &hs_config.arena_free);
}

static void set_stats(const char *name, const char *v)
{
    set_bool(name, v, &hs_config.stats);
}

static void set_limit(const char *name, const char *v)
{
    if (!parse_size(v, &hs_config.limit) || hs_config.limit == 0)
        hs_config_error(name, v, "accepted values: a size above 0 such as 65536, 64K, 64M or 1G");
}

/* "N" fails the Nth allocation, "N+" every one from the Nth on. */
static void set_fail_at(const char *name, const char *v)
{
    char digits[24];
    size_t n = strlen(v);
    hs_config.fail_from = n > 0 && v[n - 1] == '+';
    n -= hs_config.fail_from;
    if (n >= sizeof digits)
        n = 0;
    memcpy(digits, v, n);
    digits[n] = '\0';
    if (!parse_u64(digits, UINT64_MAX, &hs_config.fail_at) || hs_config.fail_at == 0)
        hs_config_error(name, v, "accepted values: N or N+ (from the Nth on), N a whole number "
                        "from 1");
}

static void set_fail_rate(const char *name, const char *v)
{
    if (!parse_fraction(v, &hs_config.fail_rate))
        hs_config_error(name, v, "accepted values: a fraction from 0 to 1, such as 0.01");
}

static void set_fail_seed(const char *name, const char *v)
{
    if (!parse_u64(v, UINT64_MAX, &hs_config.fail_seed))
        hs_config_error(name, v, "accepted values: a whole number");
    hs_config.fail_seeded = true;
}

static char fail_in_pattern[256];

static void set_fail_in(const char *name, const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof fail_in_pattern)
        hs_config_error(name, v, "accepted values: a function name or pattern of 1 to 255 "
                        "characters");
    memcpy(fail_in_pattern, v, n + 1);
    hs_config.fail_in = fail_in_pattern;
}

static char trace_path[HS_PATH_MAX];

static void set_trace(const char *name, const char *v)
{
    hs_config.trace = keep_absolute_path(trace_path, name, v);
}

struct variable {
    const char *name;
    void (*set)(const char *name, const char *value);
};

static const struct variable variables[] = {
    {"HEAPSHIM_BACKEND", set_backend},
    {"HEAPSHIM_REPORT", set_report},
    {"HEAPSHIM_REPORT_FORMAT", set_report_format},
    {"HEAPSHIM_LEAK_EXITCODE", set_leak_exitcode},
    {"HEAPSHIM_ON_ERROR", set_on_error},
    {"HEAPSHIM_PAGE_GUARD", set_page_guard},
    {"HEAPSHIM_PAGE_ALIGN", set_page_align},
    {"HEAPSHIM_STACK_DEPTH", set_stack_depth},
    {"HEAPSHIM_QUARANTINE", set_quarantine},
    {"HEAPSHIM_SUPPRESSIONS", set_suppressions},
    {"HEAPSHIM_SHOW_REACHABLE", set_show_reachable},
    {"HEAPSHIM_ARENA_FREE", set_arena_free},
    {"HEAPSHIM_STATS", set_stats},
    {"HEAPSHIM_LIMIT", set_limit},
    {"HEAPSHIM_FAIL_AT", set_fail_at},
    {"HEAPSHIM_FAIL_RATE", set_fail_rate},
    {"HEAPSHIM_FAIL_SEED", set_fail_seed},
    {"HEAPSHIM_FAIL_IN", set_fail_in},
    {"HEAPSHIM_TRACE", set_trace},
};

#define VARIABLE_COUNT (sizeof variables / sizeof variables[0])

static void unknown_variable(const char *entry, size_t name_len)
{
    char name[128], known[1024];
    size_t n = name_len < sizeof name - 1 ? name_len : sizeof name - 1;
    memcpy(name, entry, n);
    name[n] = '\0';
    size_t len = hs_format(known, sizeof known, "unknown variable; known variables:");
    for (size_t i = 0; i < VARIABLE_COUNT; i++)
        len += hs_format(known + len, sizeof known - len, " %s", variables[i].name);
    hs_config_error(name, entry + name_len + 1, known);
}

static void apply(const char *entry)
{
    if (strncmp(entry, "HEAPSHIM_", 9) != 0)
        return;
    const char *eq = strchr(entry, '=');
    if (!eq)
        return;
    size_t name_len = (size_t)(eq - entry);
    for (size_t i = 0; i < VARIABLE_COUNT; i++) {
        if (strlen(variables[i].name) == name_len &&
            memcmp(variables[i].name, entry, name_len) == 0) {
            variables[i].set(variables[i].name, eq + 1);
            return;
        }
    }
    unknown_variable(entry, name_len);
}

/* Before libc has set `environ`: the initial environment as the kernel gave
 * it, NUL-separated. Large enough for any HEAPSHIM_* settings that matter. */
static void apply_proc_environ(void)
{
    static char env[65536];
    ssize_t len = hs_os_read_file("/proc/self/environ", env, sizeof env);
    for (ssize_t at = 0; at < len; at += (ssize_t)strlen(env + at) + 1)
        apply(env + at);
}

void hs_config_load(void)
{
    hs_config.secure = hs_os_secure_exec();
    if (hs_config.secure) {
        hs_fmt_hide_addresses();
        return;
    }
    if (environ) {
        for (char **e = environ; *e; e++)
            apply(*e);
    } else {
        apply_proc_environ();
    }
}
