/* The reachability scan. Blocks are sorted by address so that deciding
 * whether a word points into one is a range check and a binary search; the
 * marking runs on an explicit work list, never on recursion. */
#define _GNU_SOURCE
#include "scan.h"

#include <link.h>
#include <string.h>

#include "os.h"
#include "regions.h"
#include "sort.h"

#define UNSEEN 0xff

struct range {
    uintptr_t start, end;
};

struct scan {
    struct hs_scan_entry *entries;
    size_t count;
    uintptr_t lowest, highest;   /* all blocks lie in [lowest, highest) */
    uint32_t *work;              /* entry indices waiting to be scanned */
    size_t work_count;
    /* What a pointer found now does to the block it points into. */
    enum { FROM_ROOTS, FROM_POSSIBLE, FROM_LEAKED } mode;
    size_t leader;               /* FROM_LEAKED: the lost block being traced */
    struct range *regions;       /* the shim's memory, sorted */
    size_t region_count, region_capacity, region_cursor;
    size_t extent_cursor;
};

/* ---- the shim's own data ---- */

static int record_own_data(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    uintptr_t self = (uintptr_t)ctx;
    bool ours = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && self >= start && self < start + ph->p_memsz)
            ours = true;
    }
    if (!ours)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) {
            uintptr_t start = info->dlpi_addr + ph->p_vaddr;
            hs_region_add(start, start + ph->p_memsz);
        }
    }
    return 1;
}

void hs_scan_init(void)
{
    dl_iterate_phdr(record_own_data, (void *)(uintptr_t)hs_scan_init);
}

/* ---- finding the block a word points into ---- */

static bool entry_less(const void *a, const void *b)
{
    return ((const struct hs_scan_entry *)a)->start < ((const struct hs_scan_entry *)b)->start;
}

static bool range_less(const void *a, const void *b)
{
    return ((const struct range *)a)->start < ((const struct range *)b)->start;
}

/* The index of the block holding address v, or SIZE_MAX. */
static size_t block_at(const struct scan *s, uintptr_t v)
{
    _Static_assert(offsetof(struct hs_scan_entry, start) == 0 && sizeof(uintptr_t) == 8,
                   "entries are searched by a 64-bit key at their start");
    if (v < s->lowest || v >= s->highest)
        return SIZE_MAX;
    size_t i = hs_search_last_at_most(s->entries, s->count, sizeof *s->entries, v);
    return i != SIZE_MAX && v < s->entries[i].end ? i : SIZE_MAX;
}

static void push(struct scan *s, size_t i)
{
    s->work[s->work_count++] = (uint32_t)i;
}

/* glibc keeps each thread's dynamic thread vector (DTV, from calloc) as a
 * pointer 16 bytes past its start, and the vector's first word counts its
 * entries less two: such a pointer is the vector's real reference, not an
 * interior one (as memcheck's heuristics accept some interior pointers). */
static bool is_thread_vector(const struct hs_scan_entry *e, uintptr_t v)
{
    size_t size = e->end - e->start;
    return v == e->start + 16 && size % 16 == 0 && size >= 32 &&
           *(const size_t *)e->start == size / 16 - 2;
}

static void found_pointer(struct scan *s, uintptr_t v)
{
    size_t i = block_at(s, v);
    if (i == SIZE_MAX)
        return;
    struct hs_scan_entry *e = &s->entries[i];
    switch (s->mode) {
    case FROM_ROOTS:
        if ((v == e->start || is_thread_vector(e, v)) && e->kind != HS_REACHABLE) {
            e->kind = HS_REACHABLE;
            push(s, i);
        } else if (e->kind == UNSEEN) {
            e->kind = HS_POSSIBLE;
        }
        break;
    case FROM_POSSIBLE:
        if (e->kind == UNSEEN) {
            e->kind = HS_POSSIBLE;
            push(s, i);
        }
        break;
    case FROM_LEAKED:
        if (i == s->leader)
            break;
        if (e->kind == UNSEEN)
            push(s, i);
        if (e->kind == UNSEEN || e->kind == HS_DEFINITE)
            e->kind = HS_INDIRECT;
        break;
    }
}

