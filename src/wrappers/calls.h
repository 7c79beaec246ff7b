/* The program's allocation calls as the wrappers count, trace and fail them,
 * told apart by what reaches the backend interface: calloc asks for zeroed
 * memory, "aligned" is any C call for an alignment above HS_MIN_ALIGN
 * (posix_memalign, aligned_alloc, memalign, valloc, pvalloc), and new and
 * delete bring their kind. */
#ifndef HS_CALLS_H
#define HS_CALLS_H

#include <stdbool.h>

#include "backend.h"

enum hs_call {
    HS_CALL_MALLOC,
    HS_CALL_CALLOC,
    HS_CALL_REALLOC,
    HS_CALL_ALIGNED,
    HS_CALL_NEW,
    HS_CALL_NEW_ARRAY,
    HS_CALL_FREE, /* the calls from here on release a block */
    HS_CALL_DELETE,
    HS_CALL_DELETE_ARRAY,
    HS_CALLS
};

static inline enum hs_call hs_call_of_alloc(size_t align, enum hs_alloc_kind kind, bool zero)
{
    if (kind != HS_KIND_MALLOC)
        return kind == HS_KIND_NEW ? HS_CALL_NEW : HS_CALL_NEW_ARRAY;
    if (zero)
        return HS_CALL_CALLOC;
    return align > HS_MIN_ALIGN ? HS_CALL_ALIGNED : HS_CALL_MALLOC;
}

/* hs_call_of_free adds the kind to HS_CALL_FREE. */
_Static_assert(HS_CALL_FREE + HS_KIND_NEW == HS_CALL_DELETE &&
                   HS_CALL_FREE + HS_KIND_NEW_ARRAY == HS_CALL_DELETE_ARRAY &&
                   HS_CALL_DELETE_ARRAY + 1 == HS_CALLS,
               "the release calls are in the order of enum hs_alloc_kind");

static inline enum hs_call hs_call_of_free(enum hs_alloc_kind kind)
{
    return (enum hs_call)(HS_CALL_FREE + kind);
}

#endif
