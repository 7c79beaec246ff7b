/* Damages one backend's metadata the way a stray write into it would, in a
 * way no cheap check (HS_ASSERT) notices, then gives the expensive build's
 * validate a chance to: heapshim_check(), 10000 more calls, or the exit.
 *   damage_metadata arena|page check|calls|exit
 * arena: sets the dirty bit of a live block's slice in its segment header
 * (struct segment in src/backends/arena/arena.h: the fifth word), which a
 * later purge would discard with the block's contents. page: makes the
 * guard page after a block readable and writable again, so an overflow
 * would no longer fault. Prints "undamaged?" and exits 0 if nothing
 * noticed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heapshim.h"

#define ARENA_SEGMENT_SIZE ((uintptr_t)4 << 20)
#define ARENA_SLICE_SHIFT 16
#define ARENA_DIRTY_WORD 4

static void damage_arena(void *block)
{
    uint64_t *segment = (uint64_t *)((uintptr_t)block & ~(ARENA_SEGMENT_SIZE - 1));
    unsigned slice = (unsigned)((uintptr_t)block >> ARENA_SLICE_SHIFT) & 63;
    segment[ARENA_DIRTY_WORD] |= (uint64_t)1 << slice;
}

static void damage_page(void *block, size_t size)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t guard = ((uintptr_t)block + size + page - 1) & ~(page - 1);
    if (mprotect((void *)guard, page, PROT_READ | PROT_WRITE) != 0) {
        perror("mprotect");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: damage_metadata arena|page check|calls|exit\n");
        return 2;
    }
    size_t size = 4000;
    char *block = malloc(size);
    if (!block)
        return 2;
    memset(block, 1, size);
    if (!strcmp(argv[1], "arena"))
        damage_arena(block);
    else
        damage_page(block, size);
    if (!strcmp(argv[2], "check")) {
        heapshim_check();
    } else if (!strcmp(argv[2], "calls")) {
        for (int i = 0; i < 10000; i++)
            free(malloc(64));
    }
    printf("undamaged?\n");
    fflush(stdout);
    return 0;
}
