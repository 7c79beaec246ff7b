/* A C file for the gcc benchmark: enough code for the compiler to work at
 * (60 functions with loops, structures and switches, expanded from
 * macros). Built as a program too, it prints a checksum. */
#include <stdio.h>
#include <string.h>

struct item {
    int key;
    double weight;
    char name[16];
};

/* Code made by macros, laid out by hand. */
/* clang-format off */
#define DEFINE(n) \
    static int f##n##_helper(int x) { return x * x - n; } \
    static int f##n(const int *v, int len) \
    { \
        struct item items[8]; \
        int s = 0; \
        for (int i = 0; i < 8; i++) { \
            items[i].key = v[i % len] ^ n; \
            items[i].weight = items[i].key * 0.5 + n; \
            snprintf(items[i].name, sizeof items[i].name, "f%d-%d", n, i); \
        } \
        for (int i = 0; i < len; i++) { \
            switch ((v[i] + n) % 5) { \
            case 0: s += v[i] * (n + 1); break; \
            case 1: s ^= s >> 3; break; \
            case 2: s += items[i % 8].key; break; \
            case 3: s -= (int)items[(i + n) % 8].weight; break; \
            default: s += (int)strlen(items[i % 8].name); \
            } \
        } \
        if (s % (n + 3) == 0) \
            s += f##n##_helper(s); \
        return s; \
    }
#define TEN(d) DEFINE(d##0) DEFINE(d##1) DEFINE(d##2) DEFINE(d##3) DEFINE(d##4) \
    DEFINE(d##5) DEFINE(d##6) DEFINE(d##7) DEFINE(d##8) DEFINE(d##9)
#define ENTRY(n) f##n,
#define ENTRIES(d) ENTRY(d##0) ENTRY(d##1) ENTRY(d##2) ENTRY(d##3) ENTRY(d##4) \
    ENTRY(d##5) ENTRY(d##6) ENTRY(d##7) ENTRY(d##8) ENTRY(d##9)

TEN(1) TEN(2) TEN(3) TEN(4) TEN(5) TEN(6)

static int (*const all[])(const int *, int) = {
    ENTRIES(1) ENTRIES(2) ENTRIES(3) ENTRIES(4) ENTRIES(5) ENTRIES(6)
};
/* clang-format on */

int main(int argc, char **argv)
{
    int v[64];
    for (int i = 0; i < 64; i++)
        v[i] = i * argc;
    long total = 0;
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        total += all[k](v, 64);
    printf("%ld %s\n", total, argv[0]);
    return 0;
}
