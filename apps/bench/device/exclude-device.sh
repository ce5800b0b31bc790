#!/usr/bin/env bash
# Add `/.device/` to the repository's exclude file, in a plain checkout and in a git worktree alike.
# In a worktree `.git` is a file (`gitdir: …`), so `.git/info/exclude` is no path at all; git names
# the file it reads with `git rev-parse --git-path info/exclude` (the main repository's, shared by
# its worktrees). Run from anywhere inside the repository; idempotent.
set -euo pipefail
exclude=$(git rev-parse --path-format=absolute --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.device/' "$exclude" 2>/dev/null || echo '/.device/' >> "$exclude"
echo "$exclude"
