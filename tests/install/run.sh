#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The install test: build csctp from SOURCE_DIR in a scratch directory, install it into a
# scratch prefix, then use only the installed files, as a program of someone else would:
#   1. layout: the libraries, headers, pkg-config files and CMake package expected, and no
#      path into the source or build tree in any installed text file; one version everywhere
#      (csctp/version.h, every .pc, the CMake package, csctp_version() at run time); the
#      programs (csctp, csctp-peer, csctp-web) with man pages that render, the demo page;
#   2. exports: each shared library exports exactly the functions its public header
#      declares (nm -D --defined-only against gcc -aux-info of the header);
#   3. headers: each compiles alone as C99 (-Wall -Wextra -Werror) and as C++;
#   4. pkg-config: tests/install/consumer_<layer>.c built with `pkg-config csctp[-LAYER]`,
#      against the shared libraries and against the static ones, and run;
#   5. CMake: tests/install/cmake/ built with find_package(csctp COMPONENTS ...), linking
#      csctp::<lib> and csctp::<lib>_static, and run.
#
# usage: tests/install/run.sh [SOURCE_DIR]     (default: the tree this script is in)
# Exit 0 when all passed, 77 (ctest: skipped) when a tool or library is missing, 1 on a
# failure. CSCTP_INSTALL_KEEP=1 keeps the scratch directory; JOBS (default 2) build jobs.
set -euo pipefail

src=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
here=$src/tests/install
jobs=${JOBS:-2}
t0=$(date +%s)

say() { printf 'install: %s\n' "$*"; }
fail() { printf 'install: FAILED: %s\n' "$*" >&2; exit 1; }
skip() { printf 'install: skipped: %s\n' "$*"; exit 77; }

for tool in cmake pkg-config cc nm readelf; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool not found"
done
for mod in libcrypto libssl libsrtp2 glib-2.0 nice; do
  pkg-config --exists "$mod" || skip "pkg-config module $mod not found"
done
cxx=""
for c in c++ g++ clang++; do
  if command -v "$c" >/dev/null 2>&1; then cxx=$c; break; fi
done
gen="Unix Makefiles"
command -v ninja >/dev/null 2>&1 && gen=Ninja

work=$(mktemp -d "${TMPDIR:-/tmp}/csctp-install.XXXXXX")
if [ "${CSCTP_INSTALL_KEEP:-0}" = 1 ]; then
  trap 'say "kept $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
prefix=$work/prefix
build=$work/build
mkdir -p "$work/bin"

# Sanitizer and fuzzing flags of an enclosing build must not leak into this one.
unset CFLAGS CXXFLAGS LDFLAGS CSCTP_CMAKE_ARGS PKG_CONFIG_PATH LD_LIBRARY_PATH

# ---------------------------------------------------------------- build and install
say "build $src in $build ($gen, $jobs jobs)"
cmake -S "$src" -B "$build" -G "$gen" -DCMAKE_BUILD_TYPE=Release -DCSCTP_TESTS=OFF \
  -DCMAKE_INSTALL_PREFIX="$prefix" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "configure"; }
cmake --build "$build" --parallel "$jobs" --target csctp_libraries csctp_programs \
  >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build"; }
cmake --install "$build" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "install"; }
say "built and installed in $(($(date +%s) - t0)) s"
# Nothing below may see the build tree.
mv "$build" "$work/build.moved"

# ---------------------------------------------------------------- 1. layout
libdir=$(dirname "$(find "$prefix" -name libcsctp.so -print -quit)")
[ -d "$libdir" ] || fail "no libcsctp.so under $prefix"
# layer name: library, header, pkg-config module
layers=(sctp:csctp:sctp.h:csctp
  datachannel:csctp_datachannel:datachannel.h:csctp-datachannel
  dtls:csctp_dtls:dtls.h:csctp-dtls
  ice:csctp_ice:ice.h:csctp-ice
  socket:csctp_socket:socket.h:csctp-socket
  peer:csctp_peer:peer.h:csctp-peer)
