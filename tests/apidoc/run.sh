#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest apidoc: the API reference (docs/Doxyfile) builds from the public headers without a
# single doxygen warning, so every public symbol is documented, and every csctp_* / CSCTP_*
# name in their comments is declared (comment_names.py). Also the csctp_doc target
# (`cmake --build build --target csctp_doc`), which leaves OUT_DIR/html/index.html.
#   run.sh SOURCE_DIR GENERATED_INCLUDE_DIR OUT_DIR VERSION
# Exit 0 when clean, 1 on any warning, 77 (ctest: skipped) when doxygen is missing, except
# with CI=true, where a missing doxygen is a failure (./dev deps installs it).
set -euo pipefail
src=${1:?usage: run.sh SOURCE_DIR GENERATED_INCLUDE_DIR OUT_DIR VERSION}
geninc=${2:?} out=${3:?} version=${4:?}
doxygen=${DOXYGEN:-doxygen}

if ! command -v "$doxygen" >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "apidoc: FAILED: doxygen not found (CI=true; apt-get install doxygen, or ./dev deps)" >&2
    exit 1
  fi
  echo "apidoc: skipped: doxygen not found (apt-get install doxygen, or ./dev deps)"
  exit 77
fi
[ -f "$geninc/csctp/version.h" ] || { echo "apidoc: FAILED: no $geninc/csctp/version.h" >&2; exit 1; }

# Names in comments: no comment may point to a function or constant that does not exist.
if command -v python3 >/dev/null 2>&1; then
  python3 "$src/tests/apidoc/comment_names.py" "$src"/include/csctp/*.h "$geninc/csctp/version.h" ||
    { echo "apidoc: FAILED: comments above name undeclared symbols" >&2; exit 1; }
elif [ "${CI:-}" = true ]; then
  echo "apidoc: FAILED: python3 not found (CI=true)" >&2
  exit 1
else
  echo "apidoc: python3 not found: names in comments not checked"
fi

mkdir -p "$out"
log=$out/doxygen.log
rc=0
CSCTP_SOURCE_DIR=$src CSCTP_GENERATED_INCLUDE_DIR=$geninc CSCTP_DOC_DIR=$out \
  CSCTP_VERSION=$version "$doxygen" "$src/docs/Doxyfile" >"$log" 2>&1 || rc=$?
# FAIL_ON_WARNINGS makes doxygen exit non-zero; any line it prints (QUIET = YES) is a warning too.
if [ "$rc" -ne 0 ] || [ -s "$log" ]; then
  cat "$log" >&2
  echo "apidoc: FAILED: doxygen exit $rc, $(grep -cE '(warning|error):' "$log" || true) warnings" \
    "(document every public symbol of include/csctp/*.h)" >&2
  exit 1
fi
[ -f "$out/html/index.html" ] || { echo "apidoc: FAILED: no $out/html/index.html" >&2; exit 1; }
echo "apidoc: ok: $(doxygen --version 2>/dev/null | head -n1), no warning; $out/html/index.html"
