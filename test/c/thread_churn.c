/* thread_churn: blocks allocated on one thread are checked and freed on another.
 *
 * Eight threads each allocate COUNT blocks per round (default 1250) of
 * random sizes (mostly 1 byte..64 KiB, rarely 256 KiB..2 MiB; from malloc,
 * calloc, posix_memalign or a chain of reallocs), fill each with a pattern
 * derived from (thread, index), and pass it through a ring to the next
 * thread, which checks every byte, sometimes reallocs it (checking the kept
 * part) and frees it. Each thread also churns a few blocks of its own, and
 * leaves some alive when it exits for the main thread to check and free. The
 * whole runs twice, with fresh threads, so thread exit and thread start are
 * exercised too.
 *
 * Usage: thread_churn [COUNT]. Prints "ok BLOCKS" (20000 by default) on success;
 * every mismatch is reported on stderr and the exit status is 1. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { THREADS = 8, RING = 128, KEEP = 16, ROUNDS = 2 };

struct msg {
    unsigned char *p;
    size_t n;
    uint64_t seed;
};

struct inbox {
    pthread_mutex_t lock;
    unsigned head, tail;
    struct msg ring[RING];
};

static struct inbox inboxes[THREADS];
static long count = 1250;
static atomic_int errors;
static atomic_long blocks_checked;

/* Leftovers each thread leaves alive at exit, for main to check. */
static struct msg leftovers[THREADS][KEEP];

#define error(...) \
    do { \
        if (atomic_fetch_add(&errors, 1) < 20) \
            fprintf(stderr, __VA_ARGS__); \
    } while (0)

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t rng_next(uint64_t *state) { return mix(*state += 0x632be59bd9b4e019ull); }

/* Byte i of a block's contents is byte i%8 of mix(seed ^ i/8 * K). */
static void fill_range(unsigned char *p, size_t from, size_t to, uint64_t seed)
{
    for (size_t i = from; i < to;) {
        uint64_t w = mix(seed ^ (i / 8) * 0xd6e8feb86659fd93ull);
        for (size_t b = i % 8; b < 8 && i < to; b++, i++)
            p[i] = (unsigned char)(w >> (8 * b));
    }
}

/* Offset of the first byte in [from, to) that differs from the pattern, or to. */
static size_t check_range(const unsigned char *p, size_t from, size_t to, uint64_t seed)
{
    for (size_t i = from; i < to;) {
        uint64_t w = mix(seed ^ (i / 8) * 0xd6e8feb86659fd93ull);
        for (size_t b = i % 8; b < 8 && i < to; b++, i++)
            if (p[i] != (unsigned char)(w >> (8 * b)))
                return i;
    }
    return to;
}

static uint64_t block_seed(int round, int thread, long index)
{
    return mix(((uint64_t)round << 56) ^ ((uint64_t)thread << 40) ^ (uint64_t)index);
}

static size_t pick_size(uint64_t *rng)
{
    uint64_t r = rng_next(rng);
    if (r % 1000 == 0) /* rarely large: 256 KiB .. 2 MiB */
        return (256 << 10) + (size_t)(rng_next(rng) % ((2 << 20) - (256 << 10) + 1));
    /* log-uniform over 1 byte .. 64 KiB, so small sizes dominate */
    return 1 + (size_t)(rng_next(rng) % ((size_t)1 << ((r >> 32) % 17)));
}

static void verify(const struct msg *m, const char *where, int thread)
{
    size_t bad = check_range(m->p, 0, m->n, m->seed);
    if (bad != m->n)
        error("thread %d (%s): block %p of %zu bytes, seed %016llx: byte %zu is 0x%02x\n", thread,
              where, (void *)m->p, m->n, (unsigned long long)m->seed, bad, m->p[bad]);
}

static unsigned char *alloc_or_die(size_t n, int thread)
{
    unsigned char *p = malloc(n);
    if (!p) {
        error("thread %d: malloc(%zu) returned NULL\n", thread, n);
        exit(1);
    }
    return p;
}

/* A block made by a chain of reallocs, each step checking the kept part. */
static unsigned char *realloc_chain(size_t n, uint64_t seed, uint64_t *rng, int thread)
{
    size_t have = 1 + (size_t)(rng_next(rng) % 100);
    unsigned char *p = alloc_or_die(have, thread);
    fill_range(p, 0, have, seed);
    int steps = 2 + (int)(rng_next(rng) % 5);
    for (int s = 0; s < steps; s++) {
        size_t next = s == steps - 1 ? n : pick_size(rng);
        unsigned char *q = realloc(p, next);
        if (!q) {
            error("thread %d: realloc(%zu -> %zu) returned NULL\n", thread, have, next);
            exit(1);
        }
        size_t kept = have < next ? have : next, bad;
        if ((bad = check_range(q, 0, kept, seed)) != kept)
            error("thread %d: realloc %zu -> %zu: byte %zu changed\n", thread, have, next, bad);
        fill_range(q, kept, next, seed);
        p = q;
        have = next;
    }
    return p;
}

