#include <stdlib.h>
#include <string.h>
#include "prog.h"

uint32_t rng_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static unsigned long hash(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

struct table *table_new(size_t nslots)
{
    struct table *t = malloc(sizeof *t);
    t->slots = calloc(nslots, sizeof *t->slots);
    t->nslots = nslots;
    t->nentries = 0;
    return t;
}

static void table_grow(struct table *t)
{
    size_t n = t->nslots * 2;
    struct entry **slots = calloc(n, sizeof *slots);
    for (size_t i = 0; i < t->nslots; i++) {
        struct entry *e = t->slots[i], *next;
        for (; e; e = next) {
            next = e->next;
            size_t j = hash(e->word) % n;
            e->next = slots[j];
            slots[j] = e;
        }
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
}

void table_add(struct table *t, const char *word)
{
    size_t i = hash(word) % t->nslots;
    for (struct entry *e = t->slots[i]; e; e = e->next)
        if (strcmp(e->word, word) == 0) {
            e->count++;
            return;
        }
    struct entry *e = malloc(sizeof *e);
    e->word = strdup(word);
    e->count = 1;
    e->next = t->slots[i];
    t->slots[i] = e;
    if (++t->nentries > t->nslots * 2)
        table_grow(t);
}

static int by_count(const void *a, const void *b)
{
    const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->word, y->word);
}

size_t table_sorted(const struct table *t, struct entry ***out)
{
    struct entry **v = malloc(t->nentries * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < t->nslots; i++)
        for (struct entry *e = t->slots[i]; e; e = e->next)
            v[n++] = e;
    qsort(v, n, sizeof *v, by_count);
    *out = v;
    return n;
}

void table_free(struct table *t)
{
    for (size_t i = 0; i < t->nslots; i++) {
        struct entry *e = t->slots[i], *next;
        for (; e; e = next) {
            next = e->next;
            free(e->word);
            free(e);
        }
    }
    free(t->slots);
    free(t);
}
