/* The machine registers the shim reads where C cannot name them: all of
 * its assembly, each piece behind a small named function. Only x86-64 is
 * spelled out; elsewhere each function says it knows nothing (0, false)
 * and its callers do without. */
#ifndef HS_ARCH_H
#define HS_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/* The calling thread's thread pointer: the word at %fs:0, which glibc sets
 * to the address of the thread's own descriptor (struct pthread). The
 * thread registry (thread.c) keeps it because glibc puts the descriptor at
 * the top of the thread's stack mapping: the leak scan finds each thread's
 * stack, and the cached stacks of ended threads, by it. One load, no
 * call. 0 if unknown. */
static inline __attribute__((always_inline)) uintptr_t hs_arch_thread_pointer(void)
{
    uintptr_t tp = 0;
#if defined(__x86_64__)
    __asm__("movq %%fs:0, %0" : "=r"(tp));
#endif
    return tp;
}

/* Where a stack walk starts: an instruction of the calling function and
 * that function's stack and frame pointers. */
struct hs_arch_frame {
    uintptr_t pc, sp, fp;
};

/* Fills *f with the caller's own frame: pc is the address of the
 * instruction after the read (%rip), sp and fp are %rsp and %rbp as they
 * stand there. Always inlined, so they are the calling function's: the
 * stack capture (unwind/stack.c) looks up the call frame information at pc
 * to find its caller, and walks up from there. False where unsupported. */
static inline __attribute__((always_inline)) bool hs_arch_frame_here(struct hs_arch_frame *f)
{
#if defined(__x86_64__)
    __asm__ volatile("leaq 0(%%rip), %0\n\tmovq %%rsp, %1\n\tmovq %%rbp, %2"
                     : "=r"(f->pc), "=r"(f->sp), "=r"(f->fp));
    return true;
#else
    (void)f;
    return false;
#endif
}

#endif