static void scan_words(struct scan *s, uintptr_t from, uintptr_t to)
{
    from = (from + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
    for (uintptr_t p = from; p + sizeof(uintptr_t) <= to; p += sizeof(uintptr_t))
        found_pointer(s, *(const uintptr_t *)p);
}

static void drain(struct scan *s)
{
    while (s->work_count > 0) {
        const struct hs_scan_entry *e = &s->entries[s->work[--s->work_count]];
        scan_words(s, e->start, e->end);
    }
}

/* ---- roots ---- */

/* Scans [from, to) less the memory kept around blocks. Roots come in
 * address order, so the cursor into the sorted blocks only moves forward. */
static void scan_outside_blocks(struct scan *s, uintptr_t from, uintptr_t to)
{
    size_t *i = &s->extent_cursor;
    while (*i < s->count && s->entries[*i].extent_end <= from)
        (*i)++;
    for (; from < to && *i < s->count && s->entries[*i].extent_start < to; (*i)++) {
        const struct hs_scan_entry *e = &s->entries[*i];
        if (e->extent_start > from)
            scan_words(s, from, e->extent_start);
        if (e->extent_end > from)
            from = e->extent_end;
    }
    if (from < to)
        scan_words(s, from, to);
}

/* Scans a root mapping less the shim's regions and the blocks. */
static void scan_root(struct scan *s, uintptr_t from, uintptr_t to)
{
    size_t *i = &s->region_cursor;
    while (*i < s->region_count && s->regions[*i].end <= from)
        (*i)++;
    for (size_t k = *i; from < to && k < s->region_count && s->regions[k].start < to; k++) {
        if (s->regions[k].start > from)
            scan_outside_blocks(s, from, s->regions[k].start);
        if (s->regions[k].end > from)
            from = s->regions[k].end;
    }
    if (from < to)
        scan_outside_blocks(s, from, to);
}

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
static void consider_mapping(struct scan *s, const char *line, uintptr_t stack_boundary)
{
    const char *p = line;
    uintptr_t start = parse_hex(&p);
    if (*p++ != '-')
        return;
    uintptr_t end = parse_hex(&p);
    if (*p++ != ' ' || p[0] != 'r' || p[1] != 'w' || p[3] != 'p')
        return;
    for (int field = 0; field < 4 && *p; field++) { /* perms, offset, dev, inode */
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    if (strncmp(p, "/dev/", 5) == 0 || strncmp(p, "[vvar", 5) == 0)
        return;
    /* The scanning thread's stack holds the shim's own frames below the
     * boundary: only what lies above is the program's. */
    if (stack_boundary >= start && stack_boundary < end)
        start = stack_boundary;
    scan_root(s, start, end);
}

static void collect_region(uintptr_t start, uintptr_t end, void *ctx)
{
    struct scan *s = ctx;
    if (s->region_count < s->region_capacity)
        s->regions[s->region_count++] = (struct range){start, end};
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

static bool scan_roots(struct scan *s, uintptr_t stack_boundary)
{
    size_t maps_capacity;
    char *maps = read_maps(&maps_capacity);
    if (!maps)
        return false;
    /* Room for regions mapped meanwhile, this array among them. */
    size_t existing = 0;
    hs_region_for_each(count_region, &existing);
    s->region_capacity = existing * 2 + 64;
    size_t regions_bytes = s->region_capacity * sizeof *s->regions;
    s->regions = hs_region_map(regions_bytes);
    if (!s->regions) {
        hs_region_unmap(maps, maps_capacity);
        return false;
    }
    hs_region_for_each(collect_region, s);
    hs_sort(s->regions, s->region_count, sizeof *s->regions, range_less);
    for (char *line = maps; *line;) {
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = '\0';
        consider_mapping(s, line, stack_boundary);
        if (!eol)
            break;
        line = eol + 1;
    }
    hs_region_unmap(s->regions, regions_bytes);
    hs_region_unmap(maps, maps_capacity);
    return true;
}

/* ---- classification ---- */

/* Sorts by address: a radix sort on 16-bit digits of start / 16 (blocks are
 * 16-byte aligned and addresses fit 48 bits), ping-ponging with a scratch
 * array. Falls back to a heapsort when no scratch memory can be had. */
static void sort_by_address(struct hs_scan_entry *entries, size_t count)
{
    size_t bytes = count * sizeof *entries;
    struct hs_scan_entry *scratch = hs_region_map(bytes);
    size_t *histogram = hs_region_map(65536 * sizeof *histogram);
    if (!scratch || !histogram) {
        hs_sort(entries, count, sizeof *entries, entry_less);
    } else {
        struct hs_scan_entry *from = entries, *to = scratch;
        for (unsigned shift = 4; shift < 52; shift += 16) {
            memset(histogram, 0, 65536 * sizeof *histogram);
            for (size_t i = 0; i < count; i++)
                histogram[(from[i].start >> shift) & 0xffff]++;
            size_t sum = 0;
            for (size_t d = 0; d < 65536; d++) {
                size_t n = histogram[d];
                histogram[d] = sum;
                sum += n;
            }
            for (size_t i = 0; i < count; i++)
                to[histogram[(from[i].start >> shift) & 0xffff]++] = from[i];
            struct hs_scan_entry *t = from;
            from = to;
            to = t;
        }
        if (from != entries)
            memcpy(entries, from, bytes);
    }
    if (scratch)
        hs_region_unmap(scratch, bytes);
    if (histogram)
        hs_region_unmap(histogram, 65536 * sizeof *histogram);
}

bool hs_scan(struct hs_scan_entry *entries, size_t count, uintptr_t stack_boundary)
{
    struct scan s = {.entries = entries, .count = count};
    if (count == 0)
        return true;
    sort_by_address(entries, count);
    s.lowest = entries[0].start;
    for (size_t i = 0; i < count; i++) {
        entries[i].kind = UNSEEN;
        if (entries[i].end > s.highest)
            s.highest = entries[i].end;
    }
    size_t work_bytes = count * sizeof *s.work;
    s.work = hs_region_map(work_bytes);
    if (!s.work)
        return false;
    /* Each block is pushed at most once per phase: the work list never
     * holds more than count entries. Ignored blocks are roots, like
     * LeakSanitizer's ignored objects. */
    s.mode = FROM_ROOTS;
    for (size_t i = 0; i < count; i++) {
        if (entries[i].ignored) {
            entries[i].kind = HS_REACHABLE;
            push(&s, i);
        }
    }
    bool ok = scan_roots(&s, stack_boundary);
    if (ok) {
        drain(&s);
        s.mode = FROM_POSSIBLE;
        for (size_t i = 0; i < count; i++)
            if (entries[i].kind == HS_POSSIBLE)
                push(&s, i);
        drain(&s);
        s.mode = FROM_LEAKED;
        for (size_t i = 0; i < count; i++) {
            if (entries[i].kind != UNSEEN)
                continue;
            entries[i].kind = HS_DEFINITE;
            s.leader = i;
            push(&s, i);
            drain(&s);
        }
    }
    hs_region_unmap(s.work, work_bytes);
    return ok;
}
