# A report that cannot be written (here its destination is a FIFO nobody
# reads, so opening it blocks) does not hang a process that a fatal signal
# ends: a timer ends it by that signal after 20 seconds, as plain.
# (Should HEAPSHIM_REPORT refuse FIFOs, the report goes elsewhere at once,
# and the case still holds.)
# timeout: 120
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
mkfifo "$HS_TMP/nobody-reads" || skip "cannot make a FIFO"
for how in abort segv; do
    start=$SECONDS
    HS_BACKEND=debug HEAPSHIM_REPORT="$HS_TMP/nobody-reads" timeout 100 \
        bash -c 'source "$HS_ROOT/test/lib.sh"; shim "$@"' _ "$HS_TESTBIN/exit_paths" "$how" \
        >/dev/null 2>&1
    status=$?
    want=$([[ $how == abort ]] && echo 134 || echo 139)
    [[ $status == "$want" ]] || fail "$how: status $status after $((SECONDS - start)) s, wanted $want"
    ((SECONDS - start < 60)) || fail "$how: took $((SECONDS - start)) s"
done
exit 0
