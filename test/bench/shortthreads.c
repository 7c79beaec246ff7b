/* Short-lived threads: thread after thread starts, allocates a few dozen
 * blocks, frees most of them and exits, handing the rest to the main
 * thread, which checks and frees them after the thread is gone. Two
 * threads run at a time. A heap that keeps each dead thread's memory
 * grows with the number of threads; the peak resident size shows it.
 *   shortthreads THREADS
 * Every block handed over must carry the tag it was given. */
#include <pthread.h>

#include "bench.h"

#define BLOCKS 48
#define HANDED 8
#define RUNNING 2

struct worker {
    pthread_t thread;
    uint64_t base;
    unsigned char *handed[HANDED];
};

static void *work(void *arg)
{
    struct worker *w = arg;
    unsigned char *block[BLOCKS];
    uint64_t rng = rng_seed(w->base);
    for (int i = 0; i < BLOCKS; i++)
        block[i] = block_new(i == 0 ? 65536 : small_size(&rng), w->base + i);
    for (int i = 0; i < BLOCKS - HANDED; i++)
        block_free_tagged(block[i], w->base + i);
    for (int i = 0; i < HANDED; i++)
        w->handed[i] = block[BLOCKS - HANDED + i];
    return NULL;
}

static void collect(struct worker *w)
{
    pthread_join(w->thread, NULL);
    for (int i = 0; i < HANDED; i++)
        block_free_tagged(w->handed[i], w->base + BLOCKS - HANDED + i);
}

int main(int argc, char **argv)
{
    long threads = arg(argc, argv, 1, 10000);
    struct worker worker[RUNNING];
    for (long t = 0; t < threads; t++) {
        struct worker *w = &worker[t % RUNNING];
        if (t >= RUNNING)
            collect(w);
        w->base = (uint64_t)t * BLOCKS;
        if (pthread_create(&w->thread, NULL, work, w))
            die("pthread_create failed");
    }
    for (long t = threads > RUNNING ? threads - RUNNING : 0; t < threads; t++)
        collect(&worker[t % RUNNING]);
    printf("shortthreads %ld\n", threads);
    return 0;
}
