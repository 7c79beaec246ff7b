/* Finding the roots. A thread's stack is recognised by its thread pointer
 * (glibc puts each thread's descriptor at the top of its stack mapping,
 * above a guard page), for the main thread by the name [stack], and for a
 * stopped thread by its stack pointer. The stack pointer of a thread comes
 * from the stop (stop.h); for a thread left running, from the second last
 * field of /proc/self/task/TID/syscall when it is blocked in the kernel
 * ("running" when it is not: then its whole stack is read). */
#define _GNU_SOURCE
#include "services/leaks/roots.h"

#include <string.h>
#include <unistd.h>

#include "services/core/os.h"
#include "services/core/stop.h"
#include "services/core/thread.h"
#include "services/mem/regions.h"
#include "services/mem/sort.h"
#include "services/report/fmt.h"

#define RED_ZONE 128          /* below the stack pointer, a leaf's to use */
#define DESCRIPTOR_ROOM 16384 /* a descriptor lies this close to its stack's end */
#define PAGEMAP_BATCH 512

struct range {
    uintptr_t start, end;
};

struct live_stack {
    pid_t tid;
    uintptr_t tp, sp; /* tp 0: not registered; sp 0: not known */
};

struct roots {
    hs_root_visitor *visit;
    void *ctx;
    uintptr_t boundary;
    const struct hs_world *world;
    struct range *regions; /* the shim's memory, sorted */
    size_t region_count, region_capacity, region_cursor;
    struct live_stack *live;
    size_t live_count;
    uintptr_t *ended;
    size_t ended_count;
    bool skip_ended; /* every running thread is in the registry */
    int pagemap;
    uintptr_t previous_end; /* the mapping listed before, and */
    bool previous_guard;    /* whether it was inaccessible */
};

/* ---- threads ---- */

static void note_live(pid_t tid, uintptr_t tp, void *ctx)
{
    struct roots *r = ctx;
    if (r->live_count < HS_THREADS_LIVE_MAX)
        r->live[r->live_count++] = (struct live_stack){tid, tp, 0};
}

static void note_ended(uintptr_t tp, void *ctx)
{
    struct roots *r = ctx;
    if (r->ended_count < HS_THREADS_ENDED_MAX)
        r->ended[r->ended_count++] = tp;
}

