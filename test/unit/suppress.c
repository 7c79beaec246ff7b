/* Unit tests of services/leaks/suppress: loading a file of 'leak:PATTERN'
 * lines (comments, blank and indented lines, trailing blanks and CRLF, a
 * '#' only at a line's start making a comment), matching a stack by the
 * function, file or module of any frame (hs_symbolize is defined here and
 * knows a few made-up frames), the first pattern and the first frame
 * winning, anchors and '*'; and the reasons a file is refused (which the
 * caller turns into a configuration error) for a line that is not
 * 'leak:PATTERN', an empty pattern, a missing file, a directory, more than
 * 256 patterns and a file over 64 KiB. The suppressions are loaded once per
 * process, so each case runs in a child of its own. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "services/leaks/suppress.h"
#include "services/symbols/symbolize.h"
#include "unit.h"

/* ---- made-up frames ---- */

static const struct hs_frame frames[] = {
    {1, "/usr/bin/app", 0x1000, "main", "/src/app/main.c", 10},
    {2, "/usr/lib/libleaky.so.1", 0x2000, "leaky_alloc", "/src/lib/leaky.c", 20},
    {3, "/lib/x86_64-linux-gnu/libc.so.6", 0x3000, NULL, NULL, 0},
    {4, "/usr/lib/libcache.so", 0x4000, "cache_fill", "cache.cc", 40},
};

bool hs_symbolize(uintptr_t pc, bool return_address, struct hs_frame *f)
{
    (void)return_address;
    for (size_t i = 0; i < sizeof frames / sizeof *frames; i++) {
        if (frames[i].pc == pc) {
            *f = frames[i];
            return true;
        }
    }
    return false; /* pc 5 and others: in no object */
}

/* A stack of the given pcs (0-ended), innermost first. */
static struct hs_stack *stack_of(const uintptr_t *pcs)
{
    unsigned depth = 0;
    while (pcs[depth])
        depth++;
    struct hs_stack *s = calloc(1, sizeof *s + depth * sizeof *pcs);
    s->depth = depth;
    memcpy(s->pcs, pcs, depth * sizeof *pcs);
    return s;
}

static int match(const uintptr_t *pcs)
{
    struct hs_stack *s = stack_of(pcs);
    int m = hs_suppression_match(s);
    free(s);
    return m;
}

/* ---- files and children ---- */

static char dir[] = "/tmp/heapshim-unit-XXXXXX";

static const char *write_file(const char *name, const char *text, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fwrite(text, 1, len, f);
    fclose(f);
    return path;
}

/* Runs fn in a child, its stderr into `err` (NULL: left alone); returns the
 * child's exit status, or -1 if it did not exit. */
