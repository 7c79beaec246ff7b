# A setuid program does not obey the user who runs it. The library is
# installed as ld.so requires for preloading into secure-execution programs
# (a setuid file, named without a slash, in the system library directory;
# removed at the end), and a setuid-root copy of secure_target is run by
# the user nobody. Every HEAPSHIM_* setting, each alone and all together,
# known or unknown, good or malformed, leaves the program's output, exit
# status and report exactly as without it (only the pid differs), creates
# no file; and the report on the user's stderr holds no address of the
# heap, the code or the stack. A copy that is not setuid, run the same way,
# does obey HEAPSHIM_LEAK_EXITCODE (the check can see a setting). A setuid
# program never opens its stderr again by path: run by nobody with
# `2< victim` (a root-owned 0644 file) and closing descriptor 2 at exit, as
# gnulib's close_stdout does in mount, su or chfn, or in main (reusing the
# number for a file of its own), it leaves the victim as it was; given a
# stderr nobody may write, it still gets its report there through the copy
# taken when exit() begins. Needs root; skipped otherwise.
source "$HS_ROOT/test/lib.sh"
[[ $(id -u) == 0 ]] || skip "needs root to install a setuid program and library"
id nobody >/dev/null 2>&1 || skip "no user nobody"
command -v setpriv >/dev/null || skip "no setpriv"
libdir=/usr/lib/$(gcc -print-multiarch 2>/dev/null)
[[ -d $libdir && $libdir != /usr/lib/ ]] || libdir=/usr/lib
lib=libheapshim-test-$$.so
dir=$(mktemp -d /tmp/heapshim-secure.XXXXXX) || fail "mktemp"
trap 'rm -f "$libdir/$lib"; rm -rf "$dir"' EXIT
install -m 4755 -o root "$HS_LIB" "$libdir/$lib" || fail "cannot install $libdir/$lib"
chmod 755 "$dir"
install -m 755 "$HS_TESTBIN/secure_target" "$dir/plain"
install -m 4755 -o root "$HS_TESTBIN/secure_target" "$dir/setuid"
install -m 4755 -o root "$HS_TESTBIN/outfiles_prog" "$dir/setuid_outfiles"
cd "$dir"

# as_nobody NAME PROGRAM [ARG] [VAR=VALUE...]: runs PROGRAM as nobody with the
# library preloaded by name and only the settings given; its stdout, stderr
# (the pid made "PID") and status in NAME.{out,err,status}, the addresses it
# prints on descriptor 3 in NAME.layout.
as_nobody() {
    local name=$1 program=$2 arg=$3
    shift 3
    (setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- \
        env -i PATH=/usr/bin:/bin LD_PRELOAD="$lib" "$@" "$dir/$program" $arg \
        >"$HS_TMP/$name.out" 2>"$HS_TMP/$name.rawerr" 3>"$HS_TMP/$name.layout" </dev/null
     echo $? >"$HS_TMP/$name.status") 2>/dev/null
    sed 's/pid [0-9]\+/pid PID/' "$HS_TMP/$name.rawerr" >"$HS_TMP/$name.err"
}

# same NAME BASE: NAME's output, status and report are BASE's.
same() {
    local part
    for part in out status err; do
        cmp -s "$HS_TMP/$1.$part" "$HS_TMP/$2.$part" && continue
        diff "$HS_TMP/$2.$part" "$HS_TMP/$1.$part" | head -n 30
        fail "$1: its $part differs from the run without settings"
    done
}