expect=()
for l in "${layers[@]}"; do
  IFS=: read -r _ lib hdr pc <<<"$l"
  expect+=("$libdir/lib$lib.a" "$libdir/lib$lib.so" "$libdir/lib$lib.so.0" "$libdir/pkgconfig/$pc.pc"
    "$prefix/include/csctp/$hdr")
done
expect+=("$prefix/include/csctp/common.h" "$prefix/include/csctp/version.h"
  "$libdir/cmake/csctp/csctpConfig.cmake"
  "$libdir/cmake/csctp/csctpConfigVersion.cmake" "$libdir/cmake/csctp/csctpTargets.cmake")
for f in "${expect[@]}"; do
  [ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
done
headers=$(find "$prefix/include" -type f -printf '%P\n' | sort | tr '\n' ' ')
[ "$headers" = "csctp/common.h csctp/datachannel.h csctp/dtls.h csctp/ice.h csctp/peer.h csctp/sctp.h csctp/socket.h csctp/version.h " ] ||
  fail "installed headers are: $headers (a new public header is a new layer: add it to \$layers here)"
if grep -rlI -e "$src" -e "$work/build" "$prefix"; then
  fail "installed files above name the source or build tree"
fi
for l in "${layers[@]}"; do
  IFS=: read -r _ lib _ _ <<<"$l"
  soname=$(readelf -d "$libdir/lib$lib.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$soname" = "lib$lib.so.0" ] || fail "lib$lib.so has SONAME '$soname'"
  if readelf -d "$libdir/lib$lib.so" | grep -E '\((RPATH|RUNPATH)\)'; then
    fail "lib$lib.so carries a build path"
  fi
done
say "layout: $(find "$prefix" -type f | wc -l) files; 6 libraries (shared + static), 8 headers, 6 .pc, CMake package"

# The programs (those this machine can build: csctp-peer and csctp-web need json-glib) with
# their man pages; each answers --help on stdout with exit 0 (csctp) or prints its usage, and
# each man page renders without a warning.
progs=(csctp)
[ -e "$work/build.moved/csctp-peer" ] && progs+=(csctp-peer csctp-web)
for p in "${progs[@]}"; do
  [ -x "$prefix/bin/$p" ] || fail "not installed: bin/$p"
  man=$prefix/share/man/man1/$p.1
  [ -f "$man" ] || fail "not installed: share/man/man1/$p.1"
  grep -q '@CSCTP_VERSION@' "$man" && fail "$p.1: version not filled in"
  if command -v groff >/dev/null 2>&1; then
    warn=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
    [ -z "$warn" ] || fail "$p.1 does not render cleanly: $warn"
    groff -man -Tutf8 -P-cbou "$man" 2>/dev/null | grep -q "^NAME" || fail "$p.1 renders no NAME section"
  fi
done
"$prefix/bin/csctp" --help >"$work/help.txt" 2>&1 || fail "csctp --help exits non-zero"
grep -q '^usage:' "$work/help.txt" || fail "csctp --help prints no usage"
[ "$("$prefix/bin/csctp" --version)" = "csctp $(sed -n 's/^#define CSCTP_VERSION "\(.*\)"$/\1/p' "$prefix/include/csctp/version.h")" ] ||
  fail "csctp --version: $("$prefix/bin/csctp" --version)"
if [ -e "$prefix/bin/csctp-web" ]; then
  [ -f "$prefix/share/csctp/demo/index.html" ] || fail "not installed: share/csctp/demo/index.html"
fi
say "programs: ${progs[*]} installed with man pages; csctp --help and --version answer"

# One version: the installed version.h, every .pc and the CMake package (checked below) and
# the libraries at run time (the consumers print csctp_version(); checked in 4 and 5).
version=$(sed -n 's/^#define CSCTP_VERSION "\(.*\)"$/\1/p' "$prefix/include/csctp/version.h")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "no CSCTP_VERSION in the installed version.h"
for l in "${layers[@]}"; do
  IFS=: read -r _ _ _ pc <<<"$l"
  v=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --modversion "$pc")
  [ "$v" = "$version" ] || fail "$pc.pc has version $v, version.h $version"
