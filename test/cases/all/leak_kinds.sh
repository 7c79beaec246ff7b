# Each leak kind is classified with exact byte and block counts, under every
# backend; under debug each leak's allocation stack names the function and
# source line that allocated it. JSON reports are checked field by field.
# timeout: 120
# cost: 7
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/leak_kinds
source_file=$HS_ROOT/test/c/leak_kinds.c

# run_json MODE: runs the scenario, leaves one JSON report per process in
# json.MODE.PID files.
run_json() {
    HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/json.$1.%p" shim "$program" "$1" ||
        fail "$1: exit status $?"
}

# check MODE 'definite bytes blocks' 'indirect ...' 'possible ...' [SITE=function...]
check() {
    local mode=$1
    run_json "$mode"
    python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --source "$source_file" \
        --reports "$HS_TMP"/json."$mode".* -- "${@:2}" || fail "$mode: report is wrong"
}

check clean     'definite 0 0'   'indirect 0 0'  'possible 0 0'
check definite  'definite 120 3' 'indirect 0 0'  'possible 0 0' 'site definite leak_definite'
check indirect  'definite 32 1'  'indirect 64 2' 'possible 0 0' 'site node make_node'
check reachable 'definite 0 0'   'indirect 0 0'  'possible 0 0' 'reachable-at-least 50 1'
check possible  'definite 0 0'   'indirect 0 0'  'possible 64 1' 'site possible keep_interior'
check thread    'definite 24 1'  'indirect 0 0'  'possible 0 0' 'site thread thread_body'
check libc      'definite-at-least 9 2' 'indirect 0 0' 'possible 0 0' 'site strdup leak_in_libc 1' 'site getline leak_in_libc 1'
# Held only by an ended thread's thread-local variable, in the stack glibc
# keeps cached: lost. Held by a thread blocked in read() while main exits:
# reachable from its live frame, lost if the only copy is in a frame that
# returned (below the thread's stack pointer).
check tls       'definite 32 1'  'indirect 0 0'  'possible 0 0' 'site tls keep_in_tls'
check blocked   'definite 40 1'  'indirect 0 0'  'possible 0 0' 'reachable-at-least 48 1' 'site stale leave_stale_copy'

# The exit scan reads no page the program never touched: eight 8 MiB thread
# stacks cost it (nearly) no page faults over a program that starts no
# thread. Faults are counted by the parent (python3's getrusage).
faults() {
    python3 -c 'import os, resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt)' \
        env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND="$HS_BACKEND" HEAPSHIM_REPORT=/dev/null "$program" "$1" ||
        fail "$1: status $?"
}
base=$(faults clean) threads=$(faults stacks)
((threads - base < 2000)) || fail "eight thread stacks cost $((threads - base)) page faults ($threads against $base)"

# A forked child writes its own report; the parent's stays clean.
run_json fork
python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --source "$source_file" \
    --reports "$HS_TMP"/json.fork.* --per-process -- 'definite 40 1' 'definite 0 0' ||
    fail "fork: reports are wrong"

# A child that calls exec writes no report for its parent's blocks: only the
# parent's report (40 bytes lost) and /bin/true's own (nothing lost) exist.
run_json exec
python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --source "$source_file" \
    --reports "$HS_TMP"/json.exec.* --per-process -- 'definite 40 1' 'definite 0 0' ||
    fail "exec: reports are wrong"

# The text report says the same in words.
HEAPSHIM_REPORT="$HS_TMP/text.%p" shim "$program" indirect || fail "text run failed"
grep -q '^heapshim:    definitely lost: 32 bytes in 1 blocks$' text.* || { cat text.*; fail "text: definite"; }
grep -q '^heapshim:    indirectly lost: 64 bytes in 2 blocks$' text.* || fail "text: indirect"
grep -q '^heapshim: 32 bytes in 1 blocks are definitely lost, allocated from:$' text.* || fail "text: group"

# HEAPSHIM_LEAK_EXITCODE replaces the exit status only when something leaked.
HEAPSHIM_LEAK_EXITCODE=23 shim "$program" definite; status=$?
[[ $status == 23 ]] || fail "leak exit code: status $status, wanted 23"
HEAPSHIM_LEAK_EXITCODE=23 shim "$program" clean || fail "leak exit code on a clean run: status $?"
exit 0
