# Every value the shim does not understand stops the program before main with
# status 2 and one line naming the variable, the value and what is accepted;
# good values are taken.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/early_calls   # prints "ok" from main

bad() {   # bad 'VAR=VALUE' 'words of the message'
    local setting=$1 words=$2 out status
    out=$(env -u HEAPSHIM_BACKEND HEAPSHIM_BACKEND=page "$setting" LD_PRELOAD="$HS_LIB" "$program" 2>&1)
    status=$?
    [[ $status == 2 ]] || fail "$setting: status $status, wanted 2 ($out)"
    grep -q '^ok' <<<"$out" && fail "$setting: main ran"
    local line
    line=$(grep '^heapshim: configuration error: ' <<<"$out")
    [[ $(wc -l <<<"$line") == 1 ]] || fail "$setting: wanted one error line, got: $out"
    [[ $line == "heapshim: configuration error: $setting: "* ]] || fail "$setting: the line does not name it: $line"
    grep -qF -- "$words" <<<"$line" || fail "$setting: the line does not say '$words': $line"
}

good() {   # good 'VAR=VALUE'...
    local out
    out=$(env HEAPSHIM_BACKEND=page "$@" HEAPSHIM_REPORT="$HS_TMP/good.%p" LD_PRELOAD="$HS_LIB" "$program" 2>&1) ||
        fail "$*: refused: $out"
    [[ $out == ok ]] || fail "$*: $out"
}

bad HEAPSHIM_BACKEND=bogus "accepted values: debug, arena, page, libc"
bad HEAPSHIM_BACKEND=Page "accepted values: debug, arena, page, libc"
bad HEAPSHIM_REPORT= "empty path"
bad HEAPSHIM_REPORT_FORMAT=xml "accepted values: text, json"
bad HEAPSHIM_LEAK_EXITCODE=0 "from 1 to 255"
bad HEAPSHIM_LEAK_EXITCODE=256 "from 1 to 255"
bad HEAPSHIM_LEAK_EXITCODE=3x "from 1 to 255"
bad HEAPSHIM_ON_ERROR=ignore "accepted values: abort, continue"
bad HEAPSHIM_PAGE_GUARD=left "accepted values: after, before"
bad HEAPSHIM_PAGE_ALIGN=3 "power of two"
bad HEAPSHIM_PAGE_ALIGN=8192 "power of two"
bad HEAPSHIM_PAGE_ALIGN=0 "power of two"
bad HEAPSHIM_STACK_DEPTH=-1 "from 0 to 64"
bad HEAPSHIM_STACK_DEPTH=65 "from 0 to 64"
bad HEAPSHIM_QUARANTINE=12X "a size such as"
bad HEAPSHIM_QUARANTINE=99999999999999999999 "a size such as"
bad HEAPSHIM_QUARANTINE=99999999999T "a size such as"
bad HEAPSHIM_SHOW_REACHABLE=maybe "accepted values: 0, 1"
bad HEAPSHIM_ARENA_FREE=2 "accepted values: 0, 1"
bad HEAPSHIM_STATS=2 "accepted values: 0, 1"
bad HEAPSHIM_LIMIT=lots "a size above 0 such as"
bad HEAPSHIM_LIMIT=0 "a size above 0 such as"
bad HEAPSHIM_FAIL_AT=0 "N or N+ (from the Nth on)"
bad HEAPSHIM_FAIL_AT=+ "N or N+ (from the Nth on)"
bad HEAPSHIM_FAIL_AT=3++ "N or N+ (from the Nth on)"
bad HEAPSHIM_FAIL_AT=-1 "N or N+ (from the Nth on)"
bad HEAPSHIM_FAIL_RATE=1.5 "a fraction from 0 to 1"
bad HEAPSHIM_FAIL_RATE=0.5.1 "a fraction from 0 to 1"
bad HEAPSHIM_FAIL_SEED=x "a whole number"
bad HEAPSHIM_FAIL_IN= "a function name or pattern"
bad HEAPSHIM_TRACE= "empty path"
bad HEAPSHIM_BACKNED=page "unknown variable; known variables: HEAPSHIM_BACKEND"

# With no HEAPSHIM_BACKEND the backend is debug.
out=$(env -u HEAPSHIM_BACKEND LD_PRELOAD="$HS_LIB" "$program" 2>&1) || fail "default backend: status $?"
grep -q '^heapshim: exit report for pid [0-9]* (backend debug)' <<<"$out" || fail "default backend is not debug: $out"

good HEAPSHIM_QUARANTINE=64M HEAPSHIM_PAGE_ALIGN=1 HEAPSHIM_LEAK_EXITCODE=255
good HEAPSHIM_QUARANTINE=0 HEAPSHIM_PAGE_GUARD=before HEAPSHIM_ON_ERROR=continue
good HEAPSHIM_QUARANTINE=1GiB HEAPSHIM_STACK_DEPTH=0 HEAPSHIM_SHOW_REACHABLE=1 HEAPSHIM_REPORT_FORMAT=json
good HEAPSHIM_STATS=0 HEAPSHIM_FAIL_RATE=0 HEAPSHIM_FAIL_SEED=42 HEAPSHIM_ARENA_FREE=0 HEAPSHIM_REPORT=stderr
good HEAPSHIM_BACKEND=libc HEAPSHIM_STATS=yes HEAPSHIM_LIMIT=64MiB HEAPSHIM_FAIL_AT=1000000+
good HEAPSHIM_FAIL_RATE=0.000001 HEAPSHIM_FAIL_IN='^no_such_function$' HEAPSHIM_TRACE="$HS_TMP/trace.%p"
[[ -s $(ls "$HS_TMP"/trace.* | head -n 1) ]] || fail "HEAPSHIM_TRACE wrote nothing"
exit 0
