/* Attacks on the arena backend's free lists, made as a program with a
 * use-after-free bug is attacked: through a dangling pointer to a freed
 * block, whose first word is its freed tag and whose second is its encoded
 * link to the next free block.
 *
 * Eight 48-byte blocks are allocated side by side; blocks 2 and 3 are
 * freed, so block 2 heads the free list and links to block 3. Then, by
 * mode:
 *   forge-inside      block 2's link is forged to point 16 bytes into live
 *                     block 1, with the key its freed tag gives away when
 *                     tag and link share one key (tag = address ^ key);
 *                     the word after the target is set to that scheme's
 *                     end of list, as an attacker who writes the live
 *                     block's data would, so the forged block passes too
 *   forge-start       the same, to the start of live block 1
 *   forge-misaligned  the same, to block 3's address + 8: the same page,
 *                     no block's start
 *   forge-stash       as forge-inside, but the blocks belong to another
 *                     thread's heap, so blocks 2 and 3 wait in this
 *                     thread's stash
 *   flip BIT          bit BIT of block 2's link is flipped, as a stray
 *                     write would
 *   flip-stash BIT    the same in the stash
 *   overflow-1        live block 1 is overrun by one byte, into block 2's
 *                     tag
 *   replay            no key needed: three blocks A, N, B among 2..7 are
 *                     freed, N then A then B, and A's link (to N) is copied
 *                     over B's; the blocks are chosen so that N ^ A ^ B, where
 *                     the copy leads if the encoding mixes in the address it
 *                     is stored at, is inside the blocks' page but no
 *                     block's start; B is then the victim
 * and the program allocates two more 48-byte blocks. It prints "victim P"
 * (block 2) and "below P" (block 1) first, "returned P" for each of the
 * two, and "BAD: ..." and exits 1 if one is not the start of a block that
 * was free: misaligned, inside or at a live block, or in the page but no
 * block's start. Exits 0 if both were sound; heapshim should have reported
 * the damage (and aborted, unless HEAPSHIM_ON_ERROR=continue) before. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE 48
#define COUNT 8

static unsigned char *blocks[COUNT];
static int freed[COUNT];

static void free_block(int i)
{
    free(blocks[i]);
    freed[i] = 1;
}

static void *allocate_blocks(void *unused)
{
    (void)unused;
    for (int i = 0; i < COUNT; i++) {
        blocks[i] = malloc(SIZE);
        memset(blocks[i], 'a' + i, SIZE);
    }
    return NULL;
}

static int adjacent(void)
{
    for (int i = 1; i < COUNT; i++)
        if (blocks[i] != blocks[i - 1] + SIZE)
            return 0;
    return 1;
}

/* Why p, returned by malloc after the damage, is not a block that was
 * free; NULL if it is one. */
static const char *unsound(uintptr_t p)
{
    uintptr_t first = (uintptr_t)blocks[0];
    if (p % 16 != 0)
        return "misaligned";
    for (int i = 0; i < COUNT; i++) {
        uintptr_t b = (uintptr_t)blocks[i];
        if (!freed[i] && p >= b && p < b + SIZE)
            return p == b ? "a live block, handed out twice" : "inside a live block";
    }
    uintptr_t distance = p > first ? p - first : first - p;
    if (distance < 65536 && distance % SIZE != 0)
        return "in the blocks' page but no block's start";
    return NULL;
}

/* Two mallocs after the damage: 0 if both gave sound blocks. */
static int allocate_twice(void)
{
    int bad = 0;
    for (int i = 0; i < 2; i++) {
        uintptr_t p = (uintptr_t)malloc(SIZE);
        const char *why = unsound(p);
        printf("returned %p\n", (void *)p);
        if (why) {
            printf("BAD: malloc returned %p, %s\n", (void *)p, why);
            bad = 1;
        }
    }
    return bad;
}

static int replay(void)
{
    uintptr_t first = (uintptr_t)blocks[0], end = (uintptr_t)blocks[COUNT - 1] + SIZE;
    for (int a = 2; a < COUNT; a++)
        for (int n = 2; n < COUNT; n++)
            for (int b = 2; b < COUNT; b++) {
                uintptr_t target =
                    (uintptr_t)blocks[n] ^ (uintptr_t)blocks[a] ^ (uintptr_t)blocks[b];
                if (a == n || a == b || n == b || target < first || target >= end ||
                    (target - first) % SIZE == 0)
                    continue;
                printf("victim %p\nbelow %p\n", (void *)blocks[b], (void *)(blocks[b] - SIZE));
                free_block(n);
                free_block(a);
                free_block(b);
                ((volatile uintptr_t *)blocks[b])[1] = ((volatile uintptr_t *)blocks[a])[1];
                return allocate_twice();
            }
    printf("skip: no three blocks lead into the page\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *mode = argv[1];
    free(malloc(SIZE)); /* this thread has a heap, with a stash to fill */
    if (strstr(mode, "-stash")) {
        pthread_t t;
        pthread_create(&t, NULL, allocate_blocks, NULL);
        pthread_join(t, NULL);
    } else {
        allocate_blocks(NULL);
    }
    if (!adjacent()) {
        printf("skip: blocks not adjacent\n");
        return 0;
    }
    if (strcmp(mode, "replay") == 0)
        return replay();
    volatile uintptr_t *victim = (volatile uintptr_t *)blocks[2];
    printf("victim %p\nbelow %p\n", (void *)blocks[2], (void *)blocks[1]);
    free_block(3);
    free_block(2);
    /* What one read through the dangling pointer gives away when tag and
     * link share one key. */
    uintptr_t key = victim[0] ^ (uintptr_t)victim;
    uintptr_t target = 0;
    if (strcmp(mode, "forge-inside") == 0 || strcmp(mode, "forge-stash") == 0)
        target = (uintptr_t)blocks[1] + 16;
    else if (strcmp(mode, "forge-start") == 0)
        target = (uintptr_t)blocks[1];
    else if (strcmp(mode, "forge-misaligned") == 0)
        target = (uintptr_t)blocks[3] + 8;
    if (target) {
        victim[1] = target ^ key;
        /* At the target, in memory the attacker writes too, a link that
         * ends the list: the forged block then passes the next pop. */
        *(volatile uintptr_t *)(target + 8) = key;
    } else if ((strcmp(mode, "flip") == 0 || strcmp(mode, "flip-stash") == 0) && argc > 2)
        victim[1] ^= (uintptr_t)1 << atoi(argv[2]);
    else if (strcmp(mode, "overflow-1") == 0)
        memset(blocks[1], 'A', SIZE + 1);
    else
        return 2;
    return allocate_twice();
}
