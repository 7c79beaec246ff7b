/* Invariant checks, at two levels, in the manner of mimalloc's
 * mi_assert_internal and mi_assert_expensive:
 *   - HS_ASSERT: cheap (no loop, no lock), kept in every build, where a
 *     broken invariant would go on to corrupt memory;
 *   - HS_ASSERT_EXPENSIVE: may walk a structure or cost a system call;
 *     compiled in only with -DHS_EXPENSIVE (`make expensive`). Its
 *     condition is still compiled in every build, so it cannot rot, but it
 *     is never evaluated where HS_EXPENSIVE_ON is 0.
 * The backends' validate op (backend.h) is the expensive level's walk of a
 * whole heap; only expensive builds call it. A failed check means the shim
 * itself is wrong, or its metadata was overwritten: it says where and
 * aborts. */
#ifndef HS_CHECK_H
#define HS_CHECK_H

#ifdef HS_EXPENSIVE
#define HS_EXPENSIVE_ON 1
#else
#define HS_EXPENSIVE_ON 0
#endif

_Noreturn void hs_assert_fail(const char *what, const char *file, int line);

#define HS_ASSERT(cond) \
    (__builtin_expect(!!(cond), 1) ? (void)0 : hs_assert_fail(#cond, __FILE__, __LINE__))

#define HS_ASSERT_EXPENSIVE(cond) (HS_EXPENSIVE_ON ? HS_ASSERT(cond) : (void)0)

#endif
