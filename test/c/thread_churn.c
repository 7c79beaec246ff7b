/* Eight threads allocate blocks of random sizes, fill them with a pattern
 * derived from (thread, index), and pass them through a shared ring to the
 * next thread, which checks every byte and frees them: every block is freed
 * by a thread other than the one that allocated it. Some blocks are grown
 * with realloc on the way. Exits 1 on any corrupted block.
 * usage: thread_churn [BLOCKS_PER_THREAD] */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8
#define RING 256

struct ring {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned char *items[RING];
    size_t sizes[RING];
    uint32_t tags[RING];
    size_t head, count;
    bool done;
};

static struct ring rings[THREADS];
static long per_thread = 2500;
static int corrupted;

static unsigned char pattern(uint32_t tag, size_t i)
{
    return (unsigned char)(tag * 31 + i * 7);
}

static void put(struct ring *r, unsigned char *p, size_t size, uint32_t tag)
{
    pthread_mutex_lock(&r->lock);
    while (r->count == RING)
        pthread_cond_wait(&r->changed, &r->lock);
    size_t at = (r->head + r->count++) % RING;
    r->items[at] = p, r->sizes[at] = size, r->tags[at] = tag;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static bool take(struct ring *r, unsigned char **p, size_t *size, uint32_t *tag)
{
    pthread_mutex_lock(&r->lock);
    while (r->count == 0 && !r->done)
        pthread_cond_wait(&r->changed, &r->lock);
    bool got = r->count > 0;
    if (got) {
        *p = r->items[r->head], *size = r->sizes[r->head], *tag = r->tags[r->head];
        r->head = (r->head + 1) % RING;
        r->count--;
        pthread_cond_broadcast(&r->changed);
    }
    pthread_mutex_unlock(&r->lock);
    return got;
}

static void *consumer(void *arg)
{
    struct ring *r = arg;
    unsigned char *p;
    size_t size;
    uint32_t tag;
    while (take(r, &p, &size, &tag)) {
        for (size_t i = 0; i < size; i++)
            if (p[i] != pattern(tag, i)) {
                __atomic_add_fetch(&corrupted, 1, __ATOMIC_RELAXED);
                break;
            }
        free(p);
    }
    return NULL;
}

static void *producer(void *arg)
{
    uintptr_t t = (uintptr_t)arg;
    uint64_t state = 0x2545f4914f6cdd1dull * (t + 1);
    for (long i = 0; i < per_thread; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        size_t size = 1 + state % (state % 64 == 0 ? 262144 : 4096);
        uint32_t tag = (uint32_t)(t << 24 | (uint32_t)i);
        unsigned char *p = malloc(size);
        if (!p) {
            __atomic_add_fetch(&corrupted, 1, __ATOMIC_RELAXED);
            return NULL;
        }
        for (size_t k = 0; k < size; k++)
            p[k] = pattern(tag, k);
        if (state % 5 == 0) { /* grow it, the new part patterned too */
            size_t bigger = size + state % 3000;
            p = realloc(p, bigger);
            for (size_t k = size; k < bigger; k++)
                p[k] = pattern(tag, k);
            size = bigger;
        }
        put(&rings[(t + 1) % THREADS], p, size, tag);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        per_thread = atol(argv[1]);
    pthread_t producers[THREADS], consumers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        pthread_mutex_init(&rings[t].lock, NULL);
        pthread_cond_init(&rings[t].changed, NULL);
        pthread_create(&consumers[t], NULL, consumer, &rings[t]);
    }
    for (uintptr_t t = 0; t < THREADS; t++)
        pthread_create(&producers[t], NULL, producer, (void *)t);
    for (int t = 0; t < THREADS; t++)
        pthread_join(producers[t], NULL);
    for (int t = 0; t < THREADS; t++) {
        pthread_mutex_lock(&rings[t].lock);
        rings[t].done = true;
        pthread_cond_broadcast(&rings[t].changed);
        pthread_mutex_unlock(&rings[t].lock);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(consumers[t], NULL);
    printf("%s %d\n", corrupted ? "corrupted" : "ok", corrupted);
    return corrupted != 0;
}
