#!/usr/bin/env bash
# How tests/data/schema-vN.db were made: the real sample ingested by the last xcc of each
# older schema version, built from its commit. The upgrade tests migrate each one and compare
# it with a new file; keep these files as they are (they are what users of those versions
# have). Run from the repository's root; it builds each commit in a temporary folder.
#
#   tests/data/make-schema-fixtures.sh            # all of them
#   tests/data/make-schema-fixtures.sh 3          # schema-v3.db only
set -euo pipefail
cd "$(dirname "$0")/../.."

# version → the last commit whose xcc wrote it
declare -A commit=(
    [1]=536400c
    [2]=be43896
    [3]=fd03f9a
    [4]=a7cb3ef
    [5]=7305f83
    [6]=f811269
    [7]=e789cd2
    [8]=d61ca39
)
versions=("${@:-1 2 3 4 5 6 7 8}")
for v in ${versions[*]}; do
    src=$(mktemp -d)
    git archive "${commit[$v]}" | tar -x -C "$src"
    echo "schema-v$v.db: building xcc at ${commit[$v]}" >&2
    (cd "$src" && cargo build --quiet --target-dir "$src/target")
    rm -f "tests/data/schema-v$v.db"
    "$src/target/debug/xcc" ingest tests/data/real-events-head.jsonl --db "tests/data/schema-v$v.db" --quiet
    version=$(sqlite3 "tests/data/schema-v$v.db" 'PRAGMA user_version')
    [[ $version == "$v" ]] || { echo "schema-v$v.db has user_version $version" >&2; exit 1; }
    rm -rf "$src"
done
