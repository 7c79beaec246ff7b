#!/usr/bin/env bash
# Fixture for test/cases/all/real_git.sh: a git session in a fresh ./repo
# with fixed names and dates, printing what it sees. Run plainly and under
# the shim; the printed output (commit hashes included) must match.
set -euo pipefail   # (so no `| head`: a writer killed by SIGPIPE would fail it)
export HOME=$PWD/home GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$PWD/home/.gitconfig
export GIT_AUTHOR_NAME='Ada Tester' GIT_AUTHOR_EMAIL=ada@example.org
export GIT_COMMITTER_NAME='Bob Committer' GIT_COMMITTER_EMAIL=bob@example.org
export GIT_TERMINAL_PROMPT=0 GIT_PAGER=cat PAGER=cat EDITOR=true
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CEILING_DIRECTORIES
rm -rf repo home && mkdir repo home && : >home/.gitconfig
cd repo

when=1700000000
at() {   # at N: sets both dates N hours after the start
    GIT_AUTHOR_DATE="@$((when + $1 * 3600)) +0000"
    GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
    export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
}
commit() { at "$1"; shift; git commit -q -m "$*"; }

git init -q -b main .
git config gc.auto 0
git config maintenance.auto false
git config core.autocrlf false

# commit 1: a handful of generated files
mkdir -p src docs
for i in $(seq 1 20); do
    seq "$i" 7 $((i * 400)) | awk -v i="$i" '{ printf "line %d of file %d: %x\n", NR, i, $1 * 2654435761 % 4294967296 }' >"src/file$i.txt"
done
printf '# Project\n\nGenerated for a test.\n' >docs/README.md
git add .
commit 1 "initial import of 20 files"

# commit 2..6: edits, a rename, a deletion, a binary-ish file
for n in 2 3 4 5 6; do
    sed -i "s/line $((n * 3)) /LINE $((n * 3)) (edited in $n) /" src/file$n.txt src/file$((n + 5)).txt
    echo "appended by commit $n" >>docs/README.md
    git add -A
    commit "$n" "edit round $n"
done
git mv src/file20.txt src/renamed.txt
git rm -q src/file19.txt
od -An -tx1 -N 320 src/file1.txt >docs/dump.txt
git add -A
commit 7 "rename, delete, add a dump"

# a branch with its own commits, merged back
git checkout -q -b feature HEAD~3
echo "feature work" >feature.txt
git add feature.txt
commit 8 "feature: add feature.txt"
sed -i '1s/^/FEATURE: /' src/file1.txt
git commit -q -a -m "feature: touch file1" --date="@$((when + 9 * 3600)) +0000"
git checkout -q main
at 10
git merge -q --no-ff -m "merge feature" feature
git tag -a v1.0 -m "release 1.0"

echo "== log"
git log --format='%H %s' --topo-order
echo "== log of a path with renames"
git log --follow --format='%h %an %ad %s' --date=iso-strict -- src/renamed.txt
echo "== diff of the last two commits on main"
git diff --stat HEAD~1 HEAD
git diff HEAD~2 HEAD~1 -- docs/README.md
echo "== show"
git show --format='%H%n%T%n%P%n%an <%ae> %ad%n%cn <%ce> %cd%n%B' --stat v1.0
echo "== rev-list, ls-tree, cat-file"
git rev-list --count --all
git ls-tree -r --format='%(objectmode) %(objecttype) %(objectname) %(path)' HEAD | sed -n 1,8p
git cat-file -p 'HEAD^{tree}' | wc -l
git describe --tags
echo "== blame"
git blame --line-porcelain -L 1,8 src/file1.txt | grep -E '^(author |summary |[0-9a-f]{40} )' 
echo "== grep"
git grep -n -c 'edited in' | sort
echo "== status after a change"
echo "untracked" >new.txt
sed -i 's/feature work/feature work, changed/' feature.txt
git status --porcelain=v1
git diff --word-diff
git stash -q
at 11
git stash list --format='%gd %s'
git stash pop -q
git status --porcelain=v1
echo "== pack, verify"
git gc -q --aggressive --prune=now
git count-objects -v | grep -E '^(count|in-pack|packs):'
git fsck --no-progress --strict 2>&1
git verify-pack -v .git/objects/pack/pack-*.idx | grep -c -E '^[0-9a-f]{40} (commit|tree|blob|tag)'
git archive --format=tar HEAD | sha256sum
git log --format='%H %s' -n 3
