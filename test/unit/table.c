/* Unit tests of services/mem/table: insert (new entries zeroed but for the
 * key, an existing key found again), find, remove with backward shifting
 * (keys of one probe run, runs that wrap past the last slot), growth
 * (data kept, at most two-thirds full), iteration, free and reuse, the
 * rules of key 0 (never found; an empty slot), and a long random run of
 * inserts and removes against a plain array. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "services/mem/table.h"
#include "unit.h"

struct entry {
    uintptr_t key;
    uint64_t value;
    char tag[24];
};

static void basics(void)
{
    struct hs_table t = HS_TABLE_INIT(struct entry);
    size_t cursor = 0;
    CHECK(hs_table_find(&t, 0x1000) == NULL);
    CHECK(hs_table_next(&t, &cursor) == NULL);
    struct entry *e = hs_table_insert(&t, 0x1000);
    CHECK(e != NULL && e->key == 0x1000 && e->value == 0 && e->tag[23] == 0);
    e->value = 7;
    CHECK_EQ_U(t.count, 1);
    CHECK(hs_table_insert(&t, 0x1000) == e); /* found again, not doubled */
    CHECK_EQ_U(t.count, 1);
    CHECK_EQ_U(e->value, 7);
    CHECK(hs_table_find(&t, 0x1000) == e);
    CHECK(hs_table_find(&t, 0x1010) == NULL);
    CHECK(hs_table_find(&t, 0) == NULL); /* key 0: an empty slot, never an entry */
    hs_table_remove(&t, e);
    CHECK_EQ_U(t.count, 0);
    CHECK(hs_table_find(&t, 0x1000) == NULL);
    /* A removed key comes back zeroed. */
    e = hs_table_insert(&t, 0x1000);
    CHECK(e && e->value == 0);
    hs_table_free(&t);
    CHECK(t.slots == NULL && t.capacity == 0 && t.count == 0);
    CHECK(hs_table_find(&t, 0x1000) == NULL);
    CHECK(hs_table_insert(&t, 0x2000) != NULL); /* usable again */
    hs_table_free(&t);
}

/* Keys that differ only in their low four bits share a home slot: one
 * probe run. Removing from its middle must keep the rest findable. */
static void collisions(void)
{
    struct hs_table t = HS_TABLE_INIT(struct entry);
    for (uintptr_t k = 0x5000; k < 0x5010; k++)
        ((struct entry *)hs_table_insert(&t, k))->value = k * 3;
    for (uintptr_t gone = 0x5000; gone < 0x5010; gone += 3)
        hs_table_remove(&t, hs_table_find(&t, gone));
    bool ok = true;
    for (uintptr_t k = 0x5000; k < 0x5010; k++) {
        struct entry *e = hs_table_find(&t, k);
        ok &= (k - 0x5000) % 3 == 0 ? e == NULL : e != NULL && e->value == k * 3;
    }
    CHECK(ok);
    CHECK_EQ_U(t.count, 10);
    hs_table_free(&t);
}

/* A run that starts at the last slot wraps to slot 0; removing its first
 * entries must shift the wrapped ones back across the end. */
static void wrapping_run(void)
{
    struct hs_table t = HS_TABLE_INIT(struct entry);
    hs_table_insert(&t, 0x10); /* sets the capacity */
    hs_table_remove(&t, hs_table_find(&t, 0x10));
    uintptr_t base = 0;
    for (uintptr_t k = 0x10; k < ((uintptr_t)1 << 32) && !base; k += 0x10) {
        uint64_t h = (uint64_t)(k >> 4) * 0x9e3779b97f4a7c15ull;
        if ((h >> (64 - t.capacity_bits)) == t.capacity - 1)
            base = k;
    }
    CHECK(base != 0);
    for (uintptr_t k = base; k < base + 8; k++)
        ((struct entry *)hs_table_insert(&t, k))->value = k;
    struct entry *first = hs_table_find(&t, base);
    CHECK(first && (size_t)((char *)first - t.slots) / t.entry_size == t.capacity - 1);
    hs_table_remove(&t, first);
    hs_table_remove(&t, hs_table_find(&t, base + 3));
    bool ok = true;
    for (uintptr_t k = base + 1; k < base + 8; k++) {
        struct entry *e = hs_table_find(&t, k);
        ok &= k == base + 3 ? e == NULL : e != NULL && e->value == k;
    }
    CHECK(ok);
    hs_table_free(&t);
}

static void growth(void)
{
    struct hs_table t = HS_TABLE_INIT(struct entry);
    enum { N = 20000 };
    for (uintptr_t i = 1; i <= N; i++) {
        struct entry *e = hs_table_insert(&t, i * 16);
        e->value = i;
        memcpy(e->tag, &i, sizeof i);
    }
    CHECK_EQ_U(t.count, N);
    CHECK(t.capacity && (t.capacity & (t.capacity - 1)) == 0);
    CHECK(t.count * 3 <= t.capacity * 2);
    CHECK_EQ_U((size_t)1 << t.capacity_bits, t.capacity);
    bool ok = true;
    for (uintptr_t i = 1; i <= N; i++) {
        struct entry *e = hs_table_find(&t, i * 16);
        uintptr_t tagged;
        if (e)
            memcpy(&tagged, e->tag, sizeof tagged);
        ok &= e && e->value == i && tagged == i;
    }
    CHECK(ok);
    size_t cursor = 0, seen = 0;
    uint64_t sum = 0;
    for (struct entry *e; (e = hs_table_next(&t, &cursor));) {
        seen++;
        sum += e->value;
    }
    CHECK_EQ_U(seen, N);
    CHECK_EQ_U(sum, (uint64_t)N * (N + 1) / 2);
    hs_table_free(&t);
}

/* Random inserts and removes of keys from a small pool, checked against a
 * flag per key after each step. */
static void random_run(void)
{
    enum { POOL = 3000, STEPS = 200000 };
    struct hs_table t = HS_TABLE_INIT(struct entry);
    static uint64_t present[POOL]; /* 0: absent, else the value stored */
    size_t live = 0;
    unsigned wrong = 0;
    for (unsigned step = 1; step <= STEPS; step++) {
        uint64_t r = unit_random();
        size_t i = r % POOL;
        uintptr_t key = (i + 1) * 16;
        struct entry *e = hs_table_find(&t, key);
        wrong += (e != NULL) != (present[i] != 0) || (e && e->value != present[i]);
        if (r & (1u << 20)) {
            if (!e) {
                e = hs_table_insert(&t, key);
                e->value = step;
                present[i] = step;
                live++;
            }
        } else if (e) {
            hs_table_remove(&t, e);
            present[i] = 0;
            live--;
        }
        wrong += t.count != live;
    }
    CHECK_EQ_U(wrong, 0);
    size_t cursor = 0, seen = 0;
    for (struct entry *e; (e = hs_table_next(&t, &cursor));)
        seen += present[e->key / 16 - 1] == e->value;
    CHECK_EQ_U(seen, live);
    hs_table_free(&t);
}

int main(void)
{
    basics();
    collisions();
    wrapping_run();
    growth();
    random_run();
    return unit_done("table");
}
