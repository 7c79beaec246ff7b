/* The trace wrapper (HEAPSHIM_TRACE=FILE): every call with its arguments,
 * result, thread and time, in a compact binary file that
 * scripts/heapshim-trace prints and replays.
 *
 * Each thread writes records into a buffer of its own and sends a full
 * buffer to the file as one chunk, with one raw write() on a descriptor
 * opened with O_APPEND for that write only (services/report/writer.h: no
 * descriptor of the shim's stays open in the program's view), so the chunks
 * of threads and of processes sharing the file never interleave. The file
 * is created if missing and appended to, never truncated, so a trace without
 * "%p" keeps the records of every process of a program that forks or runs
 * others. The format, little-endian:
 *
 *   chunk   "HST1", u32 pid, u32 thread, u32 length of the records that
 *           follow, u64 base time (CLOCK_MONOTONIC nanoseconds)
 *   record  u8 op: the call (calls.h) in the low 4 bits, 0x10 if an
 *           alignment byte follows (log2 of the alignment, for alignments
 *           above 16), 0x20 if the call failed (returned NULL, so no result);
 *           varint nanoseconds since the previous record (the first: since
 *           the base time); then
 *             allocations  varint size, pointer result
 *             realloc      pointer old block, varint size, pointer result
 *             releases     pointer block
 *
 * Varints are LEB128; a pointer is the zigzag varint of its difference from
 * the previous pointer in the chunk (0 at its start), a few bytes since
 * blocks lie close together. A release is recorded before it is passed
 * down and everything else after it returns, so sorting all records by
 * time never puts a block's reuse before its release.
 *
 * The buffers are flushed when full, when their thread ends, and at exit;
 * after that each record goes out at once. Thread 0 holds the calls that
 * threads make after they end. Records still buffered when a
 * process leaves by _exit(), exec() or a fatal signal are lost. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "config.h"
#include "services/core/lock.h"
#include "services/core/os.h"
#include "services/core/thread.h"
#include "services/report/fmt.h"
#include "services/report/writer.h"
#include "wrappers/perthread.h"
#include "wrappers/wrappers.h"

#define HEADER 24
#define BUFFER_BYTES (64 * 1024 - 64)
#define RECORD_MAX 48
#define OP_ALIGNED 0x10
#define OP_FAILED 0x20

struct buffer {
    hs_lock lock;
    uint32_t thread;
    uint32_t len; /* HEADER when empty: the header is written in place */
    uint64_t base_ns, last_ns;
    uintptr_t last_ptr;
    unsigned char data[BUFFER_BYTES];
};

static const struct hs_backend *below;
static struct hs_backend trace;
static struct hs_perthread buffers = HS_PERTHREAD_INIT(sizeof(struct buffer), NULL);
static __thread struct buffer *mine;
/* For the calls a thread makes once its buffer is retired (glibc frees the
 * thread's own data after the exit hook), or when the shim's memory is
 * exhausted: thread 0 in the file. */
static struct buffer ended = {.len = HEADER};
static struct hs_kept_file file;
static uint32_t pid;
static bool finished; /* atomic: the exit flush is done */

/* ---- the file ---- */

/* Opens (creates) the trace file. Before main a file that cannot be written
 * is a configuration error; in a forked child given a file of its own by
 * "%p" it is said, and the child writes no trace. */
static bool open_trace(bool at_start)
{
    int saved = errno;
    const char *why;
    if (!hs_kept_file_open(&file, hs_config.trace, &why)) {
        if (at_start)
            hs_config_error("HEAPSHIM_TRACE", hs_config.trace, why);
        struct hs_writer w;
        hs_writer_open(&w, NULL);
        hs_printf(&w,
                  "heapshim: cannot open the trace file HEAPSHIM_TRACE=%s: %s; no trace is "
                  "written\n",
                  hs_config.trace, why);
        hs_writer_close(&w);
    }
    errno = saved;
    pid = (uint32_t)hs_os_getpid();
    return file.open;
}

/* Buffer locked. */
static void flush(struct buffer *b)
{
    if (b->len == HEADER)
        return;
    unsigned char *h = b->data;
    uint32_t length = b->len - HEADER;
    memcpy(h, "HST1", 4);
    memcpy(h + 4, &pid, 4);
    memcpy(h + 8, &b->thread, 4);
    memcpy(h + 12, &length, 4);
    memcpy(h + 16, &b->base_ns, 8);
    hs_kept_file_write(&file, b->data, b->len);
    b->len = HEADER;
}

/* ---- records ---- */

static struct buffer *my_buffer(void)
{
    struct buffer *b = mine;
    if (__builtin_expect(b != NULL, 1))
        return b;
    b = hs_perthread_new(&buffers);
    if (b) {
        b->thread = hs_thread_number(); /* numbered threads are seen when they end */
        b->len = HEADER;
    }
    mine = b ? b : &ended;
    return mine;
}

