#!/usr/bin/env bash
# timeout: 120
# cost: 9
# git under the shim: init, add, commit, mv, rm, branch, merge, tag, log
# (--follow too), diff, show, blame, grep, status, stash, gc --aggressive
# (which runs pack-objects with threads), fsck, verify-pack and archive, in a
# fresh repository with fixed names and dates and HOME in the case's own
# directory (test/data/real_git/session.sh). Commit hashes follow from the
# content and the dates, so the whole printed session must match.
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
need git awk sed od sha256sum

same_as_plain git_session "$HS_ROOT/test/data/real_git/session.sh"
[[ $(sed -n '/^== log$/,/^== log of/p' git_session.plain | grep -cE '^[0-9a-f]{40} ') == 10 ]] \
    || fail "plain session did not log 10 commits:"$'\n'"$(cat git_session.plain git_session.plain.err)"
grep -qx 'v1.0' git_session.plain || fail "plain session lacks the tag"
exit 0
