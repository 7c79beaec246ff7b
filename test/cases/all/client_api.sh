# include/heapshim.h: a program using every function (built as C and as
# C++) gets the documented results under each backend and without the shim;
# blocks marked ignored, or allocated in an ignore scope, are not reported,
# while a leak of another thread during a scope is; a leak check in the
# middle of the run reports a leak that is then freed, and the exit report
# does not; print_stack describes a block with its stacks.
# timeout: 120
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
source_file=$HS_ROOT/test/c/api_use.c
site() { grep -n "SITE $1 " "$source_file" | cut -d: -f1; }

# want FILE NAME VALUE...: the program printed NAME=one of the VALUEs.
want() {
    local file=$1 name=$2; shift 2
    local have
    have=$(sed -n "s/^$name=//p" "$file")
    local v
    for v in "$@"; do [[ $have == "$v" ]] && return 0; done
    fail "$file: $name=$have, wanted $(printf '%s or ' "$@" | sed 's/ or $//')"
}

# What the backend can do. Backends this test does not name say it by
# their results, which must then agree with each other.
supported() {   # supported FILE NAME OK_VALUE: yes/no from NAME's result
    local have
    have=$(sed -n "s/^$2=//p" "$1")
    case $have in
        "$3") echo yes ;;
        -2) echo no ;;
        *) fail "$1: $2=$have, wanted $3 or -2 (unsupported)" ;;
    esac
}

for program in api_use api_use_cxx; do
    # Without the shim every call does nothing and says so.
    "$HS_TESTBIN/$program" all >"$program.plain" || fail "$program without the shim: status $?"
    want "$program.plain" backend none
    want "$program.plain" stats_added '0 0'
    want "$program.plain" leak_live '0 0'
    calls=$(grep -v -e '^backend=' -e '^stats_added=' -e '^stats_peak=' -e '^stats_valid=' \
        -e '^stats_malloc_calls=' -e '^leak_live=' "$program.plain")
    [[ $(grep -c . <<<"$calls") -ge 20 ]] || fail "$program: too few results: $calls"
    grep -v -q '=-1$' <<<"$calls" && fail "$program without the shim: not all -1: $calls"

    out=$program.shim
    HEAPSHIM_REPORT="$HS_TMP/all.$program.%p" shim "$HS_TESTBIN/$program" all >"$out" ||
        fail "$program under the shim: status $?"
    report=$(cat "$HS_TMP"/all."$program".*)
    want "$out" backend "$HS_BACKEND"
    want "$out" stats 0
    want "$out" stats_no_out 0
    want "$out" stats_valid 1              # live counts; calls need HEAPSHIM_STATS
    if [[ $HS_BACKEND == arena ]]; then   # sizes are size classes there
        want "$out" stats_added '1120 10'  # ten blocks of 100 bytes, in 112-byte class
    else
        want "$out" stats_added '1000 10'  # ten blocks of 100 bytes
    fi
    want "$out" stats_peak '0 0'
    want "$out" stats_malloc_calls 0
    case $HS_BACKEND in
        debug) marks=yes checks=yes locates=yes ;;
        page) marks=yes checks=no locates=yes ;;
        *) marks=$(supported "$out" ignore_block 0)
           checks=$(supported "$out" check 0)
           locates=$(supported "$out" print_block 0) ;;
    esac

    if [[ $marks == yes ]]; then
        want "$out" ignore_block 0
        for name in ignore_null ignore_stack ignore_interior; do want "$out" $name -3; done
        for name in scope_begin scope_begin_nested; do want "$out" $name 0; done
    else
        for name in ignore_block ignore_null ignore_stack ignore_interior scope_begin \
                    scope_begin_nested; do want "$out" $name -2; done
    fi
    want "$out" scope_end_unopened -5
    want "$out" scope_end 0
    want "$out" scope_end_nested 0
    want "$out" scope_end_again -5

    if [[ $checks == yes ]]; then want "$out" check 0; else want "$out" check -2; fi

    if [[ $locates == yes ]]; then
        for name in print_block print_interior print_freed; do want "$out" $name 0; done
        for name in print_stack_address print_null; do want "$out" $name -3; done
        at='0x[0-9a-f]+'
        for line in "^heapshim: $at is the start of the 32-byte block at $at$" \
                    "^heapshim: $at is 4 byte\(s\) into the 32-byte block at $at$" \
                    "^heapshim: $at is the start of the freed 32-byte block at $at$" \
                    "^heapshim:   the block: 32 bytes at $at, allocated by malloc in thread T1"; do
            grep -Eq "$line" <<<"$report" || { echo "$report"; fail "$program: no '$line'"; }
        done
        [[ $(grep -c '^heapshim: 0x[0-9a-f]* is in no block heapshim knows of$' <<<"$report") == 2 ]] ||
            { echo "$report"; fail "$program: a pointer not the shim's was not said to be so"; }
        if [[ $HS_BACKEND == debug ]]; then
            # Allocation stacks for the block, its interior and the freed
            # block; the free stack for the freed one.
            [[ $(grep -c "^    #0 0x[0-9a-f]* in [^ ]*allocate_for_stack[^ ]* [^ ]*test/c/api_use.c:$(site print) " <<<"$report") == 3 ]] ||
                { echo "$report"; fail "$program: the allocation stack is not printed three times"; }
            grep -A1 '^heapshim:   freed in thread T1:$' <<<"$report" | grep -q 'every_function' ||
                { echo "$report"; fail "$program: no free stack"; }
        fi
    else
        for name in print_block print_interior print_freed print_stack_address print_null; do
            want "$out" $name -2
        done
    fi
    want "$out" leak_check 0
    want "$out" leak_check_no_out 0
