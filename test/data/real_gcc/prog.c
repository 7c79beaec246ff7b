#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prog.h"

struct shape {
    const char *name;
    double (*area)(const struct shape *);
    double a, b;
};

static double rect_area(const struct shape *s) { return s->a * s->b; }
static double tri_area(const struct shape *s) { return 0.5 * s->a * s->b; }
static double circle_area(const struct shape *s) { return M_PI * s->a * s->a; }

static int place(int n, int row, unsigned cols, unsigned d1, unsigned d2)
{
    if (row == n)
        return 1;
    int total = 0;
    for (int c = 0; c < n; c++) {
        unsigned bc = 1u << c, b1 = 1u << (row + c), b2 = 1u << (row - c + n);
        if ((cols & bc) || (d1 & b1) || (d2 & b2))
            continue;
        total += place(n, row + 1, cols | bc, d1 | b1, d2 | b2);
    }
    return total;
}

int queens(int n) { return place(n, 0, 0, 0, 0); }

double matrix_trace_power(int n, int power)
{
    double *m = malloc(sizeof(double) * n * n), *r = malloc(sizeof(double) * n * n),
           *tmp = malloc(sizeof(double) * n * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            m[i * n + j] = 1.0 / (1 + i + j);
            r[i * n + j] = i == j;
        }
    for (int p = 0; p < power; p++) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++)
                    s += r[i * n + k] * m[k * n + j];
                tmp[i * n + j] = s;
            }
        double *x = r; r = tmp; tmp = x;
    }
    double trace = 0;
    for (int i = 0; i < n; i++)
        trace += r[i * n + i];
    free(m); free(r); free(tmp);
    return trace;
}

int main(void)
{
    static const char *syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi"};
    struct table *t = table_new(8);
    uint32_t state = 12345;
    char word[32];
    for (int i = 0; i < 20000; i++) {
        int len = 1 + rng_next(&state) % 3;
        word[0] = '\0';
        for (int k = 0; k < len; k++)
            strcat(word, syllables[rng_next(&state) % 8]);
        table_add(t, word);
    }
    struct entry **v;
    size_t n = table_sorted(t, &v);
    printf("%zu distinct words in %zu slots\n", n, t->nslots);
    for (size_t i = 0; i < 10 && i < n; i++)
        printf("%-8s %u\n", v[i]->word, v[i]->count);
    printf("rarest: %s %u\n", v[n - 1]->word, v[n - 1]->count);
    free(v);
    table_free(t);

    struct shape shapes[] = {
        {"rect", rect_area, 3, 4}, {"triangle", tri_area, 6, 5}, {"circle", circle_area, 2, 0},
    };
    double total = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        double a = shapes[i].area(&shapes[i]);
        char buf[64];
        snprintf(buf, sizeof buf, "%s:%.3f", shapes[i].name, a);
        puts(buf);
        total += a;
    }
    printf("total area %.6f\n", total);
    for (int q = 4; q <= 9; q++)
        printf("queens(%d) = %d\n", q, queens(q));
    printf("trace %.9f\n", matrix_trace_power(24, 6));
    return 0;
}
