/* The book, on sharded tables. */
#include "wrappers/book.h"

void hs_book_init(struct hs_book *book)
{
    hs_shards_init(&book->shards, sizeof(struct hs_book_entry));
}

bool hs_book_put(struct hs_book *book, uintptr_t ptr, size_t size, const void *tag)
{
    struct hs_shard *s = hs_shard_lock(&book->shards, ptr);
    struct hs_book_entry *e = hs_table_insert(&s->table, ptr);
    if (e) {
        e->size = size;
        e->tag = tag;
    }
    hs_shard_unlock(s);
    return e != NULL;
}

bool hs_book_take(struct hs_book *book, uintptr_t ptr, struct hs_book_entry *out)
{
    struct hs_shard *s = hs_shard_lock(&book->shards, ptr);
    struct hs_book_entry *e = hs_table_find(&s->table, ptr);
    if (e) {
        *out = *e;
        hs_table_remove(&s->table, e);
    }
    hs_shard_unlock(s);
    return e != NULL;
}
