#!/usr/bin/env bash
# Rebuild vendor/libjxl-jpeg/jxl-jpeg.wasm: libjxl's decoder (JPEG reconstruction only is used)
# as a standalone WebAssembly module with the small C API of vendor/libjxl-jpeg/jxl_jpeg.cc,
# from Debian 12 (bookworm) source packages, compiled by Debian's emscripten. No emscripten JS
# glue: src/wasm/jxl-jpeg.ts instantiates the module itself.
#
# Made with (checked below; another version builds, but a different binary):
#   emscripten 3.1.6~dfsg-5, clang-14 / lld-14 1:14.0.6-12, binaryen 108-1
#   source packages jpeg-xl 0.7.0-10+deb12u1 (libjxl 0.7.0), highway 1.0.3-3+deb12u1 (libhwy),
#   brotli 1.0.9-2 (the decoder only)
# The .dsc files are pinned by sha256 below; dpkg-source checks the tarballs against them.
# (bookworm-security's brotli 1.0.9-2+deb12u1 is not on the mirror this was made from; its fix
# is in brotli's Python bindings, not in the C decoder compiled here.)
#
# Needs: apt-get install emscripten dpkg-dev, and deb-src lines for bookworm (and
# bookworm-security) in /etc/apt/sources.list(.d) for `apt-get source`; or SOURCES=DIR holding
# the .dsc/.tar files already. Only the decoder is built: no encoder, tools, threads, skcms or
# lcms (libjxl's decoder needs neither for JPEG reconstruction), Highway's scalar target only.
#
# Usage: bash scripts/build-libjxl-wasm.sh [--check]
#   JOBS=2 (parallel compiles), WORK=/tmp/dicom-pixels-libjxl-wasm (build folder; the path
#   does not reach the binary: -ffile-prefix-map). --check builds and compares with the
#   committed file instead of replacing it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/vendor/libjxl-jpeg"
WORK="${WORK:-/tmp/dicom-pixels-libjxl-wasm}"
JOBS="${JOBS:-2}"
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1

declare -A TOOLS=(
  [emscripten]="3.1.6~dfsg-5"
  [clang-14]="1:14.0.6-12"
  [lld-14]="1:14.0.6-12"
  [binaryen]="108-1"
)
declare -A DSC=(
  [jpeg-xl_0.7.0-10+deb12u1.dsc]=de02b90d57f87ff1dc74af03cf98aeb24b03c9186a84e99cf5e2919e9c9702ce
  [highway_1.0.3-3+deb12u1.dsc]=e85a23bede87aaf121fc530d30ccfa30d0d9e5620ea51736578620e5d3245401
  [brotli_1.0.9-2.dsc]=8c4c86748ec9770e08b60233d658593650444b04a452dc5b607ed5b5537b683e
)
SOURCE_PACKAGES=("jpeg-xl=0.7.0-10+deb12u1" "highway=1.0.3-3+deb12u1" "brotli/bookworm")

for package in "${!TOOLS[@]}"; do
  have="$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null || true)"
  if [ -z "$have" ]; then
    echo "build-libjxl-wasm: $package is not installed (apt-get install emscripten)" >&2
    exit 1
  fi
  if [ "$have" != "${TOOLS[$package]}" ]; then
    echo "build-libjxl-wasm: note: $package $have, not ${TOOLS[$package]}: the binary will differ from the committed one" >&2
  fi
done
command -v emcc >/dev/null && command -v dpkg-source >/dev/null || { echo "build-libjxl-wasm: needs emcc and dpkg-source" >&2; exit 1; }

started=$(date +%s)
rm -rf "$WORK"
mkdir -p "$WORK/dl" "$WORK/obj" "$WORK/gen/jxl"

