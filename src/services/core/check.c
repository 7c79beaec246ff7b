/* A failed invariant: the message, written with no allocation to the
 * stderr the process started with, then abort(). */
#include "services/core/check.h"

#include <stdlib.h>

#include "services/report/fmt.h"
#include "services/report/writer.h"

_Noreturn void hs_assert_fail(const char *what, const char *file, int line)
{
    struct hs_writer w;
    hs_writer_open(&w, NULL);
    hs_printf(&w, "heapshim: internal error: %s:%d: check failed: %s\n", file, line, what);
    hs_writer_close(&w);
    abort();
}
