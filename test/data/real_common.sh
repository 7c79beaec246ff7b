# Shared setup for the real-program cases (test/cases/all/real_*.sh).
# shellcheck shell=bash
# Sourced after test/lib.sh: moves into $HS_TMP, makes the environment
# deterministic and checks that the shim really gets preloaded, so that a
# missing or unloadable library fails the case instead of passing it
# vacuously (ld.so only warns and carries on when a preload is missing).

cd "$HS_TMP" || fail "cannot cd to $HS_TMP"
export LC_ALL=C TZ=UTC
unset LANGUAGE

[[ -e $HS_LIB ]] || fail "no shim library at $HS_LIB (run make first)"
shim grep -qF "$(basename "$HS_LIB")" /proc/self/maps 2>"$HS_TMP/.preload.err" \
    || { cat "$HS_TMP/.preload.err"
         fail "a trivial program under the shim (backend ${HS_BACKEND:-page}) failed or did not have $HS_LIB loaded"; }
rm -f "$HS_REPORTS"/*   # the check's own report is not part of the case

# need PROG...: fails (does not skip) when a program is missing; CI installs
# them with scripts/install-test-deps.
need() {
    local p
    for p; do
        command -v "$p" >/dev/null 2>&1 || [[ -x $p ]] \
            || fail "$p is missing (scripts/install-test-deps installs it)"
    done
}

# gen_text FILE LINES SEED: writes LINES lines of pseudo-random words and
# numbers, the same for the same LINES and SEED everywhere (the generator
# stays within exact double arithmetic, so mawk and gawk agree).
gen_text() {
    awk -v n="$2" -v seed="$3" 'BEGIN {
        split("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu", w, " ")
        x = seed
        for (i = 1; i <= n; i++) {
            x = (x * 69069 + 1) % 4294967296; a = int(x / 65536)
            x = (x * 69069 + 1) % 4294967296; b = int(x / 65536)
            x = (x * 69069 + 1) % 4294967296; c = int(x / 65536)
            printf "%s%d %d %s-%s %d\n", w[a % 26 + 1], a % 1000, b, w[b % 26 + 1], w[c % 26 + 1], c % 20000 - 10000
        }
    }' >"$1"
}
