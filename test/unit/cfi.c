/* Unit tests of services/unwind/cfi: the rule at points of functions
 * written here in assembly with known CFI directives (the entry, after
 * push %rbp, with the frame pointer set, after leave, a remembered state
 * restored, an undefined return address, and rules this model refuses: a
 * CFA expression, a CFA in another register, the frame pointer saved by an
 * expression), at the entry and inside a call of fixture_lines.c's -O0
 * code (a shared object, loaded here), and at addresses with no CFI. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

#include "fixture_lines.h"
#include "services/unwind/cfi.h"
#include "unit.h"

/* Never called: only their addresses are looked up. */
__asm__(".text\n"
        ".globl cfi_framed_fn, cfi_at_entry, cfi_after_push, cfi_framed, cfi_remembered\n"
        ".globl cfi_after_leave, cfi_restored\n"
        "cfi_framed_fn:\n"
        ".cfi_startproc\n"
        "cfi_at_entry: push %rbp\n"
        ".cfi_def_cfa_offset 16\n"
        ".cfi_offset %rbp, -16\n"
        "cfi_after_push: mov %rsp, %rbp\n"
        ".cfi_def_cfa_register %rbp\n"
        "cfi_framed: sub $32, %rsp\n"
        ".cfi_remember_state\n"
        "cfi_remembered: leave\n"
        ".cfi_def_cfa %rsp, 8\n"
        ".cfi_restore %rbp\n"
        "cfi_after_leave: ret\n"
        ".cfi_restore_state\n"
        "cfi_restored: nop\n"
        "ret\n"
        ".cfi_endproc\n"

        ".globl cfi_outermost_fn, cfi_outermost_body\n"
        "cfi_outermost_fn:\n"
        ".cfi_startproc\n"
        ".cfi_undefined %rip\n"
        "xor %ebp, %ebp\n"
        "cfi_outermost_body: hlt\n"
        ".cfi_endproc\n"

        ".globl cfi_expression_fn, cfi_expression_body\n"
        "cfi_expression_fn:\n"
        ".cfi_startproc\n"
        "nop\n"
        /* DW_CFA_def_cfa_expression: DW_OP_breg7 (rsp) 8 */
        ".cfi_escape 0x0f, 0x02, 0x77, 0x08\n"
        "cfi_expression_body: ret\n"
        ".cfi_endproc\n"

        ".globl cfi_r10_fn, cfi_r10_body\n"
        "cfi_r10_fn:\n"
        ".cfi_startproc\n"
        "lea 8(%rsp), %r10\n"
        ".cfi_def_cfa %r10, 0\n"
        "cfi_r10_body: ret\n"
        ".cfi_endproc\n"

        ".globl cfi_rbp_expression_fn, cfi_rbp_expression_body\n"
        "cfi_rbp_expression_fn:\n"
        ".cfi_startproc\n"
        "nop\n"
        /* DW_CFA_expression rbp: DW_OP_breg7 (rsp) 0 */
        ".cfi_escape 0x10, 0x06, 0x02, 0x77, 0x00\n"
        "cfi_rbp_expression_body: ret\n"
        ".cfi_endproc\n");

extern const char cfi_at_entry[], cfi_after_push[], cfi_framed[], cfi_remembered[],
    cfi_after_leave[], cfi_restored[], cfi_outermost_fn[], cfi_outermost_body[],
    cfi_expression_fn[], cfi_expression_body[], cfi_r10_fn[], cfi_r10_body[],
    cfi_rbp_expression_fn[], cfi_rbp_expression_body[];

/* The rule at pc is this one (rbp_offset compared only when saved). */
static bool rule_is(const void *pc, bool from_rbp, int cfa_offset, bool rbp_saved, int rbp_offset)
{
    struct hs_cfi_rule r;
    if (!hs_cfi_rule((uintptr_t)pc, &r))
        return false;
    return r.cfa_from_rbp == from_rbp && r.cfa_offset == cfa_offset && r.ra_offset == -8 &&
           r.rbp_saved == rbp_saved && (!rbp_saved || r.rbp_offset == rbp_offset) && !r.outermost;
}

static void assembly(void)
{
    CHECK(rule_is(cfi_at_entry, false, 8, false, 0));
    CHECK(rule_is(cfi_at_entry + 1, false, 16, true, -16)); /* cfi_after_push */
    CHECK(rule_is(cfi_after_push, false, 16, true, -16));
    CHECK(rule_is(cfi_framed, true, 16, true, -16));
    CHECK(rule_is(cfi_remembered, true, 16, true, -16));
    CHECK(rule_is(cfi_after_leave, false, 8, false, 0));
    CHECK(rule_is(cfi_restored, true, 16, true, -16));

    struct hs_cfi_rule r;
    CHECK(hs_cfi_rule((uintptr_t)cfi_outermost_body, &r) && r.outermost);
    CHECK(hs_cfi_rule((uintptr_t)cfi_outermost_fn, &r) && r.outermost);
    /* Before the unsupported instruction the CIE's rule holds; after it
     * there is no rule. */
    CHECK(rule_is(cfi_expression_fn, false, 8, false, 0));
    CHECK(!hs_cfi_rule((uintptr_t)cfi_expression_body, &r));
    CHECK(rule_is(cfi_r10_fn, false, 8, false, 0));
    CHECK(!hs_cfi_rule((uintptr_t)cfi_r10_body, &r));
    CHECK(rule_is(cfi_rbp_expression_fn, false, 8, false, 0));
    CHECK(!hs_cfi_rule((uintptr_t)cfi_rbp_expression_body, &r));
}

/* fixture_lines.c at -O0: at its entry the CIE's rule, inside a call the
 * frame pointer's. */
static void compiled(void)
{
    void *handle = dlopen(UNIT_DIR "/fixture_lines5.so", RTLD_NOW | RTLD_LOCAL);
    CHECK(handle != NULL);
    if (!handle)
        return;
    int (*run)(int) = (int (*)(int))dlsym(handle, "fixture_run");
    struct fixture_mark *marks = dlsym(handle, "fixture_marks");
    CHECK(run && marks);
    if (!run || !marks)
        return;
    run(1);
    CHECK(rule_is((const void *)run, false, 8, false, 0));
    CHECK(rule_is(marks[0].return_address, true, 16, true, -16));
    CHECK(rule_is((const char *)marks[0].return_address - 1, true, 16, true, -16));
    CHECK(rule_is(marks[1].return_address, true, 16, true, -16)); /* in fixture_twice */
    dlclose(handle);
}

static void no_rule(void)
{
    struct hs_cfi_rule r;
    int on_stack = 0;
    void *on_heap = malloc(16);
    static const char in_data[] = "data";
    CHECK(!hs_cfi_rule((uintptr_t)&on_stack, &r));
    CHECK(!hs_cfi_rule((uintptr_t)on_heap, &r));
    CHECK(!hs_cfi_rule((uintptr_t)in_data, &r));
    CHECK(!hs_cfi_rule(0, &r));
    CHECK(!hs_cfi_rule(UINTPTR_MAX, &r));
    free(on_heap);
}

int main(void)
{
    assembly();
    compiled();
    no_rule();
    return unit_done("cfi");
}
