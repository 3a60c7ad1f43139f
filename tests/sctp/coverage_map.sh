#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Which tests/sctp tests exercise which engine source (src/*.c), measured, not guessed: builds
# the sctp tests with gcc --coverage in BUILD_DIR, runs each tests/sctp/test_*.c binary on its
# own (the .gcda counters reset before each) and records, per test and per src/*.c, the lines
# gcov reports executed. Writes into OUT_DIR:
#   per_test.tsv   test  source  lines_executed  lines_total  percent
#   suite.tsv      source  lines_executed  lines_total  percent   (union over all the tests)
#   uncovered/X.c.txt   the line numbers of src/X.c that no sctp test executes
#   table.md       per source: the top 3 tests by line coverage, then the suite's coverage
# tests/sctp/README.md's table is built from table.md. About 5-10 minutes on 2 cores.
#   tests/sctp/coverage_map.sh [BUILD_DIR [OUT_DIR]]   (defaults: build-cov, BUILD_DIR/coverage-map)
# Run it from anywhere; BUILD_DIR and OUT_DIR are relative to the source tree.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bd=${1:-build-cov}
out=${2:-$bd/coverage-map}
case $bd in /*) ;; *) bd=$root/$bd ;; esac
case $out in /*) ;; *) out=$root/$out ;; esac

if [ ! -f "$bd/build.ninja" ]; then
  cmake -B "$bd" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=--coverage \
    -DCMAKE_EXE_LINKER_FLAGS=--coverage >/dev/null
fi
# shellcheck disable=SC2046
ninja -C "$bd" $(cd "$bd" && ninja -t targets all | grep -o '^sctp_test_[a-z_0-9]*' | sort -u) >/dev/null

objdir=$(dirname "$(find "$bd" -path '*/src/hmap.c.gcno' -print -quit)")
[ -d "$objdir" ] || { echo "coverage_map: no src/hmap.c.gcno under $bd (not a --coverage build?)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/lines" "$out/uncovered"

# lines_of SRC: "total executed-line-numbers..." for src/SRC from the current .gcda files.
lines_of() {
  local gcda=$objdir/$1.gcda
  if [ ! -f "$gcda" ]; then
    # Not linked into / not run by this test: count its executable lines from the .gcno.
    gcov -t "$objdir/$1.gcno" 2>/dev/null
  else
    gcov -t "$gcda" 2>/dev/null
  fi | awk -v want="/src/$1" '
    /^ *-: *0:Source:/ { sub(/^ *-: *0:Source:/, ""); cur = ($0 ~ want "$"); next }
    !cur { next }
    {
      split($0, f, ":"); c = f[1]; gsub(/ /, "", c); n = f[2] + 0
      if (c == "-" || n == 0 || seen[n]++) next
      total++
      if (c !~ /^(#####|=====)$/) hit = hit " " n
    }
    END { print total + 0 hit }'
}

srcs=()
for f in src/*.c; do srcs+=("$(basename "$f")"); done
printf 'test\tsource\tlines_executed\tlines_total\tpercent\n' >"$out/per_test.tsv"
for t in tests/sctp/test_*.c; do
  name=$(basename "$t" .c)
  bin=$(find "$bd" -maxdepth 2 -type f -name "sctp_$name" -print -quit)
  [ -x "$bin" ] || { echo "coverage_map: no binary for $t" >&2; exit 1; }
  find "$bd" -name '*.gcda' -delete
  echo "coverage_map: $name" >&2
  (cd "$bd" && "$bin" --jobs 1 >/dev/null 2>&1) || echo "coverage_map: $name failed (counted anyway)" >&2
  for s in "${srcs[@]}"; do
    read -r total hits <<<"$(lines_of "$s")"
    n=0
    if [ -n "${hits:-}" ]; then
      n=$(wc -w <<<"$hits")
      tr ' ' '\n' <<<"$hits" >>"$out/lines/$s"
    fi
    pct=0
    [ "$total" -gt 0 ] && pct=$(awk -v a="$n" -v b="$total" 'BEGIN { printf "%.0f", 100 * a / b }')
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$s" "$n" "$total" "$pct" >>"$out/per_test.tsv"
  done
done

# The union, and what no test reaches.
find "$bd" -name '*.gcda' -delete
printf 'source\tlines_executed\tlines_total\tpercent\n' >"$out/suite.tsv"
for s in "${srcs[@]}"; do
  read -r total _ <<<"$(lines_of "$s")"
  gcov -t "$objdir/$s.gcno" 2>/dev/null | awk -v want="/src/$s" '
    /^ *-: *0:Source:/ { sub(/^ *-: *0:Source:/, ""); cur = ($0 ~ want "$"); next }
    cur { split($0, f, ":"); c = f[1]; gsub(/ /, "", c); if (c != "-" && f[2] + 0 > 0) print f[2] + 0 }' |
    sort -u >"$out/all.tmp"
  sort -u "$out/lines/$s" 2>/dev/null >"$out/hit.tmp" || true
  n=$(wc -l <"$out/hit.tmp")
  comm -23 "$out/all.tmp" "$out/hit.tmp" | sort -n | tr '\n' ' ' >"$out/uncovered/$s.txt"
  pct=0
  [ "$total" -gt 0 ] && pct=$(awk -v a="$n" -v b="$total" 'BEGIN { printf "%.0f", 100 * a / b }')
  printf '%s\t%s\t%s\t%s\n' "$s" "$n" "$total" "$pct" >>"$out/suite.tsv"
done
rm -f "$out/all.tmp" "$out/hit.tmp"

{
  echo '| Source | Tests that exercise it most (line coverage) | Suite |'
  echo '|---|---|---|'
  for s in "${srcs[@]}"; do
    top=$(awk -F'\t' -v s="$s" '$2 == s && $3 > 0 { print $5 "\t" $1 }' "$out/per_test.tsv" |
      sort -t$'\t' -k1,1nr -k2,2 | head -3 | awk -F'\t' '{ printf "%s%s %s%%", (NR > 1 ? ", " : ""), $2, $1 }')
    suite=$(awk -F'\t' -v s="$s" '$1 == s { print $4 "% (" $2 "/" $3 ")" }' "$out/suite.tsv")
    echo "| $s | ${top:-none} | $suite |"
  done
} >"$out/table.md"
cat "$out/table.md"
