/* The backends built into this library, by configuration id. */
#include "backend.h"
#include "config.h"
#include "services/core/check.h"

const struct hs_backend *hs_backend_get(int backend_id)
{
    switch (backend_id) {
    case HS_BACKEND_PAGE: return &hs_page_backend;
    case HS_BACKEND_DEBUG: return &hs_debug_backend;
    case HS_BACKEND_ARENA: return hs_arena_backend(hs_config.arena_free);
    case HS_BACKEND_LIBC: return &hs_libc_backend;
    }
    hs_assert_fail("a backend id that config.c never sets", __FILE__, __LINE__);
}
