/* Growth by realloc, as string builders and dynamic arrays do it: 256
 * buffers grow side by side; a string grows by 1 to 32 bytes at a time to
 * its exact length, an array doubles its capacity (up to 1 MiB) and fills
 * the new half. A buffer that reaches its final length is checked byte for
 * byte, freed and started again.
 *   realloc OPERATIONS
 * OPERATIONS counts realloc calls. Prints the bytes checked. */
#include "bench.h"

#define BUFFERS 256

struct buffer {
    unsigned char *data;
    size_t length, limit;
    uint64_t id;
};

/* The byte at position AT of buffer ID: anything realloc loses or moves
 * wrongly shows. */
static inline unsigned char content(uint64_t id, size_t at)
{
    return (unsigned char)(id * 131 + at * 7 + (at >> 8));
}

static int is_array(const struct buffer *b) { return b->id % 8 == 0; }

static void start(struct buffer *b, uint64_t id, uint64_t *rng)
{
    b->id = id;
    b->data = NULL;
    b->length = 0;
    b->limit = is_array(b) ? (size_t)256 << rng_below(rng, 13) : 64 + rng_below(rng, 16384);
}

static size_t finish(struct buffer *b)
{
    for (size_t at = 0; at < b->length; at++)
        if (b->data[at] != content(b->id, at))
            die("buffer %llu: byte %zu of %zu lost", (unsigned long long)b->id, at, b->length);
    free(b->data);
    return b->length;
}

static void grow(struct buffer *b, uint64_t *rng)
{
    size_t length =
        is_array(b) ? (b->length ? 2 * b->length : 16) : b->length + 1 + rng_below(rng, 32);
    b->data = realloc(b->data, length);
    check_pointer(b->data, length);
    for (size_t at = b->length; at < length; at++)
        b->data[at] = content(b->id, at);
    b->length = length;
}

int main(int argc, char **argv)
{
    long operations = arg(argc, argv, 1, 1000000);
    static struct buffer buffer[BUFFERS];
    uint64_t rng = rng_seed(6), next_id = 0, checked = 0;
    for (int i = 0; i < BUFFERS; i++)
        start(&buffer[i], next_id++, &rng);
    for (long op = 0; op < operations; op++) {
        struct buffer *b = &buffer[rng_below(&rng, BUFFERS)];
        grow(b, &rng);
        if (b->length >= b->limit) {
            checked += finish(b);
            start(b, next_id++, &rng);
        }
    }
    for (int i = 0; i < BUFFERS; i++)
        checked += finish(&buffer[i]);
    printf("realloc %ld %llu\n", operations, (unsigned long long)checked);
    return 0;
}
