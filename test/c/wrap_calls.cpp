// Known allocation calls, for the stats and trace wrapper tests:
//   calls    every function a known number of times with known sizes (see
//            test/cases/all/wrap_stats.sh for the expected totals); prints
//            how many reallocs moved their block
//   threads  20 threads in waves of 4, each making 1000 malloc/free pairs
//   none     nothing: the baseline of the C++ runtime's own calls
//   nothrow  under a limit: new beyond it throws std::bad_alloc, nothrow new
//            returns NULL
// Output goes through write(2): stdio would allocate.
#include <new>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(const char *text)
{
    if (write(1, text, strlen(text)) < 0)
        exit(1);
}

static int moved;

static void *grow(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q) {
        say("realloc failed\n");
        exit(1);
    }
    moved += q != p;
    return q;
}

static void calls()
{
    size_t sizes[7] = {1, 10, 100, 1000, 10000, 100000, 0};
    void *m[7], *c[3], *a[2];
    for (int i = 0; i < 7; i++)
        m[i] = malloc(sizes[i]);
    c[0] = calloc(5, 8);
    c[1] = calloc(1, 3000);
    c[2] = calloc(100, 100);
    if (posix_memalign(&a[0], 64, 200) != 0)
        exit(1);
    a[1] = aligned_alloc(4096, 4096);
    void *n0 = ::operator new(40), *n1 = ::operator new(80);
    void *n2 = ::operator new(128, std::align_val_t(64));
    void *na0 = ::operator new[](16), *na1 = ::operator new[](1600);
    m[1] = grow(m[1], 50);
    m[3] = grow(m[3], 200000); /* SITE grow */
    m[5] = grow(m[5], 50);
    m[1] = grow(m[1], 60);
    for (void *p : m)
        free(p);
    for (void *p : c)
        free(p);
    for (void *p : a)
        free(p);
    ::operator delete(n0);
    ::operator delete(n1);
    ::operator delete(n2, std::align_val_t(64));
    ::operator delete[](na0);
    ::operator delete[](na1);
    for (int i = 0; i < 30; i++)
        free(malloc(8)); /* SITE loop */
    char text[32];
    snprintf(text, sizeof text, "moved=%d\n", moved);
    say(text);
}

static void *churn(void *)
{
    for (int i = 0; i < 1000; i++) {
        void *p = malloc(24);
        if (!p)
            exit(1);
        memset(p, i, 24);
        free(p);
    }
    return nullptr;
}

static void threads()
{
    for (int wave = 0; wave < 5; wave++) {
        pthread_t t[4];
        for (pthread_t &one : t)
            if (pthread_create(&one, nullptr, churn, nullptr) != 0)
                exit(1);
        for (pthread_t one : t)
            pthread_join(one, nullptr);
    }
    say("threads done\n");
}

static void nothrow()
{
    try {
        char *p = new char[2 << 20];
        p[0] = 1;
        say("new did not throw\n");
    } catch (const std::bad_alloc &) {
        say("bad_alloc\n");
    }
    char *q = new (std::nothrow) char[2 << 20];
    say(q ? "nothrow new gave a block\n" : "nothrow NULL\n");
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "calls") == 0)
        calls();
    else if (strcmp(mode, "threads") == 0)
        threads();
    else if (strcmp(mode, "nothrow") == 0)
        nothrow();
    else if (strcmp(mode, "none") != 0)
        return 2;
    return 0;
}
