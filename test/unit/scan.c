/* Unit tests of services/leaks/scan, driven without the process's own
 * roots: hs_roots_visit is defined here and visits root regions the test
 * makes, so the scan sees only synthetic blocks (ranges of a mapping, with
 * pointers between them). Covered: reachable (from a root, through a
 * chain, from an ignored block, from a stopped thread's registers),
 * possible (an interior pointer from a root, and what a possible block
 * points to), indirect and definite (a lost block and what it points to,
 * a lost cycle), pointers that do not count (unaligned, one past the end,
 * inside the memory kept around a block), glibc's thread vector rule, a
 * failed root walk, and a random graph of blocks spread over many
 * megabytes against a reference classification. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "services/core/stop.h"
#include "services/leaks/roots.h"
#include "services/leaks/scan.h"
#include "unit.h"

/* ---- the roots, as this test sets them ---- */

struct root {
    uintptr_t from, to;
};

static struct root roots[4];
static size_t root_count;
static bool roots_readable = true;

bool hs_roots_visit(uintptr_t stack_boundary, const struct hs_world *world, hs_root_visitor *visit,
                    void *ctx)
{
    (void)stack_boundary, (void)world;
    for (size_t i = 0; i < root_count; i++)
        visit(roots[i].from, roots[i].to, ctx);
    return roots_readable;
}

static const struct hs_world no_threads;

/* ---- blocks in a mapping of their own ---- */

#define HEAP_SIZE ((size_t)16 << 20)
static char *heap;

/* Block i of the hand-made cases: 64 bytes at heap + 256 * i. */
static uintptr_t *block(unsigned i) { return (uintptr_t *)(heap + 256 * (size_t)i); }

static struct hs_scan_entry entry_of(uintptr_t *start, size_t size, uint32_t index)
{
    return (struct hs_scan_entry){(uintptr_t)start,
                                  (uintptr_t)start + size,
                                  (uintptr_t)start,
                                  (uintptr_t)start + size,
                                  index,
                                  false,
                                  0};
}

/* Each entry's kind by its index. */
static void kinds_by_index(const struct hs_scan_entry *entries, size_t n, uint8_t *kinds)
{
    for (size_t i = 0; i < n; i++)
        kinds[entries[i].index] = entries[i].kind;
}

enum { A, B, C, D, E, F, G, H, I, J, K, L, M, N, P, Q, COUNT };