done
say "version: $version in version.h and in all 6 .pc"

# ---------------------------------------------------------------- 2. exports
export PKG_CONFIG_PATH=$libdir/pkgconfig
# Functions declared by a header (gcc -aux-info lists every prototype with its file).
declared() { # header [more headers of the same library]
  local h list=""
  for h in "$@"; do list="$list#include <csctp/$h>"$'\n'; done
  # shellcheck disable=SC2046
  printf '%s' "$list" | cc -std=c99 -fsyntax-only -aux-info "$work/aux.txt" \
    $(pkg-config --cflags csctp-socket) -x c - ||
    fail "cannot compile $*"
  for h in "$@"; do
    grep -F "/include/csctp/$h:" "$work/aux.txt" | grep -E '\*/ extern ' |
      sed -E 's#^/\*[^*]*\*/ *##; s/^([^(]*[^A-Za-z0-9_(])([A-Za-z_][A-Za-z0-9_]*) \(.*/\2/'
  done | sort -u
}
for l in "${layers[@]}"; do
  IFS=: read -r name lib hdr _ <<<"$l"
  hdrs=$hdr
  [ "$name" = sctp ] && hdrs="common.h sctp.h"
  # shellcheck disable=SC2086
  declared $hdrs >"$work/declared.txt"
  nm -D --defined-only "$libdir/lib$lib.so" | awk '{print $3}' | sort -u >"$work/exported.txt"
  extra=$(comm -13 "$work/declared.txt" "$work/exported.txt" | tr '\n' ' ')
  missing=$(comm -23 "$work/declared.txt" "$work/exported.txt" | tr '\n' ' ')
  [ -z "$extra$missing" ] ||
    fail "lib$lib.so against $hdrs: exported but not declared: [${extra% }]; declared but not exported: [${missing% }]"
  say "exports: lib$lib.so exports exactly the $(wc -l <"$work/declared.txt") functions of $hdrs"
done

# ---------------------------------------------------------------- 3. headers alone
for l in "${layers[@]}" common:csctp:common.h:csctp version:csctp:version.h:csctp; do
  IFS=: read -r _ _ hdr pc <<<"$l"
  # shellcheck disable=SC2046
  printf '#include <csctp/%s>\n' "$hdr" |
    cc -std=c99 -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags "$pc") -x c - ||
    fail "$hdr does not compile alone as C99"
  if [ -n "$cxx" ]; then
    # shellcheck disable=SC2046
    printf '#include <csctp/%s>\n' "$hdr" |
      "$cxx" -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags "$pc") -x c++ - ||
      fail "$hdr does not compile alone as C++"
  fi
done
say "headers: each compiles alone as C99${cxx:+ and as C++ ($cxx)} with -Wall -Wextra -Werror"

