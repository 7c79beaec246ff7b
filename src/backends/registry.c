/* The backends built into this library, by configuration id. */
#include "backend.h"
#include "config.h"

const struct hs_backend *hs_backend_get(int backend_id)
{
    switch (backend_id) {
    case HS_BACKEND_PAGE:
        return &hs_page_backend;
    case HS_BACKEND_DEBUG:
        return &hs_debug_backend;
    case HS_BACKEND_ARENA:
        return hs_arena_backend(hs_config.arena_free);
    case HS_BACKEND_LIBC:
        return &hs_libc_backend;
    default:
        return NULL;
    }
}
