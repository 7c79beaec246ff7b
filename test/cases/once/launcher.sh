# scripts/heapshim: one option per variable, --help, the README and the man
# page list them all, the program's exit status passes through, and bad
# options are refused.
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
launcher=$HS_ROOT/scripts/heapshim
variables=$(grep -o '\.name = "HEAPSHIM_[A-Z_]*"' "$HS_ROOT/src/config.c" | grep -o 'HEAPSHIM_[A-Z_]*')
[[ $(wc -l <<<"$variables") -ge 19 ]] || fail "could not read the variables from src/config.c"

help=$("$launcher" --help) || fail "--help failed"
manual=$(groff -man -Tascii -P -cbu "$HS_ROOT/docs/heapshim.1") || fail "the man page does not render"
for v in $variables; do
    grep -q "$v" <<<"$help" || fail "--help does not list $v"
    grep -q "$v" "$HS_ROOT/README.md" || fail "README.md does not list $v"
    grep -q "$v" <<<"$manual" || fail "docs/heapshim.1 does not list $v"
    option=--$(tr 'A-Z_' 'a-z-' <<<"${v#HEAPSHIM_}")
    grep -q -- "$option" <<<"$help" || fail "--help has no option $option for $v"
    grep -q -- "$option" "$HS_ROOT/README.md" || fail "README.md does not list $option"
    grep -q -- "$option" <<<"$manual" || fail "docs/heapshim.1 does not list $option"
done

# Each option reaches the program as its variable (checked without starting
# the shim's work: env prints what it was given).
out=$(HS_NO=1 "$launcher" --backend=page --report "$HS_TMP/r.%p" --page-guard=before \
      --page-align 1 --quarantine=8M --on-error=continue --json --show-reachable env)
for want in HEAPSHIM_BACKEND=page "HEAPSHIM_REPORT=$HS_TMP/r.%p" HEAPSHIM_PAGE_GUARD=before \
            HEAPSHIM_PAGE_ALIGN=1 HEAPSHIM_QUARANTINE=8M HEAPSHIM_ON_ERROR=continue \
            HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_SHOW_REACHABLE=1; do
    grep -qx -- "$want" <<<"$out" || fail "the program did not get $want"
done
grep -q "^LD_PRELOAD=$("$launcher" --library)" <<<"$out" || fail "LD_PRELOAD was not set to the library"
[[ $("$launcher" --library) -ef $HS_LIB ]] || fail "--library is not the built library"

"$launcher" --backend=page --report="$HS_TMP/s.%p" bash -c 'exit 7'
[[ $? == 7 ]] || fail "exit status not passed through"
"$launcher" --backend=page --report="$HS_TMP/s.%p" "$HS_TESTBIN/early_calls" >/dev/null ||
    fail "a program run by the launcher failed"
ls "$HS_TMP"/s.* >/dev/null 2>&1 || fail "the launcher's run wrote no report"

"$launcher" --no-such-option ls >/dev/null 2>&1
[[ $? == 2 ]] || fail "an unknown option was not refused with status 2"
"$launcher" --backend >/dev/null 2>&1
[[ $? == 2 ]] || fail "an option without its value was not refused with status 2"
"$launcher" --backend=page --page-align=3 /bin/true 2>"$HS_TMP/err"
[[ $? == 2 ]] && grep -q 'HEAPSHIM_PAGE_ALIGN=3' "$HS_TMP/err" || fail "a bad value was not refused by the library"
exit 0
