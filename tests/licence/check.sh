#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest licence: csctp is MIT-licensed. LICENSE holds the text; every source file (C, headers,
# scripts, CMake, JavaScript, Python, Go) names the licence in an SPDX line among its first
# three lines; the pkg-config templates carry "License: MIT" and the CMake package sets
# csctp_LICENSE. Prints every file that lacks it.
#   check.sh SOURCE_DIR
set -euo pipefail
root=${1:?usage: check.sh SOURCE_DIR}
cd "$root"
tag='SPDX-License-Identifier: MIT'
bad=0
grep -q '^MIT License$' LICENSE || { echo "licence: LICENSE is missing or not the MIT text"; bad=1; }
while IFS= read -r -d '' f; do
  case $f in ./build* | */node_modules/* | */corpus/* | ./.git/*) continue ;; esac
  if ! head -n 3 "$f" | grep -q "$tag"; then
    echo "licence: no SPDX line in $f"
    bad=1
  fi
done < <(find . \( -path './build*' -o -name node_modules -o -name .git -o -name corpus \) -prune -o \
  -type f \( -name '*.c' -o -name '*.h' -o -name '*.h.in' -o -name '*.cpp' -o -name '*.py' \
  -o -name '*.sh' -o -name '*.mjs' -o -name '*.js' -o -name '*.go' -o -name 'CMakeLists.txt' \
  -o -name '*.cmake' -o -name '*.cmake.in' -o -name '*.pc.in' -o -name dev -o -path ./.ci/run \) \
  -print0)
for f in csctp.pc.in cmake/pkgconfig/*.pc.in; do
  grep -q '^License: MIT$' "$f" || { echo "licence: no License: MIT in $f"; bad=1; }
done
grep -q 'set(csctp_LICENSE "MIT")' cmake/csctpConfig.cmake.in ||
  { echo "licence: csctp_LICENSE not set in cmake/csctpConfig.cmake.in"; bad=1; }
[ "$bad" -eq 0 ] && echo "licence: ok"
exit "$bad"