# no_layout NAME: NAME's report names no address: no hexadecimal number of
# 9 digits or more (module offsets are far smaller), and no 0x7f.../0x55...
# of the heap block, code and stack addresses the program printed.
no_layout() {
    local shapes prefix
    shapes=$(grep -Eo '0x[0-9a-fA-F]{9,}' "$HS_TMP/$1.err" | head -n 5)
    [[ -z $shapes ]] || { head -n 30 "$HS_TMP/$1.err"; fail "$1: the report shows addresses: $shapes"; }
    for prefix in $(sed 's/0x\([0-9a-f]*\)[0-9a-f]\{3\}\b/\1/g' "$HS_TMP/$1.layout"); do
        [[ ${#prefix} -ge 6 ]] || fail "$1: an odd address printed: $(cat "$HS_TMP/$1.layout")"
        ! grep -q "$prefix" "$HS_TMP/$1.err" || fail "$1: the report shows $prefix..."
    done
}

as_nobody base setuid ""
read -r secure backend <"$HS_TMP/base.out"
[[ $secure == secure=1 ]] || skip "the setuid copy does not run in secure execution ($secure): nosuid or no_new_privs"
[[ $backend != backend=none ]] || fail "the library is not preloaded into the setuid program: $(cat "$HS_TMP/base.rawerr")"
[[ $(cat "$HS_TMP/base.status") == 0 ]] || fail "status $(cat "$HS_TMP/base.status") without settings"
grep -q '^heapshim: exit report' "$HS_TMP/base.err" || fail "no report: $(cat "$HS_TMP/base.err")"
grep -q 'definitely lost: 48 bytes in 1 blocks' "$HS_TMP/base.err" || fail "no leak reported: $(cat "$HS_TMP/base.err")"
grep -q '^heapshim: secure execution' "$HS_TMP/base.err" || fail "the report does not say it is secure"
grep -q '^    #[0-9]* in main .*secure_target.c:[0-9]* (.*/setuid+0x[0-9a-f]*)$' "$HS_TMP/base.err" ||
    fail "no frame of main by name, line and module+offset: $(cat "$HS_TMP/base.err")"
no_layout base

settings=(HEAPSHIM_LIMIT=16 HEAPSHIM_FAIL_AT=1 HEAPSHIM_FAIL_AT=1+ HEAPSHIM_FAIL_RATE=1
          HEAPSHIM_FAIL_IN=main HEAPSHIM_LEAK_EXITCODE=3 HEAPSHIM_BACKEND=page
          HEAPSHIM_BACKEND=arena HEAPSHIM_BACKEND=libc HEAPSHIM_BOGUS=1 HEAPSHIM_LIMIT=lots
          HEAPSHIM_STACK_DEPTH=0 HEAPSHIM_STACK_DEPTH=64 HEAPSHIM_QUARANTINE=0
          HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_STATS=1 HEAPSHIM_SHOW_REACHABLE=1
          HEAPSHIM_SUPPRESSIONS="$dir/supp" HEAPSHIM_REPORT="$dir/report"
          HEAPSHIM_TRACE="$dir/trace")
echo 'leak:main' >supp
chmod 644 supp
for i in "${!settings[@]}"; do
    as_nobody "one$i" setuid "" "${settings[$i]}"
    same "one$i" base
done
as_nobody all setuid "" "${settings[@]}" HEAPSHIM_ON_ERROR=continue
same all base
[[ ! -e report && ! -e trace ]] || fail "a file was written: $(ls)"

# A heap error aborts the program as without settings, whatever they say.
as_nobody error setuid double-free
[[ $(cat "$HS_TMP/error.status") == 134 ]] || fail "a double free: status $(cat "$HS_TMP/error.status"), wanted SIGABRT"
grep -q '^heapshim: ERROR: double-free: free(\[hidden\])' "$HS_TMP/error.err" ||
    fail "no double free reported: $(cat "$HS_TMP/error.err")"
no_layout error
as_nobody error_continue setuid double-free HEAPSHIM_ON_ERROR=continue
same error_continue error
as_nobody error_all setuid double-free "${settings[@]}" HEAPSHIM_ON_ERROR=continue
same error_all error

# The same program, not setuid, run the same way, is not in secure execution
# and obeys its settings: the comparisons above could see them.
as_nobody plain plain "" HEAPSHIM_BACKEND=page HEAPSHIM_LIMIT=16
[[ $(cat "$HS_TMP/plain.out") == $'secure=0 backend=page\nrefused=100' ]] ||
    fail "plain: $(cat "$HS_TMP/plain.out")"
as_nobody plain_exitcode plain "" HEAPSHIM_LEAK_EXITCODE=3
[[ $(cat "$HS_TMP/plain_exitcode.status") == 3 ]] || fail "plain: HEAPSHIM_LEAK_EXITCODE=3 not obeyed"

# stderr_to MODE OP FILE: runs the setuid outfiles_prog as nobody in MODE,
# with stderr OP (< or >>) FILE.
stderr_to() {
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- \
        bash -c "exec env -i PATH=/usr/bin:/bin LD_PRELOAD=$lib $dir/setuid_outfiles $1 $dir/data 2$2$3" \
        >/dev/null </dev/null
}
printf 'root data\n' >victim
chmod 644 victim
touch mine data
chown nobody mine data
stderr_to close2 '>>' "$dir/mine" || fail "close2 with a stderr of nobody's: status $?"
grep -q '^heapshim: secure execution' mine || fail "close2: no report on a stderr closed at exit: $(cat mine)"
for mode in close2 reuse2; do
    stderr_to "$mode" '<' "$dir/victim" || fail "$mode with 2< victim: status $?"
    [[ $(cat victim) == 'root data' ]] ||
        fail "$mode: a root file opened for reading by nobody was written: $(head -c 300 victim)"
done
exit 0
