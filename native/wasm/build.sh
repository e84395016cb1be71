#!/usr/bin/env bash
# Builds the WebAssembly binding of the equigraph C++ kernels.
#
# One kernel source, two bindings: this compiles native/src/*.cpp exactly as
# the N-API binding does (only -DEG_NO_THREADS differs) and links them into
# emscripten modules under packages/wasm/dist-wasm/:
#   equigraph-wasm.cjs   CommonJS, SINGLE_FILE, synchronous instantiation
#                        (node, web worker; what the Node loader require()s)
#   equigraph-wasm.mjs   ES module, SINGLE_FILE, asynchronous instantiation,
#                        web/worker only (for browser bundlers via initWasm())
# each twice: SIMD128 (equigraph-wasm.*) and with relaxed SIMD
# (equigraph-wasm-relaxed.*: eg::madd in simd.h becomes relaxed madd, an FMA
# where the CPU has one); the loaders pick the relaxed build where the engine
# validates it. relaxed-opcodes.mjs moves clang 14's pre-standard relaxed
# opcodes to their final encoding after the link.
#
# Environment:
#   EG_WASM_SRC   directory of kernel sources (default: native/src)
#   EG_WASM_OUT   output directory (default: packages/wasm/dist-wasm)
#   EM_CACHE      emscripten cache; when unset and the default cache is not
#                 writable, the default one is used read-only (EM_FROZEN_CACHE)
#   EMXX          compiler (default: em++)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
src="${EG_WASM_SRC:-$root/native/src}"
out="${EG_WASM_OUT:-$root/packages/wasm/dist-wasm}"
obj="$out/obj"
emxx="${EMXX:-em++}"

if ! command -v "$emxx" >/dev/null 2>&1; then
  echo "build.sh: '$emxx' not found; install emscripten (Debian: apt-get install emscripten) or set EMXX" >&2
  exit 1
fi

# Debian's emscripten 3.1.6 runs acorn-based JS passes at -O2 and up.
if [ -d /usr/share/nodejs ]; then
  export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
fi

# The emscripten cache must be writable unless frozen.
if [ -z "${EM_CACHE:-}" ]; then
  default_cache="$(em-config CACHE 2>/dev/null || true)"
  if [ -d "$default_cache" ] && [ ! -w "$default_cache" ]; then
    export EM_FROZEN_CACHE=1
  fi
fi

shopt -s nullglob
sources=("$src"/*.cpp "$here"/*.cpp)
shopt -u nullglob
if [ "${#sources[@]}" -eq 0 ]; then
  echo "build.sh: no C++ sources in $src" >&2
  exit 1
fi

rm -rf "$obj"
mkdir -p "$obj/simd128" "$obj/relaxed"
cxxflags=(-std=c++17 -O3 -msimd128 -DEG_NO_THREADS -DNDEBUG -I"$root/native/include" -I"$src")

# Compile every source for both variants (in parallel, one job per core),
# then link each variant twice from its objects.
jobs="$(nproc 2>/dev/null || echo 2)"
objects_simd128=()
objects_relaxed=()
pids=()
for variant in simd128 relaxed; do
  extra=()
  [ "$variant" = relaxed ] && extra=(-mrelaxed-simd)
  for f in "${sources[@]}"; do
    base="$(basename "$f" .cpp)"
    [ "$(dirname "$f")" = "$here" ] && base="glue_$base"
    o="$obj/$variant/$base.o"
    if [ "$variant" = relaxed ]; then objects_relaxed+=("$o"); else objects_simd128+=("$o"); fi
    "$emxx" "${cxxflags[@]}" "${extra[@]}" -c "$f" -o "$o" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$jobs" ]; then
      wait "${pids[0]}"
      pids=("${pids[@]:1}")
    fi
  done
done
for p in "${pids[@]}"; do wait "$p"; done

# Every eg_* function declared in the C ABI headers is exported, so adding a
# kernel to native/include needs no change here.
mapfile -t abi < <(grep -hoE '\beg_[a-z0-9_]+[[:space:]]*\(' "$root"/native/include/*.h | tr -d ' (' | sort -u)
fns=("${abi[@]}" malloc free)
exported="$(printf '"_%s",' "${fns[@]}")"
exported="[${exported%,}]"
runtime='["HEAPU8","HEAP32","HEAPF32","HEAPF64","UTF8ToString"]'

ldflags=(-O3 -msimd128
  -sMODULARIZE=1 -sEXPORT_NAME=createEquigraphWasm -sSINGLE_FILE=1
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sINITIAL_MEMORY=16MB
  -sWASM_BIGINT=1 -sFILESYSTEM=0 -sASSERTIONS=0 -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0
  "-sEXPORTED_FUNCTIONS=$exported" "-sEXPORTED_RUNTIME_METHODS=$runtime")

link() {  # link OBJECTS... -- OUTPUT_STEM EXTRA_FLAGS...
  local objs=()
  while [ "$1" != -- ]; do objs+=("$1"); shift; done
  shift
  local stem="$1"
  shift
  "$emxx" "${objs[@]}" "${ldflags[@]}" "$@" -sENVIRONMENT=node,web,worker \
    -sWASM_ASYNC_COMPILATION=0 -o "$stem.cjs"
  "$emxx" "${objs[@]}" "${ldflags[@]}" "$@" -sENVIRONMENT=web,worker \
    -sEXPORT_ES6=1 -o "$stem.mjs"
}
link "${objects_simd128[@]}" -- "$out/equigraph-wasm"
link "${objects_relaxed[@]}" -- "$out/equigraph-wasm-relaxed" -mrelaxed-simd
node "$here/relaxed-opcodes.mjs" "$out/equigraph-wasm-relaxed.cjs" "$out/equigraph-wasm-relaxed.mjs"

echo "build.sh: wrote equigraph-wasm{,-relaxed}.{cjs,mjs} in $out (${#sources[@]} sources)"
