/* The symbolizer: what code an address belongs to. */
#ifndef HS_SYMBOLIZE_H
#define HS_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>

struct hs_frame {
    uintptr_t pc;
    const char *module;   /* path of the object, or NULL */
    uintptr_t offset;     /* pc - the module's load address */
    const char *function; /* NULL when unknown */
    const char *file;     /* source file, or NULL */
    unsigned line;
};

/* Fills f for pc; false if pc is in no loaded object. return_address: pc is
 * where a call returns to, so the call itself is just before it. Does not
 * allocate. */
bool hs_symbolize(uintptr_t pc, bool return_address, struct hs_frame *f);

/* In a forked child: if another thread of the parent was symbolizing when
 * it forked, its tables may be half made, so from then on frames are named
 * only as the loader names them (module, offset, exported symbol). Waits
 * for nothing, so fork needs no lock of the symbolizer's, which holds it
 * across calls into the loader. */
void hs_symbolize_fork_child(void);

#endif
