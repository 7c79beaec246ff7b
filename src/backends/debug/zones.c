/* The checks of redzones and fill patterns (zones.h): how many bytes of a
 * zone differ from its pattern, read a word at a time, and how many of a
 * freed block were written, reading only the pages of its middle that came
 * back into memory; and the reports of the damage found, made with no lock
 * held, after which the damage is painted over so it is reported once. */
#include <string.h>

#include "backends/debug/zones.h"
#include "services/core/os.h"
#include "services/core/thread.h"
#include "services/report/errors.h"

/* How many bytes of [start, end) differ from fill: 64 bytes at a time
 * (one test for eight words), then whole words, the byte count only where
 * they differ. */
static size_t damaged_bytes(uintptr_t start, uintptr_t end, unsigned char fill)
{
    uint64_t pattern = 0x0101010101010101ull * fill;
    size_t damaged = 0;
    uintptr_t p = start;
    for (; p < end && (p & 7); p++)
        damaged += *(const unsigned char *)p != fill;
    for (; p + 64 <= end; p += 64) {
        uint64_t differ = 0, word;
        for (int i = 0; i < 8; i++) {
            memcpy(&word, (const void *)(p + 8 * i), 8);
            differ |= word ^ pattern;
        }
        for (int i = 0; differ && i < 64; i++)
            damaged += ((const unsigned char *)p)[i] != fill;
    }
    for (; p + 8 <= end; p += 8) {
        uint64_t word;
        memcpy(&word, (const void *)p, 8);
        if (word != pattern)
            for (int i = 0; i < 8; i++)
                damaged += ((const unsigned char *)p)[i] != fill;
    }
    for (; p < end; p++)
        damaged += *(const unsigned char *)p != fill;
    return damaged;
}

static size_t left_zone_damage(const struct debug_block *b)
{
    return damaged_bytes(left_zone(b), b->ptr, FILL_LEFT);
}

size_t hs_debug_right_zone_damage(const struct debug_block *b)
{
    return damaged_bytes(b->ptr + b->size, right_zone_end(b), FILL_RIGHT);
}

/* The bytes of a discarded middle [start, end) that are not zero, read
 * only in the pages a write (or a read) brought back into memory. */
static size_t written_in_middle(uintptr_t start, uintptr_t end)
{
    size_t page = hs_os_page_size(), written = 0;
    unsigned char resident[512];
    for (uintptr_t p = start; p < end; p += sizeof resident * page) {
        size_t pages = (end - p) / page < sizeof resident ? (end - p) / page : sizeof resident;
        bool known = hs_os_resident((void *)p, pages * page, resident);
        for (size_t i = 0; i < pages; i++)
            if (!known || (resident[i] & 1))
                written += damaged_bytes(p + i * page, p + (i + 1) * page, 0);
    }
    return written;
}

size_t hs_debug_written_after_free(const struct debug_block *b)
{
    struct middle m = middle_of(b->ptr, b->size);
    size_t written = damaged_bytes(b->ptr, m.start, FILL_FREED);
    if (m.end > m.start) /* a block with a middle: past it, and in it */
        written +=
            damaged_bytes(m.end, b->ptr + b->size, FILL_FREED) + written_in_middle(m.start, m.end);
    return written;
}

/* Damage to b found `distance` bytes from it (or, after free, that many
 * bytes written), as a heap error of that kind. */
static void report_damage(const struct debug_block *b, enum hs_error_kind kind, size_t distance,
                          const char *call, const struct hs_stack *stack)
{
    struct hs_error e = {.kind = kind,
                         .address = b->ptr,
                         .call = call,
                         .stack = stack,
                         .thread = hs_thread_number(),
                         .distance = distance};
    hs_debug_describe(&e, b);
    hs_heap_error(&e);
}

void hs_debug_report_written_after_free(const struct debug_block *b, size_t written,
                                        const char *call, const struct hs_stack *stack)
{
    report_damage(b, HS_ERR_USE_AFTER_FREE, written, call, stack);
}

int hs_debug_check_redzones(const struct debug_block *b, const char *call,
                            const struct hs_stack *stack)
{
    size_t before = left_zone_damage(b);
    size_t after = hs_debug_right_zone_damage(b);
    if (before)
        report_damage(b, HS_ERR_UNDERFLOW, before, call, stack);
    if (after)
        report_damage(b, HS_ERR_OVERFLOW, after, call, stack);
    return (before != 0) + (after != 0);
}

/* Refills the redzones of a block whose damage was reported, so that the
 * same damage is not reported again at its free or at exit. */
static void repair_zones(uintptr_t ptr)
{
    struct hs_shard *s = shard_of(ptr);
    hs_lock_acquire(&s->lock);
    const struct debug_block *b = hs_table_find(&s->table, ptr);
    if (b && b->state == LIVE)
        fill_zones(b);
    hs_lock_release(&s->lock);
}

/* One shard at a time, copying out the damaged blocks so they can be
 * reported with no lock held. */
size_t hs_debug_check_live(const struct hs_stack *stack)
{
    size_t damaged = 0;
    struct debug_block bad[32];
    for (int i = 0; i < HS_SHARD_COUNT; i++) {
        struct hs_shard *s = &hs_debug_records.shard[i];
        size_t cursor = 0, bad_count = 0;
        const struct debug_block *b;
        hs_lock_acquire(&s->lock);
        while ((b = hs_table_next(&s->table, &cursor)) && bad_count < 32)
            if (b->state == LIVE && (left_zone_damage(b) || hs_debug_right_zone_damage(b)))
                bad[bad_count++] = *b;
        hs_lock_release(&s->lock);
        for (size_t k = 0; k < bad_count; k++) {
            if (hs_debug_check_redzones(&bad[k], "check", stack) > 0) {
                damaged++;
                repair_zones(bad[k].ptr);
            }
        }
    }
    return damaged;
}
