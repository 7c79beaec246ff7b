/* The reachability scan. Blocks are sorted by address so that deciding
 * whether a word points into one is a range check, a look into a small hash
 * set of the megabytes that hold blocks (most words of a large program
 * point into its own memory, not the heap's), and a binary search; the
 * marking runs on an explicit work list, never on recursion. */
#define _GNU_SOURCE
#include "services/leaks/scan.h"

#include <link.h>

#include "services/core/stop.h"
#include "services/leaks/roots.h"
#include "services/mem/regions.h"
#include "services/mem/sort.h"

#define UNSEEN 0xff
#define GRANULE_SHIFT 20
#define GRANULES_MAX ((size_t)1 << 22)

struct scan {
    struct hs_scan_entry *entries;
    size_t count;
    uintptr_t lowest, highest; /* all blocks lie in [lowest, highest) */
    uint64_t *granules;        /* a set of address >> GRANULE_SHIFT + 1 of all block bytes */
    unsigned granule_bits;     /* log2 of its size; 0: no set, search always */
    uint32_t *work;            /* entry indices waiting to be scanned */
    size_t work_count;
    /* What a pointer found now does to the block it points into. */
    enum { FROM_ROOTS, FROM_POSSIBLE, FROM_LEAKED } mode;
    size_t leader; /* FROM_LEAKED: the lost block being traced */
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

void hs_scan_init(void) { dl_iterate_phdr(record_own_data, (void *)(uintptr_t)hs_scan_init); }

/* ---- finding the block a word points into ---- */

static bool entry_less(const void *a, const void *b)
{
    return ((const struct hs_scan_entry *)a)->start < ((const struct hs_scan_entry *)b)->start;
}

/* ---- the granule set: open addressing, 0 for an empty slot ---- */

static size_t granule_slot(const struct scan *s, uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - s->granule_bits));
}

static bool in_granules(const struct scan *s, uintptr_t v)
{
    uint64_t key = (v >> GRANULE_SHIFT) + 1;
    size_t mask = ((size_t)1 << s->granule_bits) - 1;
    for (size_t i = granule_slot(s, key);; i = (i + 1) & mask) {
        if (s->granules[i] == key)
            return true;
        if (s->granules[i] == 0)
            return false;
    }
}

static void add_granule(struct scan *s, uint64_t key)
{
    size_t mask = ((size_t)1 << s->granule_bits) - 1;
    size_t i = granule_slot(s, key);
    while (s->granules[i] && s->granules[i] != key)
        i = (i + 1) & mask;
    s->granules[i] = key;
}

/* Builds the set, at most half full; there is none when huge blocks would
 * make it big, or without memory for it. Returns its size in bytes. */
static size_t index_granules(struct scan *s)
{
    size_t keys = 0;
    for (size_t i = 0; i < s->count; i++)
        keys +=
            ((s->entries[i].end - 1) >> GRANULE_SHIFT) - (s->entries[i].start >> GRANULE_SHIFT) + 1;
    if (keys > GRANULES_MAX)
        return 0;
    unsigned bits = 4;
    while (((size_t)1 << bits) < 2 * keys)
        bits++;
    size_t bytes = ((size_t)1 << bits) * sizeof *s->granules;
    s->granules = hs_region_map(bytes);
    if (!s->granules)
        return 0;
    s->granule_bits = bits;
    for (size_t i = 0; i < s->count; i++)
        for (uintptr_t g = s->entries[i].start >> GRANULE_SHIFT;
             g <= (s->entries[i].end - 1) >> GRANULE_SHIFT; g++)
            add_granule(s, g + 1);
    return bytes;
}

/* The index of the block holding address v, or SIZE_MAX. */
static size_t block_at(const struct scan *s, uintptr_t v)
{
    _Static_assert(offsetof(struct hs_scan_entry, start) == 0 && sizeof(uintptr_t) == 8,
                   "entries are searched by a 64-bit key at their start");
    if (v < s->lowest || v >= s->highest || (s->granule_bits && !in_granules(s, v)))
        return SIZE_MAX;
    size_t i = hs_search_last_at_most(s->entries, s->count, sizeof *s->entries, v);
    return i != SIZE_MAX && v < s->entries[i].end ? i : SIZE_MAX;
}

static void push(struct scan *s, size_t i) { s->work[s->work_count++] = (uint32_t)i; }

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
        if (from >= to)
            break; /* the extent may reach into the next range: keep it */
    }
    if (from < to)
        scan_words(s, from, to);
}

static void scan_root(uintptr_t from, uintptr_t to, void *ctx)
{
    scan_outside_blocks(ctx, from, to);
}

static void scan_registers(struct scan *s, const struct hs_world *world)
{
    for (size_t i = 0; i < world->count; i++) {
        const struct hs_stopped_thread *t = &world->threads[i];
        if (t->stopped)
            scan_words(s, (uintptr_t)t->registers, (uintptr_t)(t->registers + HS_STOP_REGISTERS));
    }
}

/* ---- classification ---- */

bool hs_scan(struct hs_scan_entry *entries, size_t count, uintptr_t stack_boundary,
             const struct hs_world *world)
{
    struct scan s = {.entries = entries, .count = count};
    if (count == 0)
        return true;
    if (!hs_radix_sort(entries, count, sizeof *entries)) /* by start */
        hs_sort(entries, count, sizeof *entries, entry_less);
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
    size_t granule_bytes = index_granules(&s);
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
    scan_registers(&s, world);
    bool ok = hs_roots_visit(stack_boundary, world, scan_root, &s);
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
    if (s.granules)
        hs_region_unmap(s.granules, granule_bytes);
    return ok;
}
