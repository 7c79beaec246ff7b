/* The C++ allocation operators, under their mangled names, so that C++
 * programs come through the shim and a backend can tell new[] from malloc.
 *
 * A failed throwing `new` calls the program's new-handler, if any, and
 * otherwise throws std::bad_alloc: both come from libstdc++, looked up when
 * first needed (a program that calls operator new has libstdc++ loaded), so
 * the shim itself links nothing of C++. This file is built with -fexceptions
 * so the exception can pass through it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

#include "entry/entry.h"
#include "services/report/fmt.h"
#include "services/report/writer.h"

typedef void new_handler_fn(void);

static new_handler_fn *current_new_handler(void)
{
    static new_handler_fn *(*get_new_handler)(void);
    if (!get_new_handler)
        get_new_handler =
            (new_handler_fn * (*)(void)) dlsym(RTLD_DEFAULT, "_ZSt15get_new_handlerv");
    return get_new_handler ? get_new_handler() : NULL;
}

static _Noreturn void throw_bad_alloc(size_t size)
{
    void (*thrower)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "_ZSt17__throw_bad_allocv");
    if (thrower)
        thrower();
    struct hs_writer w;
    hs_writer_open(&w, NULL);
    hs_printf(&w,
              "heapshim: operator new(%zu) failed and std::bad_alloc cannot be thrown "
              "(libstdc++ is not loaded)\n",
              size);
    hs_writer_close(&w);
    abort();
}

static void *new_impl(size_t size, size_t align, enum hs_alloc_kind kind, bool nothrow)
{
    for (;;) {
        void *p = hs_allocate(size, align, kind, false);
        if (__builtin_expect(p != NULL, 1))
            return p;
        /* A nothrow new cannot catch what a new-handler throws from C, so it
         * returns NULL at once rather than calling the handler. */
        if (nothrow)
            return NULL;
        new_handler_fn *handler = current_new_handler();
        if (!handler)
            throw_bad_alloc(size);
        handler();
    }
}

#define NOTHROW_T const void * /* const std::nothrow_t & */

/* new and new[] */
HS_EXPORT void *_Znwm(size_t n) { return new_impl(n, HS_MIN_ALIGN, HS_KIND_NEW, false); }
HS_EXPORT void *_Znam(size_t n) { return new_impl(n, HS_MIN_ALIGN, HS_KIND_NEW_ARRAY, false); }
HS_EXPORT void *_ZnwmRKSt9nothrow_t(size_t n, NOTHROW_T t)
{
    (void)t;
    return new_impl(n, HS_MIN_ALIGN, HS_KIND_NEW, true);
}
HS_EXPORT void *_ZnamRKSt9nothrow_t(size_t n, NOTHROW_T t)
{
    (void)t;
    return new_impl(n, HS_MIN_ALIGN, HS_KIND_NEW_ARRAY, true);
}

/* new and new[] with std::align_val_t */
HS_EXPORT void *_ZnwmSt11align_val_t(size_t n, size_t al)
{
    return new_impl(n, al, HS_KIND_NEW, false);
}
HS_EXPORT void *_ZnamSt11align_val_t(size_t n, size_t al)
{
    return new_impl(n, al, HS_KIND_NEW_ARRAY, false);
}
HS_EXPORT void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t al, NOTHROW_T t)
{
    (void)t;
    return new_impl(n, al, HS_KIND_NEW, true);
}
HS_EXPORT void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t al, NOTHROW_T t)
{
    (void)t;
    return new_impl(n, al, HS_KIND_NEW_ARRAY, true);
}

/* delete and delete[]: plain, sized, nothrow, aligned, and combinations.
 * The size and alignment add nothing a backend does not know already. */
HS_EXPORT void _ZdlPv(void *p) { hs_release(p, HS_KIND_NEW); }
HS_EXPORT void _ZdaPv(void *p) { hs_release(p, HS_KIND_NEW_ARRAY); }
HS_EXPORT void _ZdlPvm(void *p, size_t n)
{
    (void)n;
    hs_release(p, HS_KIND_NEW);
}
HS_EXPORT void _ZdaPvm(void *p, size_t n)
{
    (void)n;
    hs_release(p, HS_KIND_NEW_ARRAY);
}
HS_EXPORT void _ZdlPvRKSt9nothrow_t(void *p, NOTHROW_T t)
{
    (void)t;
    hs_release(p, HS_KIND_NEW);
}
HS_EXPORT void _ZdaPvRKSt9nothrow_t(void *p, NOTHROW_T t)
{
    (void)t;
    hs_release(p, HS_KIND_NEW_ARRAY);
}
HS_EXPORT void _ZdlPvSt11align_val_t(void *p, size_t al)
{
    (void)al;
    hs_release(p, HS_KIND_NEW);
}
HS_EXPORT void _ZdaPvSt11align_val_t(void *p, size_t al)
{
    (void)al;
    hs_release(p, HS_KIND_NEW_ARRAY);
}
HS_EXPORT void _ZdlPvmSt11align_val_t(void *p, size_t n, size_t al)
{
    (void)n, (void)al;
    hs_release(p, HS_KIND_NEW);
}
HS_EXPORT void _ZdaPvmSt11align_val_t(void *p, size_t n, size_t al)
{
    (void)n, (void)al;
    hs_release(p, HS_KIND_NEW_ARRAY);
}
HS_EXPORT void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t al, NOTHROW_T t)
{
    (void)al, (void)t;
    hs_release(p, HS_KIND_NEW);
}
HS_EXPORT void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t al, NOTHROW_T t)
{
    (void)al, (void)t;
    hs_release(p, HS_KIND_NEW_ARRAY);
}
