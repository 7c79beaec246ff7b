/* Keeps N small blocks live at once (default 300000), far more than the
 * kernel's vm.max_map_count allows guarded blocks for, checks that every
 * allocation succeeded and every block kept its contents, then frees them
 * all and allocates again. Meanwhile it maps 4000 pages of its own. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* While the blocks are live, the program's own mappings must still work:
 * maps separate pages (alternating protections so none merge). */
static int map_own_pages(int pages)
{
    for (int i = 0; i < pages; i++) {
        int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
        if (mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) {
            fprintf(stderr, "the program's own mmap %d failed\n", i);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 300000;
    uint32_t **blocks = calloc(count, sizeof *blocks);
    if (!blocks)
        return 2;
    for (size_t i = 0; i < count; i++) {
        blocks[i] = malloc(sizeof(uint32_t) * (1 + i % 8));
        if (!blocks[i]) {
            fprintf(stderr, "allocation %zu failed\n", i);
            return 1;
        }
        for (size_t k = 0; k <= i % 8; k++)
            blocks[i][k] = (uint32_t)(i * 8 + k);
    }
    if (map_own_pages(4000))
        return 1;
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k <= i % 8; k++)
            if (blocks[i][k] != (uint32_t)(i * 8 + k)) {
                fprintf(stderr, "block %zu corrupted\n", i);
                return 1;
            }
        free(blocks[i]);
    }
    for (size_t i = 0; i < count / 10; i++) {
        blocks[i] = malloc(64);
        if (!blocks[i])
            return 1;
    }
    for (size_t i = 0; i < count / 10; i++)
        free(blocks[i]);
    free(blocks);
    puts("ok");
    return 0;
}
