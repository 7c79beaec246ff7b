/* The exit report's view of the arenas: every live block, found by walking
 * the segments in address order, with no per-call bookkeeping. A small
 * or large block is live unless it carries its freed tag; a huge run is one
 * block. The caller holds the reservation still (freeze), so
 * no segment is unmapped under the walk; threads still running may change
 * pages meanwhile, which can make the report miss or add a block they are
 * handling at that instant, never read unmapped memory. */
#include "backend.h"
#include "backends/arena/alloc_inline.h"

static void visit_block(hs_block_visitor *visit, void *ctx, uintptr_t address, size_t size,
                        size_t extent)
{
    struct hs_block block = {
        .address = address,
        .size = size,
        .kind = HS_KIND_MALLOC,
        .extent_start = address,
        .extent_end = address + extent,
    };
    visit(&block, ctx);
}

static void walk_segment(struct segment *segment, hs_block_visitor *visit, void *ctx)
{
    for (unsigned i = 1; i < SLICES_PER_SEGMENT; i++) {
        const struct page *page = &segment->pages[i];
        if (page->head_offset != 0)
            continue;
        if (live_large_block(page, (uintptr_t)page->start)) {
            visit_block(visit, ctx, (uintptr_t)page->start, page->large_size,
                        (size_t)page->slices << SLICE_SHIFT);
        } else if (page->kind == PAGE_SMALL) {
            for (char *p = page->start; p < page->end; p += page->block_size) {
                const struct block *b = (const struct block *)p;
                if (b->tag != freed_tag(b))
                    visit_block(visit, ctx, (uintptr_t)p, page->block_size, page->block_size);
            }
        }
    }
}

void hs_arena_for_each_block(hs_block_visitor *visit, void *ctx)
{
    size_t end = hs_arena_segments_end();
    for (size_t i = 0; i < end; i++) {
        uintptr_t start = hs_arena_space.base + (i << SEGMENT_SHIFT);
        uint8_t kind = __atomic_load_n(&hs_arena_space.segment_kind[i], __ATOMIC_ACQUIRE);
        if (kind == SEGMENT_HEAP) {
            walk_segment((struct segment *)start, visit, ctx);
        } else if (kind == SEGMENT_HUGE_HEAD) {
            struct huge *huge = (struct huge *)start;
            if (!huge->freed)
                visit_block(visit, ctx, (uintptr_t)hs_arena_huge_block(huge), huge->requested,
                            hs_arena_huge_usable(huge));
        }
    }
}

void hs_arena_facts(struct hs_backend_facts *out)
{
    *out = (struct hs_backend_facts){.classifies_reachability = true};
}