static struct msg make_block(int round, int thread, long index, uint64_t *rng)
{
    struct msg m = {NULL, pick_size(rng), block_seed(round, thread, index)};
    switch (rng_next(rng) % 16) {
    case 0: m.p = realloc_chain(m.n, m.seed, rng, thread); return m;
    case 1: {
        m.p = calloc(1, m.n);
        size_t bad;
        for (bad = 0; m.p && bad < m.n && m.p[bad] == 0; bad++)
            ;
        if (m.p && bad != m.n)
            error("thread %d: calloc(1, %zu): byte %zu is not zero\n", thread, m.n, bad);
        break;
    }
    case 2: {
        void *p = NULL;
        if (posix_memalign(&p, (size_t)16 << (rng_next(rng) % 9), m.n) == 0)
            m.p = p;
        break;
    }
    default: m.p = malloc(m.n);
    }
    if (!m.p) {
        error("thread %d: allocating %zu bytes returned NULL\n", thread, m.n);
        exit(1);
    }
    fill_range(m.p, 0, m.n, m.seed);
    return m;
}

static int try_push(struct inbox *box, const struct msg *m)
{
    pthread_mutex_lock(&box->lock);
    int ok = box->tail - box->head < RING;
    if (ok)
        box->ring[box->tail++ % RING] = *m;
    pthread_mutex_unlock(&box->lock);
    return ok;
}

static int try_pop(struct inbox *box, struct msg *m)
{
    pthread_mutex_lock(&box->lock);
    int ok = box->tail != box->head;
    if (ok)
        *m = box->ring[box->head++ % RING];
    pthread_mutex_unlock(&box->lock);
    return ok;
}

/* Checks and frees what is waiting for this thread; returns how many. */
static long drain(int thread, uint64_t *rng)
{
    struct msg m;
    long got = 0;
    while (try_pop(&inboxes[thread], &m)) {
        verify(&m, "received", thread);
        if (rng_next(rng) % 8 == 0) {
            /* Resize a block another thread allocated, then free it. */
            size_t next = pick_size(rng), kept = m.n < next ? m.n : next, bad;
            unsigned char *q = realloc(m.p, next);
            if (!q) {
                error("thread %d: realloc of a received block to %zu returned NULL\n", thread,
                      next);
                free(m.p);
            } else {
                if ((bad = check_range(q, 0, kept, m.seed)) != kept)
                    error("thread %d: realloc of a received block %zu -> %zu: byte %zu changed\n",
                          thread, m.n, next, bad);
                free(q);
            }
        } else {
            free(m.p);
        }
        got++;
    }
    atomic_fetch_add(&blocks_checked, got);
    return got;
}

struct job {
    int round, thread;
};

static void *worker(void *arg)
{
    const struct job *job = arg;
    int me = job->thread, next = (me + 1) % THREADS;
    uint64_t rng = block_seed(job->round, me, -1);
    struct msg local[KEEP] = {{0}};
    long received = 0;

    for (long i = 0; i < count; i++) {
        struct msg m = make_block(job->round, me, i, &rng);
        while (!try_push(&inboxes[next], &m)) {
            long got = drain(me, &rng); /* the ring is full: make way meanwhile */
            received += got;
            if (got == 0)
                sched_yield();
        }
        if (i % 8 == 0)
            received += drain(me, &rng);

        /* Same-thread churn: replace one of the blocks kept here. */
        struct msg *slot = &local[rng_next(&rng) % KEEP];
        if (slot->p) {
            verify(slot, "kept", me);
            free(slot->p);
        }
        slot->n = 1 + (size_t)(rng_next(&rng) % 512);
        slot->seed = block_seed(job->round, me, count + i);
        slot->p = alloc_or_die(slot->n, me);
        fill_range(slot->p, 0, slot->n, slot->seed);
    }
    /* The previous thread sends exactly `count` blocks: take them all. */
    while (received < count) {
        long got = drain(me, &rng);
        received += got;
        if (got == 0)
            sched_yield();
    }
    /* The kept blocks outlive this thread; main checks and frees them. */
    memcpy(leftovers[me], local, sizeof local);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        count = strtol(argv[1], NULL, 10);
    if (argc > 2 || count < 1) {
        fprintf(stderr, "usage: thread_churn [COUNT]\n");
        return 2;
    }
    for (int i = 0; i < THREADS; i++)
        pthread_mutex_init(&inboxes[i].lock, NULL);

    for (int round = 0; round < ROUNDS; round++) {
        pthread_t tid[THREADS];
        struct job jobs[THREADS];
        for (int i = 0; i < THREADS; i++) {
            jobs[i] = (struct job){round, i};
            int rc = pthread_create(&tid[i], NULL, worker, &jobs[i]);
            if (rc != 0) {
                fprintf(stderr, "pthread_create: %s\n", strerror(rc));
                return 1;
            }
        }
        for (int i = 0; i < THREADS; i++)
            pthread_join(tid[i], NULL);
        for (int i = 0; i < THREADS; i++) {
            if (inboxes[i].head != inboxes[i].tail)
                error("round %d: inbox %d still holds %u blocks\n", round, i,
                      inboxes[i].tail - inboxes[i].head);
            for (int k = 0; k < KEEP; k++) {
                if (!leftovers[i][k].p)
                    continue;
                verify(&leftovers[i][k], "left by an exited thread", i);
                free(leftovers[i][k].p);
                leftovers[i][k].p = NULL;
            }
        }
    }

    long expect = (long)ROUNDS * THREADS * count;
    if (atomic_load(&blocks_checked) != expect)
        error("%ld blocks checked, expected %ld\n", atomic_load(&blocks_checked), expect);
    if (atomic_load(&errors)) {
        fprintf(stderr, "thread_churn: %d errors\n", atomic_load(&errors));
        return 1;
    }
    printf("ok %ld\n", expect);
    return 0;
}
