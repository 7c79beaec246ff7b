/* Stack capture by call frame information, with a cache of rules. */
#define _GNU_SOURCE
#include "services/unwind/stack.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <string.h>
#include <ucontext.h>

#include "services/core/arch.h"
#include "services/unwind/cfi.h"
#include "services/unwind/depot.h"

/* The rule cache: two direct-mapped tables by pc, shared by all threads
 * without a lock. The near one is small enough to stay in the processor's
 * first-level cache between allocations, and the return addresses a
 * program allocates from are few enough that nearly every lookup ends
 * there; the far one keeps more, so that few lookups need the tables on
 * disk. Each entry holds the rule packed in one word and the pc xor-ed with
 * it in another, so a torn read (two writers, or a reader racing a writer)
 * fails the check and is simply a miss. */
#define NEAR_SIZE 2048
#define FAR_SIZE 8192

struct cached {
    uint64_t check; /* pc ^ rule */
    uint64_t rule;  /* 0: empty */
};

static struct cached near[NEAR_SIZE], far[FAR_SIZE];

/* A rule packed in one word: flags in the low bits, then the offsets of
 * the return address and the saved rbp from the CFA (signed, 16 bits each)
 * and the CFA's own offset (24 bits). A rule that does not fit describes a
 * frame far beyond FRAME_MAX, where the walk stops anyway. */
