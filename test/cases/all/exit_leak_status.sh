# HEAPSHIM_LEAK_EXITCODE changes the exit status of a leaking program and
# nothing else: stdout's buffer is flushed (to a file and to a pipe), the
# program's atexit handler runs, and so does the destructor of a library
# finalized after the shim's (preloaded after it), whose output is buffered
# too; C++ output through std::cout and a static destructor likewise.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"

cat >late.c <<'C'
#include <stdio.h>
__attribute__((destructor)) static void late(void) { printf("late destructor ran\n"); }
C
gcc -shared -fPIC -o "$HS_TMP/liblate.so" late.c || fail "cannot build liblate.so"

# check NAME CMD...: plain (with liblate preloaded) and under the shim with
# HEAPSHIM_LEAK_EXITCODE=3, once into a file and once into a pipe.
check() {
    local name=$1; shift
    local status
    LD_PRELOAD="$HS_TMP/liblate.so" "$@" >"$name.plain" 2>"$name.plain.err"
    status=$?
    [[ $status == 0 ]] || fail "$name: plain status $status"
    grep -q . "$name.plain" || fail "$name: no plain output"
    rm -f "$HS_REPORTS"/*
    env LD_PRELOAD="$HS_LIB $HS_TMP/liblate.so" HEAPSHIM_BACKEND="$HS_BACKEND" \
        HEAPSHIM_REPORT="$HS_REPORTS/report.%p" HEAPSHIM_LEAK_EXITCODE=3 "$@" >"$name.file"
    status=$?
    [[ $status == 3 ]] || fail "$name: status $status into a file, wanted 3"
    cmp "$name.plain" "$name.file" || { diff "$name.plain" "$name.file"; fail "$name: output into a file differs"; }
    grep -q 'definitely lost: [0-9]* bytes in 1 blocks' "$HS_REPORTS"/* ||
        { cat "$HS_REPORTS"/*; fail "$name: the report does not count the leak"; }
    env LD_PRELOAD="$HS_LIB $HS_TMP/liblate.so" HEAPSHIM_BACKEND="$HS_BACKEND" \
        HEAPSHIM_REPORT="$HS_REPORTS/report.%p" HEAPSHIM_LEAK_EXITCODE=3 "$@" | cat >"$name.pipe"
    status=${PIPESTATUS[0]}
    [[ $status == 3 ]] || fail "$name: status $status into a pipe, wanted 3"
    cmp "$name.plain" "$name.pipe" || { diff "$name.plain" "$name.pipe"; fail "$name: output into a pipe differs"; }
}

check return "$HS_TESTBIN/exit_paths" return
grep -q 'atexit handler ran' return.plain || fail "return: the atexit handler printed nothing"
grep -q 'late destructor ran' return.plain || fail "return: the late destructor printed nothing"
check exit "$HS_TESTBIN/exit_paths" exit
check cxx "$HS_TESTBIN/exit_paths_cxx"
grep -q 'static destructor ran' cxx.plain || fail "cxx: the static destructor printed nothing"
check cxx_unsynced "$HS_TESTBIN/exit_paths_cxx" unsynced

# A stdout that cannot be written: the program's own status would be 0
# (stdio's flush errors do not change it); the shim's replaces it.
HEAPSHIM_LEAK_EXITCODE=3 shim "$HS_TESTBIN/exit_paths" return >/dev/full
status=$?
[[ $status == 3 ]] || fail "stdout on /dev/full: status $status, wanted 3"
exit 0
