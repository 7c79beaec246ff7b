#!/usr/bin/env bash
# timeout: 120
# cost: 10
# /bin/bash under the shim: pipelines, subshells, command substitution,
# here-docs, string/array/associative-array building, sort | uniq -c,
# process substitution, background jobs and wait, functions and recursion,
# and exit statuses (plain exit, errexit, death by a signal) passed through.
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
need /bin/bash seq sort uniq awk sed paste diff wc head tr cut grep

# shellcheck disable=SC2016  # the script is expanded by the bash under test
script='
set -u
echo "== pipeline"
seq 1 2000 | awk "{ print (\$1 * \$1) % 97 }" | sort -n | uniq -c | sort -k1,1nr -k2,2n | head -n 8

echo "== here-doc"
total=0
while read -r name value; do
    printf "%-9s=%3d\n" "$name" "$value"
    total=$((total + value))
done <<EOF
one 1
two 2
three $((1 + 2))
forty-two $(echo 42)
EOF
echo "total=$total"
cat <<"EOF" | tr a-z A-Z
quoted $HOME `not run`
EOF

echo "== subshells"
x=outer
(x=inner; echo "in subshell: $x"; (x=deeper; echo "nested: $x"))
echo "after: $x"
{ echo grouped-1; echo grouped-2; } | sed "s/^/> /"

echo "== command substitution"
n=$(echo $(( $(seq 1 100 | wc -l) * 3 )))
words=$(printf "%s\n" pear apple fig | sort | tr "\n" " ")
echo "n=$n words=[$words] nested=[$(echo "a$(echo "b$(echo c)")")]"

echo "== loop of 200 iterations"
s=""
arr=()
declare -A groups
for ((i = 0; i < 200; i++)); do
    s+="$((i * 7 % 13)),"
    arr+=("item$i-${#s}")
    groups[k$((i % 17))]+="$i "
    printf -v padded "%05d" $((i * i))
    arr[i]+=":$padded"
done
echo "len=${#s} count=${#arr[@]} first=${arr[0]} mid=${arr[100]} last=${arr[199]}"
echo "slice: ${arr[*]:10:3}"
echo "prefix strip: ${s#*,}" | cut -c1-40
echo "replace: ${s//,/;}" | cut -c1-40
for k in $(printf "%s\n" "${!groups[@]}" | sort -V); do
    set -- ${groups[$k]}
    echo "$k: $# members, first $1, sum $(($(echo ${groups[$k]} | tr " " "+")))"
done
unset "arr[5]" "arr[6]"
echo "after unset: ${#arr[@]} ${arr[4]} ${arr[7]}"
mapfile -t lines < <(printf "%s\n" "${arr[@]}" | cut -d- -f1 | sed "s/[0-9]//g")
echo "mapfile: ${#lines[@]} ${lines[0]}"

echo "== sort | uniq -c"
for ((i = 0; i < 500; i++)); do echo "w$(( (i * i + 3 * i) % 23 ))"; done | sort | uniq -c | sort -k1,1nr -k2 | head -n 10

echo "== process substitution"
diff <(seq 1 50) <(seq 1 50 | grep -v -x 25); echo "diff status $?"
paste -d: <(seq 3) <(printf "a\nb\nc\n") <(echo x; echo y; echo z)
count=0
while read -r line; do count=$((count + ${#line})); done < <(seq 1 300)
echo "chars=$count"

echo "== background jobs"
tmpf=bash-bg.$$
( sleep 0.2; echo "bg wrote" > "$tmpf" ) &
bgpid=$!
( exit 5 ) &
p5=$!
( seq 1 1000 | sort -rn | head -n 1 ) > "$tmpf.2" &
wait "$bgpid"; echo "bg status $?"
wait "$p5"; echo "second bg status $?"
wait
cat "$tmpf" "$tmpf.2"
rm -f "$tmpf" "$tmpf.2"

echo "== functions"
fib() { if (($1 < 2)); then echo "$1"; else echo $(( $(fib $(($1 - 1))) + $(fib $(($1 - 2))) )); fi; }
echo "fib(8)=$(fib 8)"
str="The quick brown fox jumps over the lazy dog"
echo "${str^^} | ${str// /_} | ${str:4:5} | ${#str}"
read -r -a parts <<< "$str"
echo "parts=${#parts[@]} last=${parts[-1]}"
trap "echo trap on exit" EXIT
'

same_as_plain bash_features /bin/bash -c "$script"
for want in 'total=48' 'after: outer' 'second bg status 5' 'fib(8)=21' 'trap on exit'; do
    grep -qxF "$want" bash_features.plain \
        || fail "plain output lacks '$want':"$'\n'"$(cat bash_features.plain bash_features.plain.err)"
done

# Exit statuses pass through unchanged: a plain exit, errexit and a signal.
# shellcheck disable=SC2016  # expanded by the bash under test
exit3='f() { return 3; }; echo start; f; s=$?; echo "got $s"; exit $s'
errexit='set -e -o pipefail; echo before; true | false | true; echo not reached'
killed='echo dying; kill -TERM $$; echo not reached'
/bin/bash -c "$exit3" >/dev/null; [[ $? == 3 ]] || fail "plain exit3 script did not exit 3"
/bin/bash -c "$errexit" >/dev/null; [[ $? == 1 ]] || fail "plain errexit script did not exit 1"
/bin/bash -c "$killed" >/dev/null; [[ $? == 143 ]] || fail "plain killed script did not exit 143"
same_as_plain bash_exit3 /bin/bash -c "$exit3"
same_as_plain bash_errexit /bin/bash -c "$errexit"
same_as_plain bash_killed /bin/bash -c "$killed"
exit 0
