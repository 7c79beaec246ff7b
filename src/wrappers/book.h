/* The book: the size a wrapper saw requested for each live block, kept out
 * of band by address, with a tag of the wrapper's (the allocation site).
 * Backends round sizes up in their own ways; the book lets a wrapper count
 * exactly what the program asked for, whatever the backend. Sharded, so
 * threads seldom wait for each other. */
#ifndef HS_BOOK_H
#define HS_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "services/mem/shards.h"

struct hs_book_entry {
    uintptr_t ptr;
    size_t size;
    const void *tag;
};

struct hs_book {
    struct hs_shards shards;
};

void hs_book_init(struct hs_book *book);
/* False when the book cannot grow (out of memory). */
bool hs_book_put(struct hs_book *book, uintptr_t ptr, size_t size, const void *tag);
/* Takes ptr's entry out into *out; false if ptr has none. A wrapper takes a
 * block's entry before it passes a free or realloc down, since once the
 * block is released another thread may be given its address. */
bool hs_book_take(struct hs_book *book, uintptr_t ptr, struct hs_book_entry *out);

#endif
