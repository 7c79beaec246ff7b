/* Configuration: parsing and validating HEAPSHIM_* variables.
 *
 * Each variable is one row of `variables` below: its name, its kind (a
 * choice, a count, a size, a path...), where its value is kept and what it
 * accepts. The "accepted values" of an error message are built from the row.
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

#include "services/core/os.h"
#include "services/report/escape.h"
#include "services/report/fmt.h"
#include "services/report/writer.h"
#include "services/unwind/stack.h"

extern char **environ;

struct hs_config hs_config = {
    .backend = HS_BACKEND_DEBUG,
    .page_align = 16,
    .stack_depth = HS_STACK_DEFAULT,
    .quarantine = SIZE_MAX,
    .arena_free = true,
};

static const char *const backend_names[] = {
    [HS_BACKEND_DEBUG] = "debug",
    [HS_BACKEND_ARENA] = "arena",
    [HS_BACKEND_PAGE] = "page",
    [HS_BACKEND_LIBC] = "libc",
    NULL,
};

const char *hs_backend_name(enum hs_backend_id id) { return backend_names[id]; }

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

/* The index of v among names (NULL-terminated). */
static bool parse_choice(const char *v, const char *const *names, int *out)
{
    for (int i = 0; names[i]; i++) {
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
    case 'k':
    case 'K': shift = 10; break;
    case 'm':
    case 'M': shift = 20; break;
    case 'g':
    case 'G': shift = 30; break;
    case 't':
    case 'T': shift = 40; break;
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
    static const char *const truths[] = {"1", "true", "yes", "on", NULL};
    static const char *const lies[] = {"0", "false", "no", "off", NULL};
    int i;
    if (parse_choice(v, truths, &i))
        *out = true;
    else if (parse_choice(v, lies, &i))
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
        hs_config_error(name, v,
                        "a relative path, and the current directory cannot be "
                        "found; give an absolute path");
    size_t dir = strlen(storage), n = strlen(v);
    if (dir + 1 + n >= HS_PATH_MAX)
        hs_config_error(name, "...", "the path is too long");
    storage[dir] = '/';
    memcpy(storage + dir + 1, v, n + 1);
    return storage;
}

/* ---- the variables, each described once ---- */

enum kind {
    CHOICE,    /* one of `names`, kept as its index */
    FLAG,      /* 1, true, yes, on or 0, false, no, off */
    COUNT,     /* a whole number from `min` to `max`, kept as unsigned */
    NUMBER,    /* a whole number from `min`, kept as uint64_t; with `plus`, "N+" too */
    ALIGNMENT, /* a power of two from 1 to the page size */
    SIZE,      /* a byte count (parse_size) of at least `min` */
    FRACTION,  /* from 0 to 1 (parse_fraction) */
    PATH,      /* a file path, copied into `storage` (HS_PATH_MAX bytes) */
    TEXT,      /* 1 to `storage_size` - 1 characters, copied into `storage` */
};

struct variable {
    const char *name;
    enum kind kind;
    union {
        int *choice; /* an enum field: they are all int-sized */
        bool *flag;
        unsigned *count;
        uint64_t *number;
        size_t *size;
        double *fraction;
        const char **text;
    } to;                     /* where the value is kept */
    uint64_t min, max;        /* COUNT, NUMBER, SIZE */
    const char *const *names; /* CHOICE: the accepted values, NULL-terminated */
    const char *what;         /* COUNT, NUMBER, TEXT: how the error message
                                   * names a good value */
    const char *refusal;      /* or NULL: why a value is refused, before
                                   * the accepted values */
    char *storage;            /* PATH, TEXT */
    size_t storage_size;      /* TEXT */
    bool absolute;            /* PATH: resolved against the starting directory */
    const char *none;         /* PATH: the value that stands for no file */
    bool *plus;               /* NUMBER: set when the value is "N+" */
    bool *given;              /* set when the variable has a good value */
};

_Static_assert(sizeof(enum hs_backend_id) == sizeof(int) &&
                   sizeof(enum hs_report_format) == sizeof(int) &&
                   sizeof(enum hs_on_error) == sizeof(int) &&
                   sizeof(enum hs_page_guard) == sizeof(int),
               "a CHOICE is kept through an int pointer");

static char report_path[HS_PATH_MAX];
static char suppressions_path[HS_PATH_MAX];
static char trace_path[HS_PATH_MAX];
static char fail_in_pattern[256];

static const char *const format_names[] = {
    [HS_FORMAT_TEXT] = "text", [HS_FORMAT_JSON] = "json", NULL};
static const char *const on_error_names[] = {
    [HS_ON_ERROR_ABORT] = "abort", [HS_ON_ERROR_CONTINUE] = "continue", NULL};
static const char *const page_guard_names[] = {
    [HS_GUARD_AFTER] = "after", [HS_GUARD_BEFORE] = "before", NULL};

static const struct variable variables[] = {
    {.name = "HEAPSHIM_BACKEND",
     .kind = CHOICE,
     .to.choice = (int *)&hs_config.backend,
     .names = backend_names,
     .refusal = "unknown backend"},
    {.name = "HEAPSHIM_REPORT",
     .kind = PATH,
     .to.text = &hs_config.report,
     .storage = report_path,
     .absolute = true,
     .none = "stderr"},
    {.name = "HEAPSHIM_REPORT_FORMAT",
     .kind = CHOICE,
     .to.choice = (int *)&hs_config.report_format,
     .names = format_names},
    {.name = "HEAPSHIM_LEAK_EXITCODE",
     .kind = COUNT,
     .to.count = &hs_config.leak_exitcode,
     .min = 1,
     .max = 255,
     .what = "an exit status"},
    {.name = "HEAPSHIM_ON_ERROR",
     .kind = CHOICE,
     .to.choice = (int *)&hs_config.on_error,
     .names = on_error_names},
    {.name = "HEAPSHIM_PAGE_GUARD",
     .kind = CHOICE,
     .to.choice = (int *)&hs_config.page_guard,
     .names = page_guard_names},
    {.name = "HEAPSHIM_PAGE_ALIGN", .kind = ALIGNMENT, .to.size = &hs_config.page_align},
    {.name = "HEAPSHIM_STACK_DEPTH",
     .kind = COUNT,
     .to.count = &hs_config.stack_depth,
     .min = 0,
     .max = HS_STACK_MAX,
     .what = "a number of frames"},
    {.name = "HEAPSHIM_QUARANTINE", .kind = SIZE, .to.size = &hs_config.quarantine},
    {.name = "HEAPSHIM_SUPPRESSIONS",
     .kind = PATH,
     .to.text = &hs_config.suppressions,
     .storage = suppressions_path},
    {.name = "HEAPSHIM_SHOW_REACHABLE", .kind = FLAG, .to.flag = &hs_config.show_reachable},
    {.name = "HEAPSHIM_ARENA_FREE", .kind = FLAG, .to.flag = &hs_config.arena_free},
    {.name = "HEAPSHIM_STATS", .kind = FLAG, .to.flag = &hs_config.stats},
    {.name = "HEAPSHIM_LIMIT", .kind = SIZE, .to.size = &hs_config.limit, .min = 1},
    {.name = "HEAPSHIM_FAIL_AT",
     .kind = NUMBER,
     .to.number = &hs_config.fail_at,
     .min = 1,
     .max = UINT64_MAX,
     .plus = &hs_config.fail_from,
     .what = "N or N+ (from the Nth on), N a whole number"},
    {.name = "HEAPSHIM_FAIL_RATE", .kind = FRACTION, .to.fraction = &hs_config.fail_rate},
    {.name = "HEAPSHIM_FAIL_SEED",
     .kind = NUMBER,
     .to.number = &hs_config.fail_seed,
     .max = UINT64_MAX,
     .given = &hs_config.fail_seeded,
     .what = "a whole number"},
    {.name = "HEAPSHIM_FAIL_IN",
     .kind = TEXT,
     .to.text = &hs_config.fail_in,
     .storage = fail_in_pattern,
     .storage_size = sizeof fail_in_pattern,
     .what = "a function name or pattern"},
    {.name = "HEAPSHIM_TRACE",
     .kind = PATH,
     .to.text = &hs_config.trace,
     .storage = trace_path,
     .absolute = true},
};

#define VARIABLE_COUNT (sizeof variables / sizeof variables[0])

/* A whole number within the variable's bounds; with `plus`, a trailing '+'
 * is taken off first and noted. */
static bool take_whole(const struct variable *var, const char *v, uint64_t *out)
{
    char digits[24];
    if (var->plus) {
        size_t n = strlen(v);
        *var->plus = n > 0 && v[n - 1] == '+';
        n -= *var->plus;
        if (n >= sizeof digits)
            n = 0;
        memcpy(digits, v, n);
        digits[n] = '\0';
        v = digits;
    }
    return parse_u64(v, var->max, out) && *out >= var->min;
}

static bool take_alignment(const struct variable *var, const char *v)
{
    uint64_t a;
    if (!parse_u64(v, hs_os_page_size(), &a) || a == 0 || (a & (a - 1)))
        return false;
    *var->to.size = (size_t)a;
    return true;
}

static bool take_text(const struct variable *var, const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= var->storage_size)
        return false;
    memcpy(var->storage, v, n + 1);
    *var->to.text = var->storage;
    return true;
}

