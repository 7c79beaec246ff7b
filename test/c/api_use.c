/* Uses every function of include/heapshim.h; one scenario per run, chosen
 * by argv[1]. Prints what each call returned as NAME=VALUE lines for the
 * test to compare, per backend and without the shim. Built as C and, from
 * the same file, as C++ (api_use_cxx), so the header is checked in both.
 * The lines that allocate are marked with a SITE comment the test looks up. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapshim.h"

void *volatile sink;
/* A pointer kept where the scan cannot see it: inverted. */
uintptr_t hidden;
/* The only pointer to a block marked ignored; what it points to is held. */
void *volatile *ignored_holder;

static void show(const char *name, long value) { printf("%s=%ld\n", name, value); }

static void show_amount(const char *name, struct heapshim_amount a)
{
    printf("%s=%zu %zu\n", name, a.bytes, a.blocks);
}

/* Clears the stack below main's frame, so no stale copy of a pointer
 * survives in dead frames: the scan is conservative. */
__attribute__((noinline)) static void scrub_stack(void)
{
    volatile char scratch[16384];
    memset((char *)scratch, 0, sizeof scratch);
}

__attribute__((noinline)) static char *allocate_for_stack(void)
{
    return (char *)malloc(32); /* SITE print */
}

__attribute__((noinline)) static void make_hidden_leak(void)
{
    void *p = malloc(48); /* SITE hidden */
    memset(p, 7, 48);
    hidden = ~(uintptr_t)p;
}

__attribute__((noinline)) static void leak_definite(size_t size)
{
    sink = malloc(size); /* SITE definite */
    sink = NULL;
}

static void *leak_in_thread(void *arg)
{
    (void)arg;
    leak_definite(40);
    return NULL;
}

/* Every function once, the results printed. */
__attribute__((noinline)) static void every_function(void)
{
    const char *backend = heapshim_active_backend();
    printf("backend=%s\n", backend ? backend : "none");

    struct heapshim_stats before, after;
    show("stats", heapshim_stats(&before));
    show("stats_no_out", heapshim_stats(NULL));
    char *blocks[10];
    for (int i = 0; i < 10; i++)
        blocks[i] = (char *)malloc(100);
    heapshim_stats(&after);
    for (int i = 0; i < 10; i++)
        free(blocks[i]);
    show("stats_valid", (long)after.valid);
    printf("stats_added=%zu %zu\n", after.live.bytes - before.live.bytes,
           after.live.blocks - before.live.blocks);
    show_amount("stats_peak", after.peak);
    show("stats_malloc_calls", (long)after.calls[HEAPSHIM_CALL_MALLOC]);

    int local = 0;
    char *block = allocate_for_stack();
    show("ignore_null", heapshim_ignore(NULL));
    show("ignore_stack", heapshim_ignore(&local));
    show("ignore_interior", heapshim_ignore(block + 1));
    show("ignore_block", heapshim_ignore(block));

    show("scope_end_unopened", heapshim_ignore_end());
    show("scope_begin", heapshim_ignore_begin());
    show("scope_begin_nested", heapshim_ignore_begin());
    show("scope_end", heapshim_ignore_end());
    show("scope_end_nested", heapshim_ignore_end());
    show("scope_end_again", heapshim_ignore_end());

    show("check", heapshim_check());

    fflush(stdout);
    show("print_block", heapshim_print_stack(block));
    show("print_interior", heapshim_print_stack(block + 4));
    show("print_stack_address", heapshim_print_stack(&local));
    show("print_null", heapshim_print_stack(NULL));
    sink = block; /* the compiler is not to know it is freed */
    free(block);
    show("print_freed", heapshim_print_stack(sink));

    struct heapshim_leaks leaks;
    show("leak_check", heapshim_leak_check(&leaks, 0));
    show("leak_check_no_out", heapshim_leak_check(NULL, 0));
    show_amount("leak_live", leaks.live);
}

/* Intentional leaks marked three ways, none of them reported; the one real
 * leak (24 bytes) and one from another thread while this one is in a scope
 * (40 bytes, as scopes are per thread) are. */
__attribute__((noinline)) static void ignored_leaks(void)
{
    void **marked = (void **)malloc(16); /* SITE marked */
    marked[0] = malloc(72);              /* held only by the marked block */
    show("ignore", heapshim_ignore(marked));
    ignored_holder = (void *volatile *)marked;
    ignored_holder = NULL;
    marked = NULL;

    show("scope_begin", heapshim_ignore_begin());
    sink = malloc(56); /* SITE scoped */
    sink = NULL;
    pthread_t t;
    pthread_create(&t, NULL, leak_in_thread, NULL);
    pthread_join(t, NULL);
    show("scope_end", heapshim_ignore_end());

    leak_definite(24);
}

/* A leak found in the middle of the run, then freed: the exit report has
 * none. A block the caller holds only in a local is reachable. */
__attribute__((noinline)) static void leak_midway(void)
{
    char *kept = (char *)malloc(64); /* SITE kept */
    make_hidden_leak();
    scrub_stack();
    struct heapshim_leaks leaks;
    show("leak_check", heapshim_leak_check(&leaks, HEAPSHIM_LEAK_REPORT));
    show_amount("definite", leaks.definite);
    show_amount("indirect", leaks.indirect);
    show_amount("possible", leaks.possible);
    show_amount("reachable", leaks.reachable);
    show_amount("live", leaks.live);
    kept[0] = 1;
    free(kept);
    free((void *)~hidden);
    hidden = 0;
    show("leak_check_after", heapshim_leak_check(&leaks, HEAPSHIM_LEAK_REPORT));
    show_amount("definite_after", leaks.definite);
}

/* A write three bytes past the end of a block, found by the explicit check
 * (and not before: the check finds nothing while the redzones are whole). */
__attribute__((noinline)) static void damage_redzone(void)
{
    char *block = (char *)malloc(10); /* SITE damaged */
    show("check_clean", heapshim_check());
    sink = block; /* the compiler is not to see the overflow */
    memset(sink, 'x', 13);
    show("check_damaged", heapshim_check());
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";
    if (strcmp(mode, "all") == 0)
        every_function();
    else if (strcmp(mode, "ignored") == 0)
        ignored_leaks();
    else if (strcmp(mode, "midway") == 0)
        leak_midway();
    else if (strcmp(mode, "redzone") == 0)
        damage_redzone();
    else
        return 2;
    scrub_stack();
    return 0;
}