/* The last but one field of a syscall line, or 0. */
static uintptr_t stack_pointer_of(pid_t tid)
{
    char path[64], line[256];
    hs_format(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
    if (hs_os_read_file(path, line, sizeof line) <= 0 || strncmp(line, "running", 7) == 0)
        return 0;
    const char *fields[10];
    unsigned count = 0;
    for (const char *p = line; *p && count < 10;) {
        while (*p == ' ')
            p++;
        if (*p && *p != '\n')
            fields[count++] = p;
        while (*p && *p != ' ')
            p++;
    }
    /* cppcheck sees fields unset; those below count are set, and count >= 3. */
    /* cppcheck-suppress uninitvar */
    if (count < 3 || strncmp(fields[count - 2], "0x", 2) != 0)
        return 0;
    uintptr_t sp = 0;
    for (const char *p = fields[count - 2] + 2;
         (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
        sp = sp * 16 + (uintptr_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
    return sp;
}

static long running_threads(void)
{
    char status[4096];
    if (hs_os_read_file("/proc/self/status", status, sizeof status) <= 0)
        return -1;
    const char *p = strstr(status, "\nThreads:");
    if (!p)
        return -1;
    long n = 0;
    for (p += 9; *p == ' ' || *p == '\t'; p++)
        ;
    for (; *p >= '0' && *p <= '9'; p++)
        n = n * 10 + (*p - '0');
    return n;
}

/* The stack pointer of a thread other than the caller: from the stop, else
 * from /proc. */
static uintptr_t stack_pointer(const struct roots *r, pid_t tid)
{
    const struct hs_stopped_thread *t = hs_world_find(r->world, tid);
    return t && t->stopped ? t->sp : stack_pointer_of(tid);
}

/* The registered threads, then the stopped ones never registered (threads
 * that never called the shim). */
static void learn_threads(struct roots *r)
{
    static const struct hs_thread_visitor visitor = {note_live, note_ended};
    bool complete = hs_thread_visit(&visitor, r);
    pid_t self = gettid();
    size_t registered = r->live_count;
    for (size_t i = 0; i < registered; i++)
        if (r->live[i].tid != self)
            r->live[i].sp = stack_pointer(r, r->live[i].tid);
    for (size_t i = 0; i < r->world->count; i++) {
        const struct hs_stopped_thread *t = &r->world->threads[i];
        if (t->tid == 0)
            continue; /* ended while the world stopped */
        bool seen = false;
        for (size_t k = 0; k < registered && !seen; k++)
            seen = r->live[k].tid == t->tid;
        if (!seen && t->stopped && r->live_count < HS_THREADS_LIVE_MAX)
            r->live[r->live_count++] = (struct live_stack){t->tid, 0, t->sp};
        complete &= seen || t->stopped;
    }
    r->skip_ended = complete && running_threads() == (long)r->live_count;
}

static bool within(uintptr_t address, uintptr_t start, uintptr_t end)
{
    return address >= start && address < end;
}

/* Whether [start, end) holds the thread's descriptor or, for a thread never
 * registered, its stack pointer. */
static bool owns(const struct live_stack *t, uintptr_t start, uintptr_t end)
{
    return within(t->tp ? t->tp : t->sp, start, end);
}

/* If [start, end) is the cached stack of an ended thread, the thread's
 * descriptor in it, else 0. Such a stack lies above a guard, holds the
 * descriptor (which points to itself twice, as glibc's does) near its end,
 * and no running thread's descriptor or stack pointer. */
static uintptr_t ended_stack(const struct roots *r, uintptr_t start, uintptr_t end, bool guarded)
{
    if (!r->skip_ended || !guarded)
        return 0;
    for (size_t i = 0; i < r->live_count; i++)
        if (within(r->live[i].tp, start, end) || within(r->live[i].sp, start, end))
            return 0;
    for (size_t i = 0; i < r->ended_count; i++) {
        uintptr_t tp = r->ended[i];
        if (tp >= start && tp >= end - DESCRIPTOR_ROOM && tp + 3 * sizeof(uintptr_t) <= end &&
            ((const uintptr_t *)tp)[0] == tp && ((const uintptr_t *)tp)[2] == tp)
            return tp;
    }
    return 0;
}

/* Where the live part of [start, end) begins: at the stack pointer (less
 * the red zone) when this is the stack of exactly one known thread whose
 * stack pointer is in it. */
static uintptr_t live_part(const struct roots *r, uintptr_t start, uintptr_t end, bool main_stack)
{
    const struct live_stack *owner = NULL;
    pid_t pid = getpid();
    for (size_t i = 0; i < r->live_count; i++) {
        const struct live_stack *t = &r->live[i];
        if (owns(t, start, end) || (main_stack && t->tid == pid)) {
            if (owner)
                return start; /* two threads' descriptors: no stack of glibc's */
            owner = t;
        }
    }
    if (!owner || owner->sp < start + RED_ZONE || owner->sp >= end)
        return start;
    return owner->sp - RED_ZONE;
}

/* ---- pages ---- */

/* Visits the touched pages of [from, to) in runs. */
static void visit_touched(struct roots *r, uintptr_t from, uintptr_t to)
{
    uintptr_t page = hs_os_page_size(), run = 0;
    uint64_t entries[PAGEMAP_BATCH];
    for (uintptr_t at = from & ~(page - 1); at < to;) {
        size_t n = (to - at + page - 1) / page;
        n = n < PAGEMAP_BATCH ? n : PAGEMAP_BATCH;
        off_t offset = (off_t)(at / page * sizeof *entries);
        if (r->pagemap < 0 || hs_os_pread(r->pagemap, entries, n * sizeof *entries, offset) !=
                                  (ssize_t)(n * sizeof *entries)) {
            r->visit(run ? run : at > from ? at : from, to, r->ctx); /* not known: all of it */
            return;
        }
        for (size_t i = 0; i < n; i++, at += page) {
            bool touched = entries[i] >> 62 != 0; /* present, or swapped out */
            if (touched && !run)
                run = at > from ? at : from;
            else if (!touched && run) {
                r->visit(run, at, r->ctx);
                run = 0;
            }
        }
    }
    if (run)
        r->visit(run, to, r->ctx);
}

/* [from, to) less the shim's regions. Roots come in address order, so the
 * cursor into the sorted regions only moves forward. */
static void visit_outside_regions(struct roots *r, uintptr_t from, uintptr_t to)
{
    size_t *i = &r->region_cursor;
    while (*i < r->region_count && r->regions[*i].end <= from)
        (*i)++;
    for (size_t k = *i; from < to && k < r->region_count && r->regions[k].start < to; k++) {
        if (r->regions[k].start > from)
            visit_touched(r, from, r->regions[k].start);
        if (r->regions[k].end > from)
            from = r->regions[k].end;
    }
    if (from < to)
        visit_touched(r, from, to);
}

/* ---- mappings ---- */

static uintptr_t parse_hex(const char **p)
{
    uintptr_t v = 0;
    for (;; (*p)++) {
        char c = **p;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uintptr_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uintptr_t)(c - 'a' + 10);
        else
            return v;
    }
}

/* One line of /proc/self/maps: "start-end perms offset dev inode path".
 * Writable private mappings are roots, except device memory. */
static void consider_mapping(struct roots *r, const char *line)
{
    const char *p = line;
    uintptr_t start = parse_hex(&p);
    if (*p++ != '-')
        return;
    uintptr_t end = parse_hex(&p);
    if (*p++ != ' ' || strlen(p) < 4)
        return;
    bool guarded = r->previous_guard && r->previous_end == start;
    r->previous_end = end;
    r->previous_guard = strncmp(p, "---p", 4) == 0;
    if (p[0] != 'r' || p[1] != 'w' || p[3] != 'p')
        return;
    for (int field = 0; field < 4 && *p; field++) { /* perms, offset, dev, inode */
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    if (strncmp(p, "/dev/", 5) == 0 || strncmp(p, "[vvar", 5) == 0)
        return;
    uintptr_t descriptor;
    if (r->boundary >= start && r->boundary < end)
        start = r->boundary;
    else if ((descriptor = ended_stack(r, start, end, guarded)))
        start = descriptor; /* glibc keeps what it points to (the thread's DTV) for reuse */
    else
        start = live_part(r, start, end, strcmp(p, "[stack]") == 0);
    visit_outside_regions(r, start, end);
}

/* ---- the walk ---- */

static bool range_less(const void *a, const void *b)
{
    return ((const struct range *)a)->start < ((const struct range *)b)->start;
}

static void collect_region(uintptr_t start, uintptr_t end, void *ctx)
{
    struct roots *r = ctx;
    if (r->region_count < r->region_capacity)
        r->regions[r->region_count++] = (struct range){start, end};
}

static void count_region(uintptr_t start, uintptr_t end, void *ctx)
{
    (void)start, (void)end;
    (*(size_t *)ctx)++;
}

/* Reads /proc/self/maps into a buffer of the shim's, doubling it until the
 * whole file fits. */
static char *read_maps(size_t *capacity)
{
    for (size_t cap = (size_t)1 << 20;; cap *= 2) {
        char *buf = hs_region_map(cap);
        if (!buf)
            return NULL;
        ssize_t n = hs_os_read_file("/proc/self/maps", buf, cap);
        if (n > 0 && (size_t)n < cap - 1) {
            *capacity = cap;
            return buf;
        }
        hs_region_unmap(buf, cap);
        if (n <= 0)
            return NULL;
    }
}

bool hs_roots_visit(uintptr_t stack_boundary, const struct hs_world *world, hs_root_visitor *visit,
                    void *ctx)
{
    struct roots r = {.visit = visit, .ctx = ctx, .boundary = stack_boundary, .world = world};
    size_t threads_bytes =
        HS_THREADS_LIVE_MAX * sizeof *r.live + HS_THREADS_ENDED_MAX * sizeof *r.ended;
    void *threads = hs_region_map(threads_bytes);
    size_t maps_capacity;
    char *maps = read_maps(&maps_capacity);
    /* Room for regions mapped meanwhile, this array among them. */
    size_t existing = 0;
    hs_region_for_each(count_region, &existing);
    r.region_capacity = existing * 2 + 64;
    size_t regions_bytes = r.region_capacity * sizeof *r.regions;
    r.regions = hs_region_map(regions_bytes);
    bool ok = maps && r.regions && threads;
    if (ok) {
        r.live = threads;
        r.ended = (uintptr_t *)(r.live + HS_THREADS_LIVE_MAX);
        learn_threads(&r);
        hs_region_for_each(collect_region, &r);
        hs_sort(r.regions, r.region_count, sizeof *r.regions, range_less);
        r.pagemap = hs_os_open("/proc/self/pagemap");
        for (char *line = maps; *line;) {
            char *eol = strchr(line, '\n');
            if (eol)
                *eol = '\0';
            consider_mapping(&r, line);
            if (!eol)
                break;
            line = eol + 1;
        }
        if (r.pagemap >= 0)
            hs_os_close(r.pagemap);
    }
    if (r.regions)
        hs_region_unmap(r.regions, regions_bytes);
    if (maps)
        hs_region_unmap(maps, maps_capacity);
    if (threads)
        hs_region_unmap(threads, threads_bytes);
    return ok;
}
