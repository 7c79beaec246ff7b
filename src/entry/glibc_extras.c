/* glibc's malloc extras that real programs call. They answer from what the
 * backend knows, accept and ignore tuning, and never crash. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "entry/entry.h"
#include "heapshim.h"
#include "services/report/fmt.h"
#include "services/report/writer.h"

static void count_block(const struct hs_block *b, void *ctx)
{
    struct hs_usage *u = ctx;
    u->blocks++;
    u->bytes += b->size;
}

/* From a signal handler that interrupted the shim: nothing is counted. */
struct hs_usage hs_usage_now(void)
{
    struct hs_usage u = {0, 0};
    const struct hs_backend *b = hs_allocator();
    if (hs_thread_in_shim) {
        hs_reentered_call("mallinfo", NULL);
        return u;
    }
    hs_thread_in_shim = true;
    b->freeze();
    b->for_each_block(count_block, &u);
    b->thaw();
    hs_thread_in_shim = false;
    return u;
}

HS_EXPORT int malloc_trim(size_t pad)
{
    (void)pad;
    const struct hs_backend *b = hs_allocator();
    if (hs_thread_in_shim)
        return (int)hs_reentered_call("malloc_trim", NULL);
    hs_thread_in_shim = true;
    int trimmed = b->trim ? b->trim() : 0;
    hs_thread_in_shim = false;
    return trimmed;
}

/* Tuning parameters belong to glibc's allocator: accepted, ignored. */
HS_EXPORT int mallopt(int param, int value)
{
    (void)param;
    (void)value;
    return 1;
}

HS_EXPORT struct mallinfo2 mallinfo2(void)
{
    struct hs_usage u = hs_usage_now();
    struct mallinfo2 info;
    memset(&info, 0, sizeof info);
    info.ordblks = u.blocks;
    info.uordblks = u.bytes;
    info.arena = u.bytes;
    return info;
}

/* The old interface has int fields; glibc truncates the same way. */
HS_EXPORT struct mallinfo mallinfo(void)
{
    struct mallinfo2 wide = mallinfo2();
    struct mallinfo info;
    memset(&info, 0, sizeof info);
    info.ordblks = (int)wide.ordblks;
    info.uordblks = (int)wide.uordblks;
    info.arena = (int)wide.arena;
    return info;
}

HS_EXPORT void malloc_stats(void)
{
    struct hs_usage u = hs_usage_now();
    struct hs_writer w;
    hs_writer_open(&w, NULL);
    hs_printf(&w, "heapshim %s, backend %s\nin use bytes     = %10zu\nin use blocks    = %10zu\n",
              HEAPSHIM_VERSION, hs_allocator()->name, u.bytes, u.blocks);
    hs_writer_close(&w);
}

/* The program's own FILE, written with stdio as glibc does; the shim holds
 * no lock here, so stdio may allocate. */
HS_EXPORT int malloc_info(int options, FILE *fp)
{
    if (options != 0) /* as glibc: no options are defined */
        return EINVAL;
    struct hs_usage u = hs_usage_now();
    char text[512];
    hs_format(text, sizeof text,
              "<malloc version=\"heapshim-%s\" backend=\"%s\">\n"
              "<total type=\"in-use\" count=\"%zu\" size=\"%zu\"/>\n"
              "</malloc>\n",
              HEAPSHIM_VERSION, hs_allocator()->name, u.blocks, u.bytes);
    fputs(text, fp);
    return 0;
}