/* A path is never malformed: what is wrong with it is said by keep_path. */
static bool take_path(const struct variable *var, const char *v)
{
    if (var->none && strcmp(v, var->none) == 0)
        *var->to.text = NULL;
    else if (var->absolute)
        *var->to.text = keep_absolute_path(var->storage, var->name, v);
    else
        *var->to.text = keep_path(var->storage, var->name, v);
    return true;
}

/* Parses v and keeps it where the variable says; false when malformed. */
static bool take(const struct variable *var, const char *v)
{
    uint64_t n;
    switch (var->kind) {
    case CHOICE: return parse_choice(v, var->names, var->to.choice);
    case FLAG: return parse_bool(v, var->to.flag);
    case COUNT:
        if (!take_whole(var, v, &n))
            return false;
        *var->to.count = (unsigned)n;
        return true;
    case NUMBER: return take_whole(var, v, var->to.number);
    case ALIGNMENT: return take_alignment(var, v);
    case SIZE: return parse_size(v, var->to.size) && *var->to.size >= var->min;
    case FRACTION: return parse_fraction(v, var->to.fraction);
    case PATH: return take_path(var, v);
    case TEXT: return take_text(var, v);
    }
    return false;
}

/* "A, B, C" */
static void describe_choice(const struct variable *var, char *buf, size_t cap)
{
    size_t len = hs_format(buf, cap, "%s", var->names[0]);
    for (int i = 1; var->names[i]; i++)
        len += hs_format(buf + len, cap - len, ", %s", var->names[i]);
}

