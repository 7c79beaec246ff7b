/* Fixture for test/cases/all/real_gcc.sh: compiled with gcc plainly and under
   the shim; the objects must match byte for byte and the program's output
   must match too. */
#ifndef PROG_H
#define PROG_H
#include <stddef.h>
#include <stdint.h>

struct entry {
    char *word;
    unsigned count;
    struct entry *next;
};

struct table {
    struct entry **slots;
    size_t nslots, nentries;
};

struct table *table_new(size_t nslots);
void table_add(struct table *t, const char *word);
size_t table_sorted(const struct table *t, struct entry ***out);
void table_free(struct table *t);

uint32_t rng_next(uint32_t *state);
int queens(int n);
double matrix_trace_power(int n, int power);
#endif
