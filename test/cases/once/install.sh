# `make install PREFIX=...` puts the library, the header, the launcher and
# the man page in their places; a program built against the installed
# header (strictly, as C and as C++) runs under the installed launcher,
# which preloads the installed library; `make uninstall` takes it all away.
# timeout: 120
source "$HS_ROOT/test/lib.sh"
cd "$HS_TMP"
prefix=$HS_TMP/prefix

make -s -C "$HS_ROOT" BUILD="$HS_BUILD" install PREFIX="$prefix" >make.out 2>&1 ||
    { cat make.out; fail "make install failed"; }
for file in lib/libheapshim.so include/heapshim.h bin/heapshim share/man/man1/heapshim.1; do
    [[ -f $prefix/$file ]] || fail "make install did not install $file"
done
[[ -x $prefix/bin/heapshim ]] || fail "the installed launcher is not executable"
cmp -s "$prefix/lib/libheapshim.so" "$HS_LIB" || fail "the installed library is not the built one"

launcher=$prefix/bin/heapshim
[[ $("$launcher" --library) == "$(readlink -f "$prefix/lib/libheapshim.so")" ]] ||
    fail "the installed launcher uses $("$launcher" --library), not the installed library"

# The man page renders without a warning.
groff -man -ww -z "$prefix/share/man/man1/heapshim.1" 2>groff.err || fail "groff failed"
[[ ! -s groff.err ]] || { cat groff.err; fail "the man page has warnings"; }

# The header is clean C99 and C++11 under strict warnings.
source_file=$HS_ROOT/test/c/api_use.c
strict=(-Wall -Wextra -Wpedantic -Werror -pthread -I"$prefix/include")
cc -std=c99 "${strict[@]}" -o api_c "$source_file" || fail "the header is not clean C99"
c++ -std=c++11 "${strict[@]}" -x c++ -o api_cxx "$source_file" || fail "the header is not clean C++11"

for program in api_c api_cxx; do
    "$launcher" --backend=page --report="$HS_TMP/report.$program.%p" "./$program" all >"$program.out" ||
        fail "$program under the installed launcher: status $?"
    grep -qx 'backend=page' "$program.out" || { cat "$program.out"; fail "$program did not run under the shim"; }
    grep -qx 'leak_check=0' "$program.out" || fail "$program: the leak check failed"
    grep -q '^heapshim: exit report for pid' "$HS_TMP"/report."$program".* || fail "$program: no report"
    "./$program" all | grep -qx 'backend=none' || fail "$program without the shim"
done

make -s -C "$HS_ROOT" BUILD="$HS_BUILD" uninstall PREFIX="$prefix" >make.out 2>&1 ||
    { cat make.out; fail "make uninstall failed"; }
left=$(find "$prefix" -type f)
[[ -z $left ]] || fail "make uninstall left $left"
exit 0
