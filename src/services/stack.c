/* Stack capture through libgcc's unwinder, loaded on demand. */
#define _GNU_SOURCE
#include "stack.h"

#include <dlfcn.h>
#include <link.h>
#include <unwind.h>

typedef _Unwind_Reason_Code unwind_backtrace_fn(_Unwind_Trace_Fn, void *);
typedef _Unwind_Ptr unwind_get_ip_fn(struct _Unwind_Context *);

static unwind_backtrace_fn *unwind_backtrace;
static unwind_get_ip_fn *unwind_get_ip;
/* The shim's own code, whose frames a stack leaves out. */
static uintptr_t shim_start, shim_end;

static int find_shim_code(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    uintptr_t self = (uintptr_t)ctx;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && self >= start &&
            self < start + ph->p_memsz) {
            shim_start = start;
            shim_end = start + ph->p_memsz;
            return 1;
        }
    }
    return 0;
}

void hs_stack_enable(void)
{
    if (unwind_backtrace)
        return;
    dl_iterate_phdr(find_shim_code, (void *)(uintptr_t)hs_stack_enable);
    void *libgcc = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!libgcc)
        return;
    unwind_get_ip = (unwind_get_ip_fn *)dlsym(libgcc, "_Unwind_GetIP");
    unwind_backtrace = (unwind_backtrace_fn *)dlsym(libgcc, "_Unwind_Backtrace");
}

struct walk {
    uintptr_t *pcs;
    unsigned count, max;
};

static _Unwind_Reason_Code record_frame(struct _Unwind_Context *context, void *ctx)
{
    struct walk *w = ctx;
    uintptr_t pc = unwind_get_ip(context);
    if (pc == 0)
        return _URC_END_OF_STACK;
    if (pc >= shim_start && pc < shim_end && w->count == 0)
        return _URC_NO_REASON; /* still inside the shim */
    w->pcs[w->count++] = pc;
    return w->count == w->max ? _URC_END_OF_STACK : _URC_NO_REASON;
}

unsigned hs_stack_capture(uintptr_t *pcs, unsigned max)
{
    struct walk w = {pcs, 0, max};
    if (max && unwind_backtrace)
        unwind_backtrace(record_frame, &w);
    return w.count;
}
