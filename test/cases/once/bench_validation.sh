#!/usr/bin/env bash
# The benchmark programs catch a broken allocator instead of timing it: a
# malloc that now and then hands out a block that is still live makes each
# of them fail with its own diagnostic (status 1, "bench: ..."), while the
# same runs pass with glibc's malloc.
source "$HS_ROOT/test/lib.sh"
command -v gcc >/dev/null || skip "gcc not installed"
bin=$HS_BUILD/bench
[[ -x $bin/churn ]] || fail "benchmark programs not built (make test builds them)"
cd "$HS_TMP"

# Every 500th request of 16 to 128 bytes gets the block of the previous
# one again; all of them get 128 bytes, so the reuse itself stays in bounds.
cat >broken.c <<'C'
#include <stddef.h>
void *__libc_malloc(size_t size);
static void *last;
static unsigned long calls;
void *malloc(size_t size)
{
    if (size < 16 || size > 128)
        return __libc_malloc(size);
    if (last && ++calls % 500 == 0)
        return last;
    return last = __libc_malloc(128);
}
C
gcc -shared -fPIC -O1 -o broken.so broken.c || fail "cannot build broken.so"

for run in "churn batch 20000" "churn window 20000 1" "prodcons 20000"; do
    # shellcheck disable=SC2086
    "$bin"/$run >/dev/null || fail "$run fails with glibc's malloc"
    # shellcheck disable=SC2086
    LD_PRELOAD=$PWD/broken.so "$bin"/$run >out 2>err
    status=$?
    [[ $status == 1 ]] || fail "$run under the broken malloc: status $status, not 1: $(cat err)"
    grep -q '^bench: block .*\(overwritten\|expected\)' err || fail "$run: no diagnostic: $(cat err)"
    [[ ! -s out ]] || fail "$run printed a result: $(cat out)"
done