enum {
    PACK_VALID = 1,
    PACK_FROM_RBP = 2,
    PACK_RBP_SAVED = 4,
    PACK_OUTERMOST = 8,
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

static inline intptr_t ra_offset(uint64_t rule) { return (int16_t)(rule >> 8); }
static inline intptr_t rbp_offset(uint64_t rule) { return (int16_t)(rule >> 24); }
static inline uintptr_t cfa_offset(uint64_t rule) { return (uintptr_t)(rule >> 40); }

static inline uint64_t lookup(const struct cached *slot, uintptr_t pc)
{
    uint64_t rule = __atomic_load_n(&slot->rule, __ATOMIC_RELAXED);
    uint64_t check = __atomic_load_n(&slot->check, __ATOMIC_RELAXED);
    return rule && (check ^ rule) == pc ? rule : 0;
}

static void store(struct cached *slot, uintptr_t pc, uint64_t rule)
{
    __atomic_store_n(&slot->rule, rule, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->check, pc ^ rule, __ATOMIC_RELAXED);
}

/* Past the near table: the far one, then the tables on disk. */
__attribute__((noinline)) static uint64_t rule_missed(uintptr_t pc, struct cached *near_slot)
{
    struct cached *far_slot = &far[(pc ^ (pc >> 13)) % FAR_SIZE];
    uint64_t rule = lookup(far_slot, pc);
    if (!rule) {
        struct hs_cfi_rule r;
        if (!hs_cfi_rule(pc, &r) || !(rule = pack(&r)))
            return 0;
        store(far_slot, pc, rule);
    }
    store(near_slot, pc, rule);
    return rule;
}

/* The packed rule at pc, or 0 when there is none. */
static inline uint64_t rule_at(uintptr_t pc)
{
    struct cached *near_slot = &near[(pc ^ (pc >> 9)) % NEAR_SIZE];
    uint64_t rule = lookup(near_slot, pc);
    return __builtin_expect(rule != 0, 1) ? rule : rule_missed(pc, near_slot);
}

/* The shim's own mapping, whose frames a stack leaves out. */
static uintptr_t shim_start, shim_size;

static void find_shim(void)
{
    struct dl_find_object self;
    if (_dl_find_object((void *)(uintptr_t)hs_stack_capture, &self) == 0) {
        shim_size = (uintptr_t)self.dlfo_map_end - (uintptr_t)self.dlfo_map_start;
        __atomic_store_n(&shim_start, (uintptr_t)self.dlfo_map_start, __ATOMIC_RELEASE);
    }
}

/* Whether code is the signal trampoline (glibc's __restore_rt: the
 * rt_sigreturn system call) to which a signal handler returns. Read only
 * where the loader knows an object, so the bytes are mapped. */
static bool is_sigreturn(uintptr_t code)
{
    static const unsigned char restore_rt[] = {0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05};
    struct dl_find_object object;
    return _dl_find_object((void *)code, &object) == 0 &&
           (uintptr_t)object.dlfo_map_end - code >= sizeof restore_rt &&
           memcmp((const void *)code, restore_rt, sizeof restore_rt) == 0;
}

/* A frame may not be larger than this: past it the walk is lost. */
#define FRAME_MAX ((uintptr_t)1 << 22)

/* Walks up from the frame at pc (with its rsp and rbp), appending return
 * addresses to pcs[count..max); those still inside the shim before the
 * first one kept are left out when skip_shim. Returns the new count. */
static unsigned walk(uintptr_t pc, uintptr_t rsp, uintptr_t rbp, uintptr_t *pcs, unsigned count,
                     unsigned max, bool skip_shim)
{
    for (unsigned steps = 0; count < max && steps < max + 32; steps++) {
        uint64_t rule = rule_at(pc);
        if (!rule && count > 0 && is_sigreturn(pcs[count - 1])) {
            /* A handler returns there with rsp at the interrupted context:
             * the walk goes on from the instruction the signal stopped,
             * recorded like a return address, one byte past it. */
            const mcontext_t *m = &((const ucontext_t *)rsp)->uc_mcontext;
            pc = (uintptr_t)m->gregs[REG_RIP];
            rsp = (uintptr_t)m->gregs[REG_RSP];
            rbp = (uintptr_t)m->gregs[REG_RBP];
            pcs[count - 1] = pc + 1;
            continue;
        }
        if (!rule || (rule & PACK_OUTERMOST))
            break;
        uintptr_t cfa = ((rule & PACK_FROM_RBP) ? rbp : rsp) + cfa_offset(rule);
        if (cfa - rsp - 1 >= FRAME_MAX || (cfa & 7)) /* not above rsp, or too far */
            break;
        uintptr_t ra = *(const uintptr_t *)(cfa + ra_offset(rule));
        if (rule & PACK_RBP_SAVED)
            rbp = *(const uintptr_t *)(cfa + rbp_offset(rule));
        rsp = cfa;
        if (ra < 4096)
            break;
        pc = ra - 1; /* a return address points after its call: look up the call */
        if (skip_shim && count == 0 && ra - shim_start < shim_size)
            continue; /* still inside the shim */
        pcs[count++] = ra;
    }
    return count;
}

bool hs_stack_in_shim(uintptr_t pc)
{
    if (!__atomic_load_n(&shim_start, __ATOMIC_ACQUIRE))
        find_shim();
    return pc - shim_start < shim_size;
}

__attribute__((noinline)) unsigned hs_stack_capture(uintptr_t *pcs, unsigned max)
{
    if (!__atomic_load_n(&shim_start, __ATOMIC_ACQUIRE))
        find_shim();
    struct hs_arch_frame here;
    if (!hs_arch_frame_here(&here))
        return 0;
    return walk(here.pc, here.sp, here.fp, pcs, 0, max, true);
}

unsigned hs_stack_capture_context(const void *context, uintptr_t *pcs, unsigned max)
{
#if defined(__x86_64__)
    const greg_t *regs = ((const ucontext_t *)context)->uc_mcontext.gregs;
    if (max == 0)
        return 0;
    pcs[0] = (uintptr_t)regs[REG_RIP];
    return walk(pcs[0], (uintptr_t)regs[REG_RSP], (uintptr_t)regs[REG_RBP], pcs, 1, max, false);
#else
    (void)context;
    (void)pcs;
    (void)max;
    return 0;
#endif
}

const struct hs_stack *hs_stack_record(unsigned depth)
{
    uintptr_t pcs[HS_STACK_MAX];
    return hs_depot_put(pcs, hs_stack_capture(pcs, depth));
}
