#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest sctp_map: tests/sctp/README.md maps every engine source to the tests that exercise it.
# Fails when a src/*.c has no row in its table, a row names a source that is gone, or a row
# names a test with no file (test_x is tests/sctp/test_x.c, layer/test_x is
# tests/layer/test_x.c). The coverage figures are regenerated with tests/sctp/coverage_map.sh,
# not checked here.
#   check_map.sh SOURCE_DIR
set -euo pipefail
root=${1:?usage: check_map.sh SOURCE_DIR}
cd "$root"
map=tests/sctp/README.md
[ -f "$map" ] || { echo "sctp_map: $map is missing"; exit 1; }
bad=0
# Table rows: lines that start with "| `name.c`".
rows=$(grep -E '^\| *`[A-Za-z0-9_]+\.c`' "$map" || true)
for f in src/*.c; do
  s=$(basename "$f")
  grep -qF "| \`$s\`" <<<"$rows" || { echo "sctp_map: no row for src/$s in $map"; bad=1; }
done
while IFS= read -r s; do
  [ -n "$s" ] || continue
  [ -f "src/$s" ] || { echo "sctp_map: $map has a row for src/$s, which does not exist"; bad=1; }
done < <(sed -E 's/^\| *`([A-Za-z0-9_]+\.c)`.*/\1/' <<<"$rows")
# A test is test_x (tests/sctp/test_x.c) or layer/test_x (tests/layer/test_x.c).
while IFS= read -r t; do
  [ -n "$t" ] || continue
  case $t in */*) f=tests/$t.c ;; *) f=tests/sctp/$t.c ;; esac
  [ -f "$f" ] || { echo "sctp_map: $map names $t, but $f does not exist"; bad=1; }
done < <(grep -oE '([a-z]+/)?test_[a-z0-9_]+' <<<"$rows" | sort -u)
[ "$bad" -eq 0 ] && echo "sctp_map: ok ($(wc -l <<<"$rows") sources mapped)"
exit "$bad"
