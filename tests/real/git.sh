# SPDX-License-Identifier: MIT
# git.sh: a repository with history, branches, a merge, packing and queries.
set -e
export GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t \
       GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
git init -q -b main r
cd r
for i in $(seq 1 30); do
    seq 1 $((i * 50)) | sed "s/^/line $i /" > "f$((i % 7))"
    git add -A
    git commit -q -m "commit $i"
done
git checkout -q -b side HEAD~10
echo side > side.txt && git add side.txt && git commit -q -m side
git checkout -q main
git merge -q --no-edit side
git gc -q
git log --format='%H %s' | head -n 5
git rev-list --count HEAD
git diff --stat HEAD~5 HEAD
git grep -c 'line 3 ' HEAD -- f3 || true
git blame -s f2 | tail -n 2
git fsck --no-progress 2>&1 | sort
git cat-file -p HEAD^{tree}