# --- sources ---------------------------------------------------------------------------------
if [ -n "${SOURCES:-}" ]; then
  cp "$SOURCES"/*.dsc "$SOURCES"/*.tar.* "$WORK/dl/"
else
  (cd "$WORK/dl" && apt-get source --download-only "${SOURCE_PACKAGES[@]}" >/dev/null 2>&1) || {
    echo "build-libjxl-wasm: apt-get source failed: add deb-src lines for bookworm and run apt-get update (or set SOURCES=DIR)" >&2
    exit 1
  }
fi
for dsc in "${!DSC[@]}"; do
  [ -f "$WORK/dl/$dsc" ] || { echo "build-libjxl-wasm: missing $dsc" >&2; exit 1; }
  sum="$(sha256sum "$WORK/dl/$dsc" | cut -d' ' -f1)"
  if [ "$sum" != "${DSC[$dsc]}" ]; then
    echo "build-libjxl-wasm: $dsc has sha256 $sum, expected ${DSC[$dsc]}" >&2
    exit 1
  fi
  (cd "$WORK" && dpkg-source -x "dl/$dsc" >/dev/null)
done
JXL="$WORK/jpeg-xl-0.7.0"
HWY="$WORK/highway-1.0.3"
BROTLI="$WORK/brotli-1.0.9"

# Headers cmake would generate.
sed -e 's/@JPEGXL_MAJOR_VERSION@/0/' -e 's/@JPEGXL_MINOR_VERSION@/7/' -e 's/@JPEGXL_PATCH_VERSION@/0/' \
  "$JXL/lib/jxl/version.h.in" >"$WORK/gen/jxl/version.h"
cat >"$WORK/gen/jxl/jxl_export.h" <<'EOF'
#ifndef JXL_EXPORT_H
#define JXL_EXPORT_H
#define JXL_EXPORT
#define JXL_NO_EXPORT
#define JXL_DEPRECATED __attribute__((__deprecated__))
#define JXL_DEPRECATED_EXPORT JXL_EXPORT JXL_DEPRECATED
#define JXL_DEPRECATED_NO_EXPORT JXL_NO_EXPORT JXL_DEPRECATED
#endif
EOF

# --- what is compiled --------------------------------------------------------------------------
# libjxl's decoder sources exactly as lib/jxl.cmake lists them (JPEGXL_INTERNAL_SOURCES_DEC).
mapfile -t JXL_SOURCES < <(awk '$0=="set(JPEGXL_INTERNAL_SOURCES_DEC"{on=1;next} on&&$0==")"{exit} on&&/[.]cc$/{gsub(/ /,"");print "lib/"$0}' "$JXL/lib/jxl.cmake" | LC_ALL=C sort)
[ "${#JXL_SOURCES[@]}" -gt 50 ] || { echo "build-libjxl-wasm: could not read the decoder sources from lib/jxl.cmake" >&2; exit 1; }
HWY_SOURCES=(hwy/aligned_allocator.cc hwy/targets.cc)
BROTLI_SOURCES=(c/common/constants.c c/common/context.c c/common/dictionary.c c/common/platform.c c/common/transform.c
  c/dec/bit_reader.c c/dec/decode.c c/dec/huffman.c c/dec/state.c)

OPT=(-Oz -DNDEBUG -fno-exceptions "-ffile-prefix-map=$WORK=." "-ffile-prefix-map=$ROOT=.")
CXXFLAGS=("${OPT[@]}" -std=c++17 -fno-rtti -DHWY_COMPILE_ONLY_SCALAR
  -DJPEGXL_MAJOR_VERSION=0 -DJPEGXL_MINOR_VERSION=7 -DJPEGXL_PATCH_VERSION=0 -DJXL_INTERNAL_LIBRARY_BUILD
  -I"$JXL" -I"$JXL/lib/include" -I"$WORK/gen" -I"$HWY" -I"$BROTLI/c/include")
CFLAGS=("${OPT[@]}" -I"$BROTLI/c/include")

{
  for f in "${JXL_SOURCES[@]}"; do echo "c++ $JXL/$f jxl_$(echo "$f" | tr / _).o"; done
  for f in "${HWY_SOURCES[@]}"; do echo "c++ $HWY/$f hwy_$(echo "$f" | tr / _).o"; done
  for f in "${BROTLI_SOURCES[@]}"; do echo "c $BROTLI/$f brotli_$(echo "$f" | tr / _).o"; done
  echo "c++ $VENDOR/jxl_jpeg.cc jxl_jpeg.o"
} >"$WORK/units"

export WORK
printf '%s\0' "${CXXFLAGS[@]}" >"$WORK/cxxflags"
printf '%s\0' "${CFLAGS[@]}" >"$WORK/cflags"
# shellcheck disable=SC2016
xargs -P "$JOBS" -L 1 bash -c '
  set -e
  lang=$0 src=$1 obj=$WORK/obj/$2
  if [ "$lang" = c++ ]; then mapfile -d "" -t flags <"$WORK/cxxflags"; exec em++ "${flags[@]}" -c "$src" -o "$obj"
  else mapfile -d "" -t flags <"$WORK/cflags"; exec emcc "${flags[@]}" -c "$src" -o "$obj"; fi
' <"$WORK/units"

# --- link --------------------------------------------------------------------------------------
# Standalone module: memory grows on demand up to MAXIMUM_MEMORY, 2 GiB (pointers stay below
# 2^31; libjxl needs about 17 bytes per pixel for grey and 24 for colour while it rebuilds a
# JPEG, so src/decoders/jpegxl.ts gives it at most 2^25 pixels). A failed allocation is a
# null malloc or, inside libc++, an abort: a trap the loader turns into an error and a fresh
# instance. Its imports (WASI fd_write / proc_exit and the like) are stubs in the loader.
mapfile -t OBJECTS < <(cd "$WORK/obj" && LC_ALL=C ls ./*.o)
(cd "$WORK/obj" && em++ "${OPT[@]}" -fno-rtti "${OBJECTS[@]}" -o "$WORK/jxl-jpeg.wasm" \
  -sSTANDALONE_WASM=1 --no-entry -sFILESYSTEM=0 -sASSERTIONS=0 \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=4MB -sMAXIMUM_MEMORY=2GB -sTOTAL_STACK=1MB \
  -sEXPORTED_FUNCTIONS=_malloc,_free,_jxl_jpeg_reconstruct,_jxl_jpeg_data,_jxl_jpeg_size,_jxl_jpeg_width,_jxl_jpeg_height,_jxl_jpeg_release)

sum="$(sha256sum "$WORK/jxl-jpeg.wasm" | cut -d' ' -f1)"
size="$(stat -c %s "$WORK/jxl-jpeg.wasm")"
if [ "$CHECK" = 1 ]; then
  committed="$(cut -d' ' -f1 "$VENDOR/jxl-jpeg.wasm.sha256")"
  echo "built: $sum ($size bytes); committed: $committed"
  [ "$sum" = "$committed" ] && cmp "$WORK/jxl-jpeg.wasm" "$VENDOR/jxl-jpeg.wasm" && echo "identical"
  exit $?
fi
cp "$WORK/jxl-jpeg.wasm" "$VENDOR/jxl-jpeg.wasm"
chmod 644 "$VENDOR/jxl-jpeg.wasm"
# The licences of what is compiled in (libjxl: BSD-3-Clause and its patent grant; Highway:
# Apache-2.0; Brotli: MIT), shipped with the binary.
cp "$JXL/LICENSE" "$VENDOR/LICENSE.libjxl"
cp "$JXL/PATENTS" "$VENDOR/PATENTS.libjxl"
cp "$HWY/LICENSE" "$VENDOR/LICENSE.highway"
cp "$BROTLI/LICENSE" "$VENDOR/LICENSE.brotli"
echo "$sum  jxl-jpeg.wasm" >"$VENDOR/jxl-jpeg.wasm.sha256"
echo "vendor/libjxl-jpeg/jxl-jpeg.wasm: $size bytes, sha256 $sum, built in $(($(date +%s) - started)) s"
