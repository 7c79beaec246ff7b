# A FIFO, a socket or a directory where heapshim expects a file never hangs
# the program (issue 10, item 7; another user can plant a FIFO at a
# predictable path in /tmp): the report says why on stderr and goes there
# instead; a trace or suppressions path that is not a file stops the program
# before main with status 2. A suppressions path that is not a regular
# file is not even opened: a writer waiting on a FIFO there stays waiting.
# timeout: 120
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/outfiles_prog
run() { timeout 20 env LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug "$@"; }

mkfifo fifo
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$HS_TMP/socket"
mkdir dir

for what in fifo:FIFO socket:socket dir:directory; do
    name=${what%%:*} kind=${what#*:}
    run HEAPSHIM_REPORT="$HS_TMP/$name" "$program" leak >/dev/null 2>report.$name.err
    status=$?
    [[ $status == 0 ]] || fail "HEAPSHIM_REPORT=$name: status $status: $(head -c 300 report.$name.err)"
    head -n 1 report.$name.err | grep -qxF "heapshim: cannot open the report file HEAPSHIM_REPORT=$HS_TMP/$name: a $kind, not a regular file or a character device; writing to stderr instead" ||
        fail "HEAPSHIM_REPORT=$name: $(head -n 1 report.$name.err)"
    grep -q '^heapshim: exit report for pid' report.$name.err || fail "HEAPSHIM_REPORT=$name: no report on stderr"

    out=$(run HEAPSHIM_TRACE="$HS_TMP/$name" "$program" leak 2>&1)
    status=$?
    [[ $status == 2 && $out == "heapshim: configuration error: HEAPSHIM_TRACE=$HS_TMP/$name: a $kind, not a regular file or a character device" ]] ||
        fail "HEAPSHIM_TRACE=$name: status $status: $out"

    out=$(run HEAPSHIM_SUPPRESSIONS="$HS_TMP/$name" "$program" leak 2>&1)
    status=$?
    [[ $status == 2 && $out == "heapshim: configuration error: HEAPSHIM_SUPPRESSIONS=$HS_TMP/$name: "* ]] ||
        fail "HEAPSHIM_SUPPRESSIONS=$name: status $status: $out"
done
[[ -p fifo && -S socket && -d dir ]] || fail "a special file was replaced"

mkfifo waited
(exec 3>waited; touch opened) &
writer=$!
out=$(run HEAPSHIM_SUPPRESSIONS="$HS_TMP/waited" "$program" leak 2>&1)
status=$?
sleep 0.5
kill "$writer" 2>/dev/null
exec 4<>waited # lets the writer's open through, if the kill has not ended it
wait "$writer" 2>/dev/null
[[ $status == 2 && $out == "heapshim: configuration error: HEAPSHIM_SUPPRESSIONS=$HS_TMP/waited: the file cannot be read: it is a FIFO"* ]] ||
    fail "HEAPSHIM_SUPPRESSIONS=waited: status $status: $out"
[[ ! -e opened ]] || fail "HEAPSHIM_SUPPRESSIONS=FIFO: the FIFO was opened (its waiting writer went on)"

# Character devices are files a report or trace may go to.
run HEAPSHIM_REPORT=/dev/null HEAPSHIM_TRACE=/dev/null "$program" leak >/dev/null 2>null.err ||
    fail "/dev/null: status $?"
[[ ! -s null.err ]] || fail "/dev/null: $(head -c 300 null.err)"
exit 0