static void hand_made(void)
{
    memset(heap, 0, 256 * COUNT);
    static uintptr_t root_words[8];
    static char unaligned_root[24];
    memset(root_words, 0, sizeof root_words);
    root_words[0] = (uintptr_t)block(A);     /* A reachable */
    block(A)[3] = (uintptr_t)block(B);       /* B through A */
    root_words[1] = (uintptr_t)block(C) + 8; /* C: only an interior pointer */
    block(C)[0] = (uintptr_t)block(D);       /* D: from a possible block */
    block(E)[5] = (uintptr_t)block(F);       /* E lost, F through it */
    block(G)[0] = (uintptr_t)block(H);       /* a lost cycle */
    block(H)[0] = (uintptr_t)block(G);
    block(I)[2] = (uintptr_t)block(J); /* I ignored: J reachable */
    uintptr_t k = (uintptr_t)block(K);
    memcpy(unaligned_root + 4, &k, sizeof k); /* not a word: no pointer */
    root_words[2] = (uintptr_t)block(L) + 64; /* one past L's end */
    block(M)[1] = (uintptr_t)block(N);        /* M lies in a root, but is a block */
    /* Q: a thread vector, referred to 16 bytes in, its first word its
     * length in 16-byte units less two. */
    block(Q)[0] = 64 / 16 - 2;
    root_words[3] = (uintptr_t)block(Q) + 16;

    struct hs_scan_entry entries[COUNT];
    /* In no particular order: the scan sorts them. */
    for (unsigned i = 0; i < COUNT; i++) {
        unsigned b = (i * 7) % COUNT;
        entries[i] = entry_of(block(b), 64, b);
    }
    for (unsigned i = 0; i < COUNT; i++)
        entries[i].ignored = entries[i].index == I;
    roots[0] = (struct root){(uintptr_t)root_words, (uintptr_t)(root_words + 8)};
    roots[1] = (struct root){(uintptr_t)unaligned_root, (uintptr_t)(unaligned_root + 24)};
    /* A root region over M and N: M's own memory is not a root. */
    roots[2] = (struct root){(uintptr_t)block(M), (uintptr_t)block(N) + 64};
    if (roots[0].from > roots[1].from) {
        struct root t = roots[0];
        roots[0] = roots[1], roots[1] = t;
    }
    root_count = 3;
    /* P: in a stopped thread's registers. */
    struct hs_stopped_thread thread = {.stopped = true};
    thread.registers[0] = (uintptr_t)block(P);
    struct hs_world world = {.made = true, .threads = &thread, .count = 1};

    CHECK(hs_scan(entries, COUNT, 0, &world));
    bool sorted = true;
    for (unsigned i = 1; i < COUNT; i++)
        sorted &= entries[i - 1].start < entries[i].start;
    CHECK(sorted);
    uint8_t kind[COUNT];
    kinds_by_index(entries, COUNT, kind);
    static const uint8_t want[COUNT] = {
        [A] = HS_REACHABLE, [B] = HS_REACHABLE, [C] = HS_POSSIBLE,  [D] = HS_POSSIBLE,
        [E] = HS_DEFINITE,  [F] = HS_INDIRECT,  [I] = HS_REACHABLE, [J] = HS_REACHABLE,
        [K] = HS_DEFINITE,  [L] = HS_DEFINITE,  [M] = HS_DEFINITE,  [N] = HS_INDIRECT,
        [P] = HS_REACHABLE, [Q] = HS_REACHABLE,
    };
    for (unsigned b = 0; b < COUNT; b++) {
        if (b != G && b != H && kind[b] != want[b])
            fprintf(stderr, "block %c: kind %u, want %u\n", "ABCDEFGHIJKLMNPQ"[b], kind[b],
                    want[b]);
        CHECK(b == G || b == H || kind[b] == want[b]);
    }
    CHECK((kind[G] == HS_DEFINITE) + (kind[H] == HS_DEFINITE) == 1); /* one leads */
    CHECK((kind[G] == HS_INDIRECT) + (kind[H] == HS_INDIRECT) == 1);

    /* Without the thread, P is lost. */
    CHECK(hs_scan(entries, COUNT, 0, &no_threads));
    kinds_by_index(entries, COUNT, kind);
    CHECK_EQ_U(kind[P], HS_DEFINITE);
    CHECK_EQ_U(kind[A], HS_REACHABLE);

    roots_readable = false;
    CHECK(!hs_scan(entries, COUNT, 0, &no_threads));
    roots_readable = true;
    CHECK(hs_scan(entries, 0, 0, &no_threads));
}

/* ---- a random graph against a reference ---- */

#define BLOCKS 1500
#define WORDS 16

struct graph {
    uintptr_t *start[BLOCKS];
    size_t words[BLOCKS];
    /* Each block's pointers: to which block, at which word offset (0 is
     * the start, others interior). Only to blocks of higher index: no
     * cycles, so which lost block leads is never in doubt. */
    int target[BLOCKS][3];
    size_t offset[BLOCKS][3];
    int root_target[64];
    size_t root_offset[64];
};

static void add_pointer(uintptr_t *at, const struct graph *g, int target, size_t offset)
{
    *at = (uintptr_t)(g->start[target] + offset);
}

static void make_graph(struct graph *g, uintptr_t *root_words)
{
    memset(heap, 0, HEAP_SIZE);
    size_t stride = HEAP_SIZE / BLOCKS & ~(size_t)15;
    for (int i = 0; i < BLOCKS; i++) {
        g->words[i] = 3 + unit_random() % (WORDS - 3);
        size_t slack = stride - g->words[i] * sizeof(uintptr_t);
        g->start[i] = (uintptr_t *)(heap + i * stride + (unit_random() % slack & ~(size_t)15));
    }
    for (int i = 0; i < BLOCKS; i++) {
        for (int k = 0; k < 3; k++) {
            g->target[i][k] = -1;
            if (i + 1 < BLOCKS && unit_random() % 3 == 0) {
                int t = i + 1 + (int)(unit_random() % (uint64_t)(BLOCKS - i - 1));
                g->target[i][k] = t;
                bool interior = unit_random() % 4 == 0;
                g->offset[i][k] = interior ? 1 + unit_random() % (g->words[t] - 1) : 0;
                add_pointer(&g->start[i][k], g, t, g->offset[i][k]);
            }
        }
    }
    for (int r = 0; r < 64; r++) {
        g->root_target[r] = (int)(unit_random() % BLOCKS);
        g->root_offset[r] = unit_random() % 5 == 0 ? 1 + unit_random() % 2 : 0;
        add_pointer(&root_words[r], g, g->root_target[r], g->root_offset[r]);
    }
}

