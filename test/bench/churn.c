/* Allocation churn: keeps a window of live blocks of mixed small sizes,
 * replacing them in a fixed pseudo-random order, on one or more threads,
 * and prints a checksum so every allocator runs exactly the same work.
 * usage: churn OPERATIONS [THREADS] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 4096

static long operations;

static void *churn(void *arg)
{
    uint64_t state = 0x9e3779b97f4a7c15ull ^ (uintptr_t)arg;
    unsigned char **live = calloc(WINDOW, sizeof *live);
    uint64_t sum = 0;
    for (long i = 0; i < operations; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        size_t slot = state % WINDOW;
        size_t size = 8 + (state >> 20) % ((state >> 40) % 16 == 0 ? 4000 : 120);
        if (live[slot]) {
            sum += live[slot][0];
            free(live[slot]);
        }
        live[slot] = malloc(size);
        live[slot][0] = (unsigned char)i;
    }
    for (size_t i = 0; i < WINDOW; i++)
        free(live[i]);
    free(live);
    return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
    operations = argc > 1 ? atol(argv[1]) : 2000000;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    pthread_t t[64];
    uint64_t total = 0;
    for (int i = 0; i < threads && i < 64; i++)
        pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < threads && i < 64; i++) {
        void *sum;
        pthread_join(t[i], &sum);
        total += (uintptr_t)sum;
    }
    printf("%llu\n", (unsigned long long)total);
    return 0;
}