/* "WHAT from MIN to MAX", the bounds left out when open. */
static void describe_whole(const struct variable *var, char *buf, size_t cap)
{
    size_t len = hs_format(buf, cap, "%s", var->what);
    if (var->max != UINT64_MAX)
        hs_format(buf + len, cap - len, " from %llu to %llu", (unsigned long long)var->min,
                  (unsigned long long)var->max);
    else if (var->min)
        hs_format(buf + len, cap - len, " from %llu", (unsigned long long)var->min);
}

/* "a size[ above MIN - 1] such as ..." */
static void describe_size(const struct variable *var, char *buf, size_t cap)
{
    size_t len = hs_format(buf, cap, "a size");
    if (var->min)
        len += hs_format(buf + len, cap - len, " above %llu", (unsigned long long)var->min - 1);
    hs_format(buf + len, cap - len, " such as 65536, 64K, 64M or 1G");
}

/* What a kind accepts when that does not depend on the variable. */
static const char *const kind_accepts[] = {
    [FLAG] = "0, 1",
    [ALIGNMENT] = "a power of two from 1 to the page size",
    [FRACTION] = "a fraction from 0 to 1, such as 0.01",
};

/* What the error message says is accepted, after "accepted values: ". A
 * PATH is never malformed: keep_path says what is wrong with it. */
static void describe(const struct variable *var, char *buf, size_t cap)
{
    switch (var->kind) {
    case CHOICE: describe_choice(var, buf, cap); break;
    case COUNT:
    case NUMBER: describe_whole(var, buf, cap); break;
    case SIZE: describe_size(var, buf, cap); break;
    case TEXT:
        hs_format(buf, cap, "%s of 1 to %zu characters", var->what, var->storage_size - 1);
        break;
    case FLAG:
    case ALIGNMENT:
    case FRACTION: hs_format(buf, cap, "%s", kind_accepts[var->kind]); break;
    case PATH: break;
    }
}

static void set(const struct variable *var, const char *v)
{
    if (!take(var, v)) {
        char why[256];
        size_t len =
            hs_format(why, sizeof why, "%s%saccepted values: ", var->refusal ? var->refusal : "",
                      var->refusal ? "; " : "");
        describe(var, why + len, sizeof why - len);
        hs_config_error(var->name, v, why);
    }
    if (var->given)
        *var->given = true;
}

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
            set(&variables[i], eq + 1);
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
