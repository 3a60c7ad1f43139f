#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest format: every C source and header of the tree is formatted as .clang-format says
# (clang-format --dry-run --Werror), so style is a test, not a review comment. Prints each
# file that differs and how to fix it. Without clang-format: skipped (77), or a failure
# under CI=true, where it must run.
#   check.sh SOURCE_DIR
set -euo pipefail
root=${1:?usage: check.sh SOURCE_DIR}
cd "$root"
cf=$(command -v clang-format || true)
if [ -z "$cf" ]; then
  if [ "${CI:-}" = true ]; then
    echo "format: clang-format is missing (apt-get install clang-format, or ./dev deps)" >&2
    exit 1
  fi
  echo "format: skipped: no clang-format (apt-get install clang-format)" >&2
  exit 77
fi
[ -f .clang-format ] || { echo "format: no .clang-format in $root" >&2; exit 1; }
bad=()
n=0
while IFS= read -r -d '' f; do
  n=$((n + 1))
  "$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(find . \( -path './build*' -o -name node_modules -o -name .git -o -name corpus \) -prune -o \
  -type f \( -name '*.c' -o -name '*.h' \) -print0)
if [ ${#bad[@]} -ne 0 ]; then
  printf 'format: not formatted: %s\n' "${bad[@]}"
  echo "format: ${#bad[@]} of $n files differ from .clang-format ($("$cf" --version));" \
    "fix with: clang-format -i ${bad[*]}"
  exit 1
fi
echo "format: ok ($n files, $("$cf" --version))"
