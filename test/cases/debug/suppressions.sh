# Suppression files leave matching leaks out of the report and count them
# apart; HEAPSHIM_SHOW_REACHABLE lists reachable groups too; a bad
# suppression file is a configuration error.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
program=$HS_TESTBIN/leak_kinds

run() {   # run NAME MODE [VAR=VALUE...]: JSON report in NAME.json
    local name=$1 mode=$2; shift 2
    env "$@" HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/$name.json" \
        LD_PRELOAD="$HS_LIB" HEAPSHIM_BACKEND=debug "$program" "$mode" || fail "$name: status $?"
}

field() {   # field FILE PYTHON-EXPRESSION-ON-doc
    python3 -c "import json,sys; doc=json.load(open(sys.argv[1])); print($2)" "$1"
}

printf '# our own test leaks\nleak:make_node\n' >by_function.supp
run by_function indirect HEAPSHIM_SUPPRESSIONS=by_function.supp
[[ $(field by_function.json 'doc["summary"]["definitely_lost"]["blocks"]') == 0 ]] || fail "make_node leak not suppressed"
[[ $(field by_function.json 'doc["summary"]["indirectly_lost"]["blocks"]') == 0 ]] || fail "indirect leaks not suppressed"
[[ $(field by_function.json 'doc["suppressed"]["blocks"]') == 3 ]] || fail "suppressed count is not 3"
[[ $(field by_function.json 'doc["suppressed"]["bytes"]') == 96 ]] || fail "suppressed bytes are not 96"
[[ $(field by_function.json 'len(doc["leaks"])') == 0 ]] || fail "suppressed leaks are still listed"

printf 'leak:^leak_defin*$\n' >anchored.supp
run anchored definite HEAPSHIM_SUPPRESSIONS=anchored.supp
[[ $(field anchored.json 'doc["summary"]["definitely_lost"]["blocks"]') == 0 ]] || fail "anchored glob did not match"
printf 'leak:^definite\n' >no_match.supp
run no_match definite HEAPSHIM_SUPPRESSIONS=no_match.supp
[[ $(field no_match.json 'doc["summary"]["definitely_lost"]["blocks"]') == 3 ]] || fail "a pattern anchored elsewhere matched"

printf 'leak:leak_kinds.c\n' >by_file.supp
run by_file definite HEAPSHIM_SUPPRESSIONS=by_file.supp
[[ $(field by_file.json 'doc["summary"]["definitely_lost"]["blocks"]') == 0 ]] || fail "file pattern did not match"

HEAPSHIM_SUPPRESSIONS=by_function.supp HEAPSHIM_REPORT="$HS_TMP/text.%p" LD_PRELOAD="$HS_LIB" \
    HEAPSHIM_BACKEND=debug "$program" indirect || fail "text run"
grep -q '^heapshim:   *3  *96  make_node$' text.* || { cat text.*; fail "no suppressions-used line"; }

# Reachable groups are listed only when asked for.
run hidden reachable
[[ $(field hidden.json 'sum(1 for l in doc["leaks"] if l["kind"] == "reachable")') == 0 ]] || fail "reachable listed unasked"
run shown reachable HEAPSHIM_SHOW_REACHABLE=1
[[ $(field shown.json 'sum(1 for l in doc["leaks"] if l["kind"] == "reachable" and l["stack"] and l["stack"][0]["function"] == "keep_reachable")') == 1 ]] ||
    fail "the reachable block of keep_reachable is not listed"

# Bad files stop the program before main.
printf 'leak:x\nrace:y\n' >bad.supp
out=$(HEAPSHIM_SUPPRESSIONS=bad.supp LD_PRELOAD="$HS_LIB" "$program" clean 2>&1)
[[ $? == 2 ]] && grep -q "configuration error: HEAPSHIM_SUPPRESSIONS=bad.supp: every line must be" <<<"$out" ||
    fail "a bad line was accepted: $out"
out=$(HEAPSHIM_SUPPRESSIONS=/nonexistent LD_PRELOAD="$HS_LIB" "$program" clean 2>&1)
[[ $? == 2 ]] && grep -q "HEAPSHIM_SUPPRESSIONS=/nonexistent: the file cannot be read" <<<"$out" ||
    fail "a missing file was accepted: $out"
exit 0
