/* The reachability scan: classifies live blocks the way memcheck does.
 *
 * Roots are the process's writable private memory (the data and bss of
 * every loaded object, thread stacks and the thread-local storage in them,
 * and the program's own anonymous mappings), less the shim's own memory
 * (regions.h) and less the memory backends keep around blocks. The calling
 * thread's stack is scanned only above a boundary its caller gives, so the
 * shim's own frames are not roots. Then:
 *   reachable  a chain of pointers to block starts leads from a root;
 *   possible   reachable only through some pointer into a block's interior;
 *   indirect   not reachable, but pointed to by a lost block;
 *   definite   no pointer to it at all.
 * The scan is conservative: any aligned word that holds an address inside a
 * block counts as a pointer. It reads memory only; the caller keeps the heap
 * still (the backend's freeze) and the other threads stopped (stop.h)
 * while it runs. The stopped threads' registers are roots. */
#ifndef HS_SCAN_H
#define HS_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hs_world;

enum hs_leak_kind { HS_DEFINITE, HS_INDIRECT, HS_POSSIBLE, HS_REACHABLE, HS_LEAK_KINDS };

struct hs_scan_entry {
    uintptr_t start, end;               /* the block */
    uintptr_t extent_start, extent_end; /* memory kept with it, not a root */
    uint32_t index;                     /* the caller's, carried along */
    bool ignored;                       /* in: counts as reachable, a root */
    uint8_t kind;                       /* out: enum hs_leak_kind */
};

/* Records the shim's own writable data as not a root; from the constructor. */
void hs_scan_init(void);

/* Sorts entries by address and sets each kind. world: the other threads,
 * as hs_world_stop left them. False if the roots could not be read (no
 * /proc): then no kind is set. */
bool hs_scan(struct hs_scan_entry *entries, size_t count, uintptr_t stack_boundary,
             const struct hs_world *world);

#endif
