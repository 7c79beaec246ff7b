/* heapshim-replay OPS: makes the calls of a recorded trace, in order, on one
 * thread, under whatever allocator is loaded, and prints how long they took
 * and the peak memory of the process:
 *     calls=N seconds=S maxrss_kib=K failed=F
 * OPS is written by `heapshim-trace ops` (or replay): a header ("HSRP", u32
 * slot count, u64 call count) and a 24-byte record per call (u8 call as in
 * src/wrappers/calls.h, u8 log2 of an alignment or 0, u16 0, u32 slot of the
 * block, u32 0, u32 0, u64 size). A slot holds one block at a time: an
 * allocation fills it, realloc keeps it, a release empties it.
 *
 * The program allocates nothing of its own between its start and its
 * report (the calls file and the slots are mapped), so a trace of the
 * replay holds exactly the calls replayed. Every page of each block it gets
 * is written to, as the program that made the trace presumably did. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { MALLOC, CALLOC, REALLOC, ALIGNED, NEW, NEW_ARRAY, FREE, DELETE, DELETE_ARRAY };

struct op {
    uint8_t call, align_log2;
    uint16_t zero;
    uint32_t slot, unused[2];
    uint64_t size;
};

/* C++'s operators, from the allocator preloaded (heapshim exports them) or
 * libstdc++; malloc's family stands in where neither is loaded. */
static void *(*new_fn)(size_t), *(*new_array_fn)(size_t);
static void *(*new_aligned_fn)(size_t, size_t), *(*new_array_aligned_fn)(size_t, size_t);
static void (*delete_fn)(void *), (*delete_array_fn)(void *);

static void find_operators(void)
{
    new_fn = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "_Znwm");
    new_array_fn = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "_Znam");
    new_aligned_fn = (void *(*)(size_t, size_t))dlsym(RTLD_DEFAULT, "_ZnwmSt11align_val_t");
    new_array_aligned_fn = (void *(*)(size_t, size_t))dlsym(RTLD_DEFAULT, "_ZnamSt11align_val_t");
    delete_fn = (void (*)(void *))dlsym(RTLD_DEFAULT, "_ZdlPv");
    delete_array_fn = (void (*)(void *))dlsym(RTLD_DEFAULT, "_ZdaPv");
    if (!new_fn || !new_array_fn || !new_aligned_fn || !new_array_aligned_fn || !delete_fn ||
        !delete_array_fn)
        new_fn = NULL; /* all or none, so blocks are released by their own family */
}

static void *aligned(size_t align, size_t size)
{
    void *p = NULL;
    return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

static void *allocate(const struct op *op)
{
    size_t align = op->align_log2 ? (size_t)1 << op->align_log2 : 0;
    switch (op->call) {
    case CALLOC: return calloc(1, op->size);
    case ALIGNED: return aligned(align, op->size);
    case NEW:
        if (new_fn)
            return align ? new_aligned_fn(op->size, align) : new_fn(op->size);
        break;
    case NEW_ARRAY:
        if (new_fn)
            return align ? new_array_aligned_fn(op->size, align) : new_array_fn(op->size);
        break;
    }
    return align ? aligned(align, op->size) : malloc(op->size);
}

static void release(unsigned call, void *p)
{
    if (new_fn && call == DELETE)
        delete_fn(p);
    else if (new_fn && call == DELETE_ARRAY)
        delete_array_fn(p);
    else
        free(p);
}

static void touch(char *p, size_t size)
{
    for (size_t i = 0; i < size; i += 4096)
        p[i] = 1;
}

static void *map_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return NULL;
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    *len = (size_t)st.st_size;
    return p == MAP_FAILED ? NULL : p;
}

/* The peak resident memory of this program (VmHWM), in KiB: getrusage's
 * would carry over the peak of the process that exec'd it. */
static long peak_rss_kib(void)
{
    char status[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, status, sizeof status - 1) : -1;
    if (fd >= 0)
        close(fd);
    status[n > 0 ? n : 0] = '\0';
    const char *line = strstr(status, "VmHWM:");
    return line ? strtol(line + 6, NULL, 10) : -1;
}

static void say(const char *text)
{
    if (write(1, text, strlen(text)) < 0)
        exit(1);
}

int main(int argc, char **argv)
{
    size_t len;
    const char *file = argc == 2 ? map_file(argv[1], &len) : NULL;
    uint32_t slots;
    uint64_t count;
    if (!file || len < 16 || memcmp(file, "HSRP", 4) != 0) {
        say("usage: heapshim-replay OPS (a file written by heapshim-trace ops)\n");
        return 2;
    }
    memcpy(&slots, file + 4, 4);
    memcpy(&count, file + 8, 8);
    if (len != 16 + count * sizeof(struct op)) {
        say("heapshim-replay: the calls file is truncated\n");
        return 2;
    }
    const struct op *ops = (const struct op *)(file + 16);
    char **block = mmap(NULL, slots * sizeof *block, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) {
        say("heapshim-replay: no memory for the slots\n");
        return 2;
    }
    find_operators();

    uint64_t failed = 0;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (uint64_t i = 0; i < count; i++) {
        const struct op *op = &ops[i];
        char **slot = &block[op->slot];
        if (op->call >= FREE) {
            release(op->call, *slot);
            *slot = NULL;
            continue;
        }
        char *p = op->call == REALLOC ? realloc(*slot, op->size) : allocate(op);
        if (p) {
            touch(p, op->size);
            *slot = p;
        } else {
            failed++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);

    char line[160];
    snprintf(line, sizeof line, "calls=%llu seconds=%.6f maxrss_kib=%ld failed=%llu\n",
             (unsigned long long)count,
             (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9,
             peak_rss_kib(), (unsigned long long)failed);
    say(line);
    return 0;
}