# ---------------------------------------------------------------- 4. pkg-config consumers
# Shared: `pkg-config --cflags --libs`. Static: the csctp archives in the order
# `pkg-config --libs` gives, then the shared system libraries their Requires.private name
# (`pkg-config --static` would make those static too, which Debian's nice.pc cannot give).
static_libs() { # module
  local flags out="" privs="" f m
  flags=$(pkg-config --libs "$1")
  for f in $flags; do
    case $f in
    -lcsctp*)
      out="$out $libdir/lib${f#-l}.a"
      m=${f#-l}
      m=${m/_/-}
      privs="$privs $(pkg-config --print-requires-private "$m" | awk '{print $1}' | tr '\n' ' ')"
      ;;
    -L*) ;;
    *) out="$out $f" ;;
    esac
  done
  # shellcheck disable=SC2086
  [ -z "${privs// /}" ] || out="$out $(pkg-config --libs $privs)"
  printf '%s' "$out"
}
run_consumer() { # binary: run it with the installed libraries only; check what it loaded
  local bin=$1
  if ! LD_LIBRARY_PATH=$libdir timeout 30 "$bin" >"$bin.out" 2>&1; then
    cat "$bin.out"
    fail "$(basename "$bin") failed"
  fi
  if LD_LIBRARY_PATH=$libdir ldd "$bin" | grep 'libcsctp' | grep -v -F "$libdir/"; then
    fail "$(basename "$bin") loads a csctp library from outside $libdir"
  fi
}
for l in "${layers[@]}"; do
  IFS=: read -r name lib _ pc <<<"$l"
  bin=$work/bin/pc_${name}
  # shellcheck disable=SC2046
  cc -std=c99 -Wall -Wextra -Werror -o "${bin}_shared" "$here/consumer_$name.c" \
    $(pkg-config --cflags --libs "$pc") || fail "pkg-config $pc: shared consumer does not build"
  # shellcheck disable=SC2046
  cc -std=c99 -Wall -Wextra -Werror -o "${bin}_static" "$here/consumer_$name.c" \
    $(pkg-config --cflags "$pc") $(static_libs "$pc") ||
    fail "pkg-config $pc: static consumer does not build"
  readelf -d "${bin}_shared" | grep -q "NEEDED.*lib$lib.so.0" ||
    fail "pc_${name}_shared does not link lib$lib.so"
  if readelf -d "${bin}_static" | grep 'NEEDED.*libcsctp'; then
    fail "pc_${name}_static links a shared csctp library"
  fi
  run_consumer "${bin}_shared"
  run_consumer "${bin}_static"
  if [ "$name" = sctp ]; then
    for b in "${bin}_shared" "${bin}_static"; do
      grep -q -x "csctp $version (headers $version)" "$b.out" ||
        fail "$(basename "$b") does not report csctp_version() $version: $(cat "$b.out")"
    done
  fi
  say "pkg-config $pc: shared and static consumers ok: $(tr '\n' ' ' <"${bin}_static.out")"
done

# ---------------------------------------------------------------- 5. CMake consumers
cmake -S "$here/cmake" -B "$work/consumer" -G "$gen" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >"$work/consumer.log" 2>&1 ||
  { cat "$work/consumer.log"; fail "CMake consumer: configure (find_package)"; }
grep -q -F "csctp $version from $libdir/cmake/csctp" "$work/consumer.log" ||
  { cat "$work/consumer.log"; fail "CMake consumer: csctp not found in $prefix"; }
cmake --build "$work/consumer" --parallel "$jobs" >>"$work/consumer.log" 2>&1 ||
  { cat "$work/consumer.log"; fail "CMake consumer: build"; }
n=0
for bin in "$work"/consumer/*_shared "$work"/consumer/*_static; do
  [ -x "$bin" ] || continue
  case $bin in
  *_static)
    if readelf -d "$bin" | grep 'NEEDED.*libcsctp'; then
      fail "$(basename "$bin") links a shared csctp library"
    fi
    ;;
  *) readelf -d "$bin" | grep -q 'NEEDED.*libcsctp' || fail "$(basename "$bin") links no libcsctp*.so" ;;
  esac
  run_consumer "$bin"
  case $bin in
  */sctp_*) grep -q -x "csctp $version (headers $version)" "$bin.out" ||
    fail "$(basename "$bin") does not report csctp_version() $version" ;;
  esac
  n=$((n + 1))
done
[ "$n" -ge 12 ] || fail "CMake consumer: only $n programs built"
say "CMake find_package(csctp COMPONENTS datachannel dtls ice socket peer): $n consumers ok" \
  "(csctp::<lib> and csctp::<lib>_static${cxx:+, C++ included})"

say "passed in $(($(date +%s) - t0)) s"
