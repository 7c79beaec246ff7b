# Report and trace files in shared directories (issue 10, item 9):
#  - in a sticky directory that others can write to, a file another user
#    created in advance is neither written nor has its mode changed, and the
#    user is told (as root: the file is planted by nobody);
#  - there, a file with a second name (a hard link to a file elsewhere, as
#    anyone may make where protected_hardlinks is 0) is not written either;
#  - the mode of a file heapshim did not create is never changed, even if
#    it is world-writable;
#  - a relative report or trace path is resolved in the directory the
#    program starts in, not where it has gone with chdir.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/outfiles_prog
run() { env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug "$@"; }

if [[ $(id -u) == 0 ]]; then
    chmod 755 "$HS_TMP"
    shared=$(mktemp -d "$HS_TMP/shared.XXXXXX")
    chmod 1777 "$shared"
    setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c \
        "echo planted >'$shared/report'; echo planted >'$shared/trace'; chmod 666 '$shared/report' '$shared/trace'" ||
        fail "cannot plant the files as nobody"
    before=$(stat -c '%U %a %s %Y' "$shared/report" "$shared/trace")
    run HEAPSHIM_REPORT="$shared/report" "$program" leak >/dev/null 2>planted.err ||
        fail "planted report: status $?"
    out=$(run HEAPSHIM_TRACE="$shared/trace" HEAPSHIM_REPORT=/dev/null "$program" leak 2>&1 >/dev/null)
    status=$?
    after=$(stat -c '%U %a %s %Y' "$shared/report" "$shared/trace")
    [[ $before == "$after" && $(cat "$shared/report" "$shared/trace") == $'planted\nplanted' ]] ||
        fail "a file planted by another user was touched: $before -> $after"
    head -n 1 planted.err | grep -qF "heapshim: cannot open the report file HEAPSHIM_REPORT=$shared/report: a file of another user in a sticky directory that others can write to" ||
        fail "the planted report file: $(head -n 1 planted.err)"
    grep -q '^heapshim: exit report for pid' planted.err || fail "the report is not on stderr"
    [[ $status == 2 && $out == "heapshim: configuration error: HEAPSHIM_TRACE=$shared/trace: a file of another user in a sticky directory"* ]] ||
        fail "the planted trace file: status $status: $out"
    # The process's own file there is written.
    run HEAPSHIM_REPORT="$shared/mine" "$program" leak >/dev/null 2>&1 || fail "own file: status $?"
    grep -q '^heapshim: exit report' "$shared/mine" || fail "the process's own file in the sticky directory"
fi

linkdir=$(mktemp -d "$HS_TMP/links.XXXXXX")
chmod 1777 "$linkdir"
echo victim >victim.txt
ln victim.txt "$linkdir/report"
ln victim.txt "$linkdir/trace"
run HEAPSHIM_REPORT="$linkdir/report" "$program" leak >/dev/null 2>linked.err || fail "hard link: status $?"
out=$(run HEAPSHIM_TRACE="$linkdir/trace" HEAPSHIM_REPORT=/dev/null "$program" leak 2>&1 >/dev/null)
status=$?
[[ $(cat victim.txt) == victim ]] || fail "a hard link in a sticky directory was written: $(head -c 300 victim.txt)"
head -n 1 linked.err | grep -qF "heapshim: cannot open the report file HEAPSHIM_REPORT=$linkdir/report: a file with more than one name" ||
    fail "the hard-linked report file: $(head -n 1 linked.err)"
grep -q '^heapshim: exit report for pid' linked.err || fail "the report is not on stderr"
[[ $status == 2 && $out == "heapshim: configuration error: HEAPSHIM_TRACE=$linkdir/trace: a file with more than one name"* ]] ||
    fail "the hard-linked trace file: status $status: $out"

echo "the user's own" >open.txt
chmod 666 open.txt
run HEAPSHIM_REPORT="$HS_TMP/open.txt" "$program" leak >/dev/null 2>&1 || fail "world-writable: status $?"
[[ $(stat -c %a open.txt) == 666 ]] || fail "the mode of a file heapshim did not create changed to $(stat -c %a open.txt)"
grep -q '^heapshim: exit report' open.txt || fail "no report in the world-writable file"

(umask 0; run HEAPSHIM_REPORT="$HS_TMP/new.txt" "$program" leak >/dev/null 2>&1) || fail "new file: status $?"
[[ $(stat -c %a new.txt) == 644 ]] || fail "a file heapshim created has mode $(stat -c %a new.txt)"

ln -s open.txt link.txt
run HEAPSHIM_REPORT="$HS_TMP/link.txt" "$program" leak >/dev/null 2>link.err || fail "symlink: status $?"
head -n 1 link.err | grep -qF "link.txt: a symbolic link, which heapshim does not follow; writing to stderr instead" ||
    fail "symbolic link: $(head -n 1 link.err)"

mkdir start elsewhere
(cd start && run HEAPSHIM_REPORT=rel.%p HEAPSHIM_TRACE=rel.trace "$program" chdir ../elsewhere) \
    >rel.pid 2>/dev/null || fail "relative: status $?"
[[ -s start/rel.$(cat rel.pid) && -s start/rel.trace ]] || fail "relative paths not resolved at start: $(ls -R start elsewhere)"
[[ -z $(ls elsewhere) ]] || fail "files written after chdir: $(ls elsewhere)"
exit 0
