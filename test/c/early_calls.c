/* The shim must be right on the very first call, before any constructor has
 * run, even when several threads make it at once: this program allocates
 * from a preinit_array function (which runs before every shared object's
 * constructor) on four threads started there, then checks the blocks in
 * main. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define BLOCKS 200

static unsigned char *blocks[THREADS][BLOCKS];

static void *allocate_early(void *arg)
{
    uintptr_t t = (uintptr_t)arg;
    for (int i = 0; i < BLOCKS; i++) {
        size_t size = 1 + (size_t)(i * 37 + t) % 700;
        blocks[t][i] = malloc(size);
        if (blocks[t][i])
            memset(blocks[t][i], (int)(t * BLOCKS + i) & 0xff, size);
    }
    return NULL;
}

static void preinit(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    pthread_t threads[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        pthread_create(&threads[t], NULL, allocate_early, (void *)t);
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
}

__attribute__((section(".preinit_array"),
               used)) static void (*const preinit_entry)(int, char **, char **) = preinit;

int main(void)
{
    int bad = 0;
    for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < BLOCKS; i++) {
            size_t size = 1 + (size_t)(i * 37 + t) % 700;
            unsigned char *p = blocks[t][i];
            if (!p) {
                fprintf(stderr, "block %d of thread %d was not allocated\n", i, t);
                bad = 1;
                continue;
            }
            for (size_t k = 0; k < size; k++)
                if (p[k] != ((t * BLOCKS + i) & 0xff)) {
                    fprintf(stderr, "block %d of thread %d corrupted at %zu\n", i, t, k);
                    bad = 1;
                    break;
                }
            free(p);
        }
    }
    puts(bad ? "corrupt" : "ok");
    return bad;
}