static void put_varint(struct buffer *b, uint64_t v)
{
    while (v >= 0x80) {
        b->data[b->len++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (unsigned char)v;
}

static void put_pointer(struct buffer *b, const void *p)
{
    int64_t delta = (int64_t)((uintptr_t)p - b->last_ptr);
    /* zigzag, unsigned: a signed right shift is implementation-defined */
    put_varint(b, ((uint64_t)delta << 1) ^ (0 - ((uint64_t)delta >> 63)));
    b->last_ptr = (uintptr_t)p;
}

/* The calling thread's buffer, locked, with room for a record whose op
 * and time are written. */
static struct buffer *begin(unsigned op)
{
    struct buffer *b = my_buffer();
    hs_lock_acquire(&b->lock);
    if (b->len > BUFFER_BYTES - RECORD_MAX)
        flush(b);
    uint64_t now = hs_os_now_ns();
    if (b->len == HEADER) {
        b->base_ns = b->last_ns = now;
        b->last_ptr = 0;
    }
    b->data[b->len++] = (unsigned char)op;
    put_varint(b, now - b->last_ns);
    b->last_ns = now;
    return b;
}

static void end(struct buffer *b)
{
    if (__atomic_load_n(&finished, __ATOMIC_RELAXED))
        flush(b);
    hs_lock_release(&b->lock);
}

static unsigned op_of(enum hs_call call, size_t align, const void *result)
{
    return call | (align > HS_MIN_ALIGN ? OP_ALIGNED : 0) | (result ? 0 : OP_FAILED);
}

/* ---- the interface ---- */

static void *trace_alloc(size_t size, size_t align, enum hs_alloc_kind kind, bool zero)
{
    void *p = below->alloc(size, align, kind, zero);
    struct buffer *b = begin(op_of(hs_call_of_alloc(align, kind, zero), align, p));
    if (align > HS_MIN_ALIGN)
        b->data[b->len++] = (unsigned char)__builtin_ctzll(align);
    put_varint(b, size);
    if (p)
        put_pointer(b, p);
    end(b);
    return p;
}

static void *trace_realloc(void *ptr, size_t old_usable, size_t new_size)
{
    void *p = below->realloc(ptr, old_usable, new_size);
    struct buffer *b = begin(op_of(HS_CALL_REALLOC, HS_MIN_ALIGN, p));
    put_pointer(b, ptr);
    put_varint(b, new_size);
    if (p)
        put_pointer(b, p);
    end(b);
    return p;
}

static void trace_free(void *ptr, enum hs_alloc_kind kind)
{
    struct buffer *b = begin(hs_call_of_free(kind));
    put_pointer(b, ptr);
    end(b);
    below->free(ptr, kind);
}

/* ---- threads, exit and fork ---- */

static void flush_ended(void *retired, void *block)
{
    (void)retired;
    struct buffer *b = block;
    hs_lock_acquire(&b->lock);
    flush(b);
    hs_lock_release(&b->lock);
}

static void thread_ends(void)
{
    if (mine && mine != &ended)
        hs_perthread_retire(&buffers, mine, flush_ended);
    mine = &ended;
}

static void flush_one(void *block, void *ctx) { flush_ended(ctx, block); }

void hs_trace_finish(void)
{
    __atomic_store_n(&finished, true, __ATOMIC_RELAXED);
    hs_perthread_for_each(&buffers, flush_one, NULL);
    flush_one(&ended, NULL);
}

/* The child forgets the records its parent buffered (the parent writes
 * them) and, given "%p", writes a file of its own. */
static void empty_in_child(void *block, void *ctx)
{
    (void)ctx;
    struct buffer *b = block;
    hs_lock_reset(&b->lock);
    b->len = HEADER;
}

static void trace_fork_prepare(void)
{
    hs_perthread_fork_prepare(&buffers);
    below->fork_prepare();
}

static void trace_fork_parent(void)
{
    below->fork_parent();
    hs_perthread_fork_parent(&buffers);
}

static void trace_fork_child(void)
{
    below->fork_child();
    hs_perthread_fork_child(&buffers);
    hs_perthread_for_each(&buffers, empty_in_child, NULL);
    empty_in_child(&ended, NULL);
    if (strstr(hs_config.trace, "%p")) {
        hs_kept_file_close(&file);
        open_trace(false);
    } else {
        pid = (uint32_t)hs_os_getpid();
    }
}

const struct hs_backend *hs_trace_over(const struct hs_backend *layer)
{
    if (!open_trace(true))
        return layer;
    below = layer;
    hs_thread_at_exit(thread_ends);
    trace = *layer;
    trace.alloc = trace_alloc;
    trace.realloc = trace_realloc;
    trace.free = trace_free;
    trace.fork_prepare = trace_fork_prepare;
    trace.fork_parent = trace_fork_parent;
    trace.fork_child = trace_fork_child;
    return &trace;
}
