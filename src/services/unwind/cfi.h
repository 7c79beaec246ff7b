/* Call frame information: how to find the caller's frame from any
 * instruction, read from the .eh_frame tables that compilers emit for every
 * function (distribution binaries are built without frame pointers but
 * never without these). The loader's _dl_find_object gives each module's
 * .eh_frame_hdr index, so a lookup is a binary search and a short CFA
 * program, with no lock and no allocation.
 *
 * Only what a return-address walk needs is kept: the canonical frame
 * address (CFA) as the stack or frame pointer plus an offset, and where the
 * return address and the caller's frame pointer were saved. */
#ifndef HS_CFI_H
#define HS_CFI_H

#include <stdbool.h>
#include <stdint.h>

struct hs_cfi_rule {
    bool cfa_from_rbp; /* else from rsp */
    int32_t cfa_offset;
    int32_t ra_offset; /* return address at CFA + ra_offset */
    bool rbp_saved;    /* the caller's rbp at CFA + rbp_offset */
    int32_t rbp_offset;
    bool outermost; /* the return address is undefined: stop */
};

/* The rule at pc; false when pc has no call frame information, or needs
 * more than this simple model (the walk stops there). */
bool hs_cfi_rule(uintptr_t pc, struct hs_cfi_rule *out);

#endif
