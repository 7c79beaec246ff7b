/* A C file for the gcc benchmark: enough code for the compiler to work at. */
#include <stdio.h>
#include <string.h>

#define DEFINE(n) \
    static int f##n(const int *v, int len) { \
        int s = 0; \
        for (int i = 0; i < len; i++) \
            s += (v[i] * (n + 1)) ^ (s >> 3); \
        if (s % (n + 3) == 0) \
            s += f##n##_helper(s); \
        return s; \
    }
#define HELPER(n) static int f##n##_helper(int x) { return x * x - n; }
#define BOTH(n) HELPER(n) DEFINE(n)
BOTH(0) BOTH(1) BOTH(2) BOTH(3) BOTH(4) BOTH(5) BOTH(6) BOTH(7) BOTH(8) BOTH(9)
BOTH(10) BOTH(11) BOTH(12) BOTH(13) BOTH(14) BOTH(15) BOTH(16) BOTH(17) BOTH(18) BOTH(19)
BOTH(20) BOTH(21) BOTH(22) BOTH(23) BOTH(24) BOTH(25) BOTH(26) BOTH(27) BOTH(28) BOTH(29)

struct table { const char *name; int (*fn)(const int *, int); };
static const struct table all[] = {
    {"f0", f0}, {"f1", f1}, {"f2", f2}, {"f3", f3}, {"f4", f4}, {"f5", f5}, {"f6", f6},
    {"f7", f7}, {"f8", f8}, {"f9", f9}, {"f10", f10}, {"f11", f11}, {"f12", f12},
    {"f13", f13}, {"f14", f14}, {"f15", f15}, {"f16", f16}, {"f17", f17}, {"f18", f18},
    {"f19", f19}, {"f20", f20}, {"f21", f21}, {"f22", f22}, {"f23", f23}, {"f24", f24},
    {"f25", f25}, {"f26", f26}, {"f27", f27}, {"f28", f28}, {"f29", f29},
};

int main(int argc, char **argv)
{
    int v[64];
    for (int i = 0; i < 64; i++)
        v[i] = i * argc;
    long total = 0;
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        total += all[k].fn(v, 64) + (long)strlen(all[k].name);
    printf("%ld %s\n", total, argv[0]);
    return 0;
}
