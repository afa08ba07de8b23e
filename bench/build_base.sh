#!/usr/bin/env bash
# Builds xcc at an earlier commit for bench/against.sh and bench/versus.sh: its tree from
# `git archive` into WORK/base-src, built into WORK/target-base. Prints the binary's path.
#
#   bench/build_base.sh COMMIT WORK
set -euo pipefail
commit=${1:?usage: bench/build_base.sh COMMIT WORK}
work=${2:?usage: bench/build_base.sh COMMIT WORK}
src="$work/base-src"
rm -rf "$src" && mkdir -p "$src"
git archive "$commit" | tar -x -C "$src"
# git archive dates every file at its commit, so cargo would take a path dependency built
# from a later commit (vendor/tiny_http) for fresh: new dates make it build the files given.
find "$src" -type f -exec touch {} +
# --release: an older commit may have no profiling profile (the code is optimized alike).
(cd "$src" && cargo build --release --quiet --target-dir "$work/target-base" >&2)
echo "$work/target-base/release/xcc"