static int in_child(void (*fn)(const char *), const char *path, char *err, size_t err_len)
{
    int out[2];
    if (pipe(out) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(out[0]);
        if (err)
            dup2(out[1], 2);
        unit_failures = 0; /* the child's own */
        fn(path);
        fflush(NULL);
        _exit(unit_failures ? 1 : 0);
    }
    close(out[1]);
    size_t n = 0;
    ssize_t got;
    while (err && n + 1 < err_len && (got = read(out[0], err + n, err_len - 1 - n)) > 0)
        n += (size_t)got;
    if (err)
        err[n] = '\0';
    close(out[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- cases ---- */

static const char good_text[] = "# leaks we know of\n"
                                "\n"
                                "leak:^leaky_alloc$\n"
                                "   leak:libcache.so   \t\n"
                                "\t# an indented comment\n"
                                "leak:/src/app/*.c\r\n"
                                "leak:never matches # not a comment\n"
                                "leak:^cache_";

static void load_good(const char *path)
{
    CHECK(hs_suppressions_load(path) == NULL);
    CHECK_EQ_U(hs_suppression_count(), 5);
    CHECK_EQ_S(hs_suppression_pattern(0), "^leaky_alloc$");
    CHECK_EQ_S(hs_suppression_pattern(1), "libcache.so");
    CHECK_EQ_S(hs_suppression_pattern(2), "/src/app/*.c");
    CHECK_EQ_S(hs_suppression_pattern(3), "never matches # not a comment");
    CHECK_EQ_S(hs_suppression_pattern(4), "^cache_");
    CHECK_EQ_U(match((const uintptr_t[]){2, 0}), 0);       /* by function */
    CHECK_EQ_U(match((const uintptr_t[]){4, 0}), 1);       /* by module; 4 matches too */
    CHECK_EQ_U(match((const uintptr_t[]){1, 0}), 2);       /* by file */
    CHECK_EQ_U(match((const uintptr_t[]){3, 5, 1, 0}), 2); /* deeper frame */
    CHECK_EQ_U(match((const uintptr_t[]){1, 2, 0}), 2);    /* the first frame wins */
    CHECK_EQ_U(match((const uintptr_t[]){3, 0}), -1);
    CHECK_EQ_U(match((const uintptr_t[]){5, 0}), -1);
    CHECK_EQ_U(match((const uintptr_t[]){0}), -1);
    CHECK_EQ_U(hs_suppression_match(NULL), -1);
}

static void load_empty(const char *path)
{
    CHECK(hs_suppressions_load(path) == NULL);
    CHECK_EQ_U(hs_suppression_count(), 0);
    CHECK_EQ_U(match((const uintptr_t[]){1, 2, 0}), -1);
}

/* Says the reason the file is refused on stderr and exits 2 (3 if the
 * patterns read before the bad line were kept), or says it was loaded and
 * exits 0. */
static void load_only(const char *path)
{
    const char *reason = hs_suppressions_load(path);
    if (reason) {
        fprintf(stderr, "%s\n", reason);
        exit(hs_suppression_count() == 0 ? 2 : 3);
    }
    fprintf(stderr, "loaded, which it must not\n");
}

/* The file is refused, for a reason that says `why`. */
static void refused(const char *path, const char *why)
{
    char err[1024];
    int status = in_child(load_only, path, err, sizeof err);
    CHECK_EQ_U(status, 2);
    CHECK(strstr(err, why) != NULL);
    if (!strstr(err, why))
        fprintf(stderr, "  stderr was: %s", err);
}

static void bad_files(void)
{
    static const char bad_lines[][40] = {
        "leak:x\nfoo:bar\n", "leak:\n", "leak\n", "LEAK:x\n", "leak :x\n", "leak:x\n#\n:x\n",
    };
    for (size_t i = 0; i < sizeof bad_lines / sizeof *bad_lines; i++)
        refused(write_file("bad", bad_lines[i], strlen(bad_lines[i])),
                "every line must be 'leak:PATTERN' or a '#' comment");

    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    refused(missing, "the file cannot be read: ");
    refused(dir, "not a regular file");

    static char many[300 * 12];
    size_t n = 0;
    for (int i = 0; i < 257; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "leak:p%d\n", i);
    refused(write_file("many", many, n), "more than 256 patterns");
    n = 0;
    for (int i = 0; i < 256; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "leak:p%d\n", i);
    write_file("256", many, n);

    size_t big = 70000;
    char *huge = malloc(big);
    memset(huge, '#', big);
    refused(write_file("huge", huge, big), "larger than 64 KiB");
    free(huge);
}

static void load_256(const char *path)
{
    CHECK(hs_suppressions_load(path) == NULL);
    CHECK_EQ_U(hs_suppression_count(), 256);
    CHECK_EQ_S(hs_suppression_pattern(255), "p255");
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    CHECK_EQ_U(in_child(load_good, write_file("good", good_text, strlen(good_text)), NULL, 0), 0);
    CHECK_EQ_U(in_child(load_empty, write_file("empty", "", 0), NULL, 0), 0);
    CHECK_EQ_U(in_child(load_empty, write_file("comments", "# a\n\n  #b\n", 9), NULL, 0), 0);
    bad_files();
    char path[300];
    snprintf(path, sizeof path, "%s/256", dir);
    CHECK_EQ_U(in_child(load_256, path, NULL, 0), 0);
    static const char *const files[] = {"good", "empty", "comments", "bad", "many", "256", "huge"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return unit_done("suppress");
}
