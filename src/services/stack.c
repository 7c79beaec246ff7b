/* Stack capture by call frame information, with a cache of rules. */
#define _GNU_SOURCE
#include "stack.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "cfi.h"
#include "depot.h"

/* The rule cache: direct-mapped by pc, shared by all threads without a
 * lock. Each entry holds the rule packed in one word and the pc xor-ed with
 * it in another, so a torn read (two writers, or a reader racing a writer)
 * fails the check and is simply a miss. */
#define CACHE_SIZE 8192

struct cached {
    uint64_t check;   /* pc ^ rule */
    uint64_t rule;    /* 0: empty */
};

static struct cached cache[CACHE_SIZE];

enum {
    PACK_VALID = 1, PACK_FROM_RBP = 2, PACK_RBP_SAVED = 4, PACK_OUTERMOST = 8,
};

static bool fits16(int32_t v) { return v >= -32768 && v <= 32767; }

static uint64_t pack(const struct hs_cfi_rule *r)
{
    if (!fits16(r->ra_offset) || !fits16(r->rbp_offset) || r->cfa_offset < 0 ||
        r->cfa_offset >= (1 << 24))
        return 0;
    return PACK_VALID | (r->cfa_from_rbp ? PACK_FROM_RBP : 0) |
           (r->rbp_saved ? PACK_RBP_SAVED : 0) | (r->outermost ? PACK_OUTERMOST : 0) |
           (uint64_t)(uint16_t)r->ra_offset << 8 | (uint64_t)(uint16_t)r->rbp_offset << 24 |
           (uint64_t)r->cfa_offset << 40;
}

static void unpack(uint64_t v, struct hs_cfi_rule *r)
{
    r->cfa_from_rbp = v & PACK_FROM_RBP;
    r->rbp_saved = v & PACK_RBP_SAVED;
    r->outermost = v & PACK_OUTERMOST;
    r->ra_offset = (int16_t)(v >> 8);
    r->rbp_offset = (int16_t)(v >> 24);
    r->cfa_offset = (int32_t)(v >> 40);
}

static bool rule_at(uintptr_t pc, struct hs_cfi_rule *r)
{
    struct cached *slot = &cache[(pc ^ (pc >> 13)) % CACHE_SIZE];
    uint64_t rule = __atomic_load_n(&slot->rule, __ATOMIC_RELAXED);
    uint64_t check = __atomic_load_n(&slot->check, __ATOMIC_RELAXED);
    if (rule && (check ^ rule) == pc) {
        unpack(rule, r);
        return true;
    }
    if (!hs_cfi_rule(pc, r))
        return false;
    rule = pack(r);
    if (rule) {
        __atomic_store_n(&slot->rule, rule, __ATOMIC_RELAXED);
        __atomic_store_n(&slot->check, pc ^ rule, __ATOMIC_RELAXED);
    }
    return true;
}

/* The shim's own mapping, whose frames a stack leaves out. */
static uintptr_t shim_start, shim_end;

static void find_shim(void)
{
    struct dl_find_object self;
    if (_dl_find_object((void *)(uintptr_t)hs_stack_capture, &self) == 0) {
        shim_end = (uintptr_t)self.dlfo_map_end;
        __atomic_store_n(&shim_start, (uintptr_t)self.dlfo_map_start, __ATOMIC_RELEASE);
    }
}

/* A frame may not be larger than this: past it the walk is lost. */
#define FRAME_MAX ((uintptr_t)1 << 22)

__attribute__((noinline)) unsigned hs_stack_capture(uintptr_t *pcs, unsigned max)
{
    if (!__atomic_load_n(&shim_start, __ATOMIC_ACQUIRE))
        find_shim();
    uintptr_t rip, rsp, rbp;
#if defined(__x86_64__)
    __asm__ volatile("leaq 0(%%rip), %0\n\tmovq %%rsp, %1\n\tmovq %%rbp, %2"
                     : "=r"(rip), "=r"(rsp), "=r"(rbp));
#else
    return 0;
#endif
    unsigned count = 0;
    bool innermost = true;
    for (unsigned steps = 0; count < max && steps < max + 32; steps++) {
        struct hs_cfi_rule r;
        /* A return address points after its call: look up the call. */
        if (!rule_at(innermost ? rip : rip - 1, &r) || r.outermost)
            break;
        innermost = false;
        uintptr_t cfa = (r.cfa_from_rbp ? rbp : rsp) + (uintptr_t)(intptr_t)r.cfa_offset;
        if (cfa <= rsp || cfa - rsp > FRAME_MAX || (cfa & 7))
            break;
        uintptr_t ra = *(const uintptr_t *)(cfa + (uintptr_t)(intptr_t)r.ra_offset);
        if (r.rbp_saved)
            rbp = *(const uintptr_t *)(cfa + (uintptr_t)(intptr_t)r.rbp_offset);
        rsp = cfa;
        rip = ra;
        if (rip < 4096)
            break;
        if (count == 0 && rip >= shim_start && rip < shim_end)
            continue; /* still inside the shim */
        pcs[count++] = rip;
    }
    return count;
}

const struct hs_stack *hs_stack_record(unsigned depth)
{
    uintptr_t pcs[HS_STACK_MAX];
    return hs_depot_put(pcs, hs_stack_capture(pcs, depth));
}