/* Whether a pointer `offset` words into block t makes it reachable: at
 * its start, or 16 bytes into what looks like a thread vector. */
static bool as_start(const struct graph *g, int t, size_t offset)
{
    size_t size = g->words[t] * sizeof(uintptr_t);
    return offset == 0 || (offset * sizeof(uintptr_t) == 16 && size % 16 == 0 && size >= 32 &&
                           g->start[t][0] == size / 16 - 2);
}

/* What the scan must find, worked out directly from the graph. */
static void reference(const struct graph *g, uint8_t *kind)
{
    enum { NONE = 0xff };
    memset(kind, NONE, BLOCKS);
    /* Reachable: start pointers from the roots, then from reachable blocks;
     * blocks come before their targets, so one pass in index order after
     * the roots is a closure. */
    for (int r = 0; r < 64; r++)
        if (as_start(g, g->root_target[r], g->root_offset[r]))
            kind[g->root_target[r]] = HS_REACHABLE;
    for (int i = 0; i < BLOCKS; i++)
        for (int k = 0; k < 3; k++)
            if (kind[i] == HS_REACHABLE && g->target[i][k] >= 0 &&
                as_start(g, g->target[i][k], g->offset[i][k]))
                kind[g->target[i][k]] = HS_REACHABLE;
    /* Possible: interior pointers from the roots or reachable blocks, then
     * any pointer from a possible block. */
    for (int r = 0; r < 64; r++)
        if (kind[g->root_target[r]] == NONE)
            kind[g->root_target[r]] = HS_POSSIBLE;
    for (int i = 0; i < BLOCKS; i++)
        for (int k = 0; k < 3; k++) {
            int t = g->target[i][k];
            if (t >= 0 && kind[t] == NONE && (kind[i] == HS_POSSIBLE || kind[i] == HS_REACHABLE))
                kind[t] = HS_POSSIBLE;
        }
    /* Lost: indirect when a lost block points to it. */
    for (int i = 0; i < BLOCKS; i++)
        if (kind[i] == NONE)
            kind[i] = HS_DEFINITE;
    for (int i = 0; i < BLOCKS; i++)
        for (int k = 0; k < 3; k++)
            if ((kind[i] == HS_DEFINITE || kind[i] == HS_INDIRECT) && g->target[i][k] >= 0 &&
                kind[g->target[i][k]] == HS_DEFINITE)
                kind[g->target[i][k]] = HS_INDIRECT;
}

static void random_graph(void)
{
    static struct graph g;
    static uintptr_t root_words[64];
    static struct hs_scan_entry entries[BLOCKS];
    static uint8_t want[BLOCKS], got[BLOCKS];
    for (int round = 0; round < 3; round++) {
        make_graph(&g, root_words);
        for (int i = 0; i < BLOCKS; i++)
            entries[i] = entry_of(g.start[i], g.words[i] * sizeof(uintptr_t), (uint32_t)i);
        roots[0] = (struct root){(uintptr_t)root_words, (uintptr_t)(root_words + 64)};
        root_count = 1;
        CHECK(hs_scan(entries, BLOCKS, 0, &no_threads));
        kinds_by_index(entries, BLOCKS, got);
        reference(&g, want);
        unsigned differ = 0, count[HS_LEAK_KINDS] = {0};
        for (int i = 0; i < BLOCKS; i++) {
            differ += got[i] != want[i];
            count[want[i] < HS_LEAK_KINDS ? want[i] : 0]++;
        }
        CHECK_EQ_U(differ, 0);
        /* The graph has every kind, or it tests little. */
        CHECK(count[HS_DEFINITE] && count[HS_INDIRECT] && count[HS_POSSIBLE] &&
              count[HS_REACHABLE]);
    }
}

int main(void)
{
    heap = mmap(NULL, HEAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(heap != MAP_FAILED);
    if (heap == MAP_FAILED)
        return unit_done("scan");
    hand_made();
    random_graph();
    munmap(heap, HEAP_SIZE);
    return unit_done("scan");
}
