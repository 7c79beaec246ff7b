/* Invariant checks: cheap enough to keep in release builds. A failed check
 * means the shim itself is wrong; it says where and aborts. */
#ifndef HS_CHECK_H
#define HS_CHECK_H

_Noreturn void hs_assert_fail(const char *what, const char *file, int line);

#define HS_ASSERT(cond) \
    (__builtin_expect(!!(cond), 1) ? (void)0 : hs_assert_fail(#cond, __FILE__, __LINE__))

#endif