done

# With the stats wrapper on, the peak and the calls are filled in too: the
# ten mallocs are among the calls counted, and all ten blocks were live at
# once.
HEAPSHIM_STATS=1 HEAPSHIM_REPORT="$HS_TMP/stats.%p" shim "$HS_TESTBIN/api_use" all >stats.out ||
    fail "stats on: status $?"
want stats.out stats_valid 3
read -r peak_bytes peak_blocks < <(sed -n 's/^stats_peak=//p' stats.out)
malloc_calls=$(sed -n 's/^stats_malloc_calls=//p' stats.out)
[[ $peak_blocks -ge 10 && $peak_bytes -ge 1000 && $malloc_calls -ge 10 ]] ||
    fail "stats on: peak $peak_bytes bytes in $peak_blocks blocks, $malloc_calls mallocs"

# Intentional leaks: a marked block (and the block only it points to) and
# a block from an ignore scope are left out; 24 bytes leaked outside any
# scope and 40 by another thread while this one was in a scope are not.
HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/r-ignored.%p" \
    shim "$HS_TESTBIN/api_use" ignored >ignored.out || fail "ignored: status $?"
if [[ $marks == yes ]]; then
    want ignored.out ignore 0
    want ignored.out scope_begin 0
    expected=('definite 64 2' 'indirect 0 0' 'possible 0 0')
else # unmarked, they are leaks like the others: 16 + 56 bytes more, and the 72 behind
    expected=('definite-at-least 136 4' 'indirect-at-least 72 1')
fi
python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --source "$source_file" \
    --reports "$HS_TMP"/r-ignored.* -- "${expected[@]}" 'site definite leak_definite' ||
    fail "ignored: report is wrong"

# A leak check in the middle of the run: the hidden 48-byte block is
# definitely lost, the 64-byte one main holds in a local is not; once the
# program frees both, neither the second check nor the exit report has a
# leak. In text the checks go to the report; under JSON to stderr, and the
# report file stays one JSON object.
HEAPSHIM_REPORT="$HS_TMP/r-midway.%p" shim "$HS_TESTBIN/api_use" midway >midway.out ||
    fail "midway: status $?"
want midway.out leak_check 0
want midway.out definite '48 1'
want midway.out indirect '0 0'
want midway.out possible '0 0'
want midway.out leak_check_after 0
want midway.out definite_after '0 0'
report=$(cat "$HS_TMP"/r-midway.*)
[[ $(grep -c '^heapshim: leak check for pid [0-9]* (backend '"$HS_BACKEND"')$' <<<"$report") == 2 ]] ||
    { echo "$report"; fail "midway: not two leak checks in the report"; }
first=$(sed -n '1,/^heapshim:    still reachable/p' <<<"$report")
grep -q '^heapshim: 48 bytes in 1 blocks are definitely lost, allocated from:$' <<<"$first" ||
    { echo "$report"; fail "midway: the first check does not list the leak"; }
grep -q '^heapshim: in use now: ' <<<"$first" || fail "midway: no 'in use now'"
if [[ $HS_BACKEND == debug ]]; then
    grep -q "^    #0 0x[0-9a-f]* in make_hidden_leak [^ ]*test/c/api_use.c:$(site hidden) " <<<"$first" ||
        { echo "$report"; fail "midway: the leak's stack is wrong"; }
fi
[[ $(grep -c '^heapshim:    definitely lost: 0 bytes in 0 blocks$' <<<"$report") == 2 ]] ||
    { echo "$report"; fail "midway: the second check or the exit report finds a leak"; }
grep -q '^heapshim: exit report for pid' <<<"$report" || fail "midway: no exit report"

rm -f "$HS_TMP"/r-midway.*
HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/r-midway.%p" \
    shim "$HS_TESTBIN/api_use" midway >midway.json.out 2>midway.json.err || fail "midway json: status $?"
want midway.json.out definite '48 1'
[[ $(grep -c '^heapshim: leak check for pid' midway.json.err) == 2 ]] ||
    { cat midway.json.err; fail "midway json: the checks are not on stderr"; }
python3 "$HS_ROOT/test/check_report.py" --backend "$HS_BACKEND" --source "$source_file" \
    --reports "$HS_TMP"/r-midway.* -- 'definite 0 0' 'indirect 0 0' 'possible 0 0' ||
    fail "midway json: the exit report is wrong"
exit 0
