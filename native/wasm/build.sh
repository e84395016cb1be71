#!/usr/bin/env bash
# Builds the WebAssembly binding of the equigraph C++ kernels.
#
# One kernel source, two bindings: this compiles native/src/*.cpp exactly as
# the N-API binding does (only -DEG_NO_THREADS differs, for the unthreaded
# builds) and links them into
# emscripten modules under packages/wasm/dist-wasm/:
#   equigraph-wasm.cjs   CommonJS, SINGLE_FILE, synchronous instantiation
#                        (node, web worker; what the Node loader require()s)
#   equigraph-wasm.mjs   ES module, SINGLE_FILE, asynchronous instantiation,
#                        web/worker only (for browser bundlers via initWasm())
#   equigraph-wasm-threads.cjs (+ .worker.cjs)
#                        CommonJS for Node with pthreads: parallel_for runs on
#                        a pool of worker threads over shared memory, as the
#                        N-API build does on std::threads
#   equigraph-wasm-threads-web.js (+ .worker.js)
#                        the same for cross-origin-isolated web pages (a
#                        classic script, fetched and evaluated by load-web.ts)
# each twice: SIMD128 (equigraph-wasm*) and with relaxed SIMD
# (equigraph-wasm-relaxed*: eg::madd in simd.h becomes relaxed madd, an FMA
# where the CPU has one); the loaders pick the relaxed build where the engine
# validates it, and the threaded one in Node. relaxed-opcodes.mjs moves clang
# 14's pre-standard relaxed opcodes to their final encoding after the link.
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
variants=(simd128 relaxed simd128-threads relaxed-threads)
for v in "${variants[@]}"; do mkdir -p "$obj/$v"; done
cxxflags=(-std=c++17 -O3 -msimd128 -DNDEBUG -I"$root/native/include" -I"$src")

variant_flags() {  # the compile flags a variant adds
  case "$1" in
    *-threads) printf '%s\n' -pthread ;;
    *) printf '%s\n' -DEG_NO_THREADS ;;
  esac
  case "$1" in relaxed*) printf '%s\n' -mrelaxed-simd ;; esac
}

# Compile every source for every variant (in parallel, one job per core),
# then link each variant from its objects.
jobs="$(nproc 2>/dev/null || echo 2)"
pids=()
for variant in "${variants[@]}"; do
  mapfile -t extra < <(variant_flags "$variant")
  for f in "${sources[@]}"; do
    base="$(basename "$f" .cpp)"
    [ "$(dirname "$f")" = "$here" ] && base="glue_$base"
    "$emxx" "${cxxflags[@]}" "${extra[@]}" -c "$f" -o "$obj/$variant/$base.o" &
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
runtime='["HEAPU8","HEAP32","HEAPF32","HEAPF64","UTF8ToString","wasmMemory"]'
export_name=createEquigraphWasm

ldflags=(-O3 -msimd128
  -sMODULARIZE=1 -sEXPORT_NAME=$export_name -sSINGLE_FILE=1
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sINITIAL_MEMORY=16MB
  -sWASM_BIGINT=1 -sFILESYSTEM=0 -sASSERTIONS=0 -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0
  "-sEXPORTED_FUNCTIONS=$exported" "-sEXPORTED_RUNTIME_METHODS=$runtime")

link() {  # link VARIANT OUTPUT_STEM
  local variant="$1" stem="$2"
  local objs=("$obj/$variant"/*.o)
  mapfile -t extra < <(variant_flags "$variant")
  if [[ "$variant" == *-threads ]]; then
    # Node only; workers boot in the background once the thread pool grows
    # (eg_start_threads) and join jobs when up (parallel_for never waits for
    # an absent worker), so instantiation stays synchronous. emscripten
    # 3.1.6's worker.js expects an asynchronous factory: it gets the synchronous one.
    "$emxx" "${objs[@]}" "${ldflags[@]}" "${extra[@]}" -sENVIRONMENT=node,worker \
      -sWASM_ASYNC_COMPILATION=0 -sDEFAULT_PTHREAD_STACK_SIZE=4MB -Wno-pthreads-mem-growth -o "$stem.cjs"
    local async_load="$export_name(Module).then(function(instance){Module=instance})"
    local name worker
    name="$(basename "$stem")"
    grep -qF "$async_load" "$stem.worker.js" || { echo "build.sh: $stem.worker.js: unexpected emscripten worker (no '$async_load')" >&2; exit 1; }
    grep -qF "\"$name.worker.js\"" "$stem.cjs" || { echo "build.sh: $stem.cjs does not name $name.worker.js" >&2; exit 1; }
    # The package is "type": "module": the CommonJS worker needs the .cjs extension.
    worker="$(sed "s/$export_name(Module).then(function(instance){Module=instance})/Module=$export_name(Module)/" "$stem.worker.js")"
    printf '%s\n' "$worker" > "$stem.worker.cjs"
    rm "$stem.worker.js"
    sed -i "s/\"$name.worker.js\"/\"$name.worker.cjs\"/" "$stem.cjs"
    # A new thread's 'run' message waits for the main thread to see its worker's
    # 'loaded' message, i.e. for a turn of the event loop, which synchronous
    # code never gives. The worker instantiates synchronously on 'load', so
    # 'run' can be posted right behind it: threads start while the caller computes.
    local deferred_run='if(worker.loaded){worker.runPthread();delete worker.runPthread}return 0}'
    grep -qF "$deferred_run" "$stem.cjs" || { echo "build.sh: $stem.cjs: unexpected emscripten spawnThread (no '$deferred_run')" >&2; exit 1; }
    sed -i 's/if(worker.loaded){worker.runPthread();delete worker.runPthread}return 0}/worker.runPthread();delete worker.runPthread;return 0}/' "$stem.cjs"
    # Browsers (cross-origin-isolated pages): a classic script and its worker,
    # instantiated asynchronously; load-web.ts waits for the workers to load.
    "$emxx" "${objs[@]}" "${ldflags[@]}" "${extra[@]}" -sENVIRONMENT=web,worker \
      -sDEFAULT_PTHREAD_STACK_SIZE=4MB -Wno-pthreads-mem-growth -o "$stem-web.js"
    return
  fi
  "$emxx" "${objs[@]}" "${ldflags[@]}" "${extra[@]}" -sENVIRONMENT=node,web,worker \
    -sWASM_ASYNC_COMPILATION=0 -o "$stem.cjs"
  "$emxx" "${objs[@]}" "${ldflags[@]}" "${extra[@]}" -sENVIRONMENT=web,worker \
    -sEXPORT_ES6=1 -o "$stem.mjs"
}
link simd128 "$out/equigraph-wasm"
link relaxed "$out/equigraph-wasm-relaxed"
link simd128-threads "$out/equigraph-wasm-threads"
link relaxed-threads "$out/equigraph-wasm-relaxed-threads"
node "$here/relaxed-opcodes.mjs" "$out/equigraph-wasm-relaxed.cjs" "$out/equigraph-wasm-relaxed.mjs" "$out/equigraph-wasm-relaxed-threads.cjs" "$out/equigraph-wasm-relaxed-threads-web.js"

echo "build.sh: wrote equigraph-wasm{,-relaxed}{.cjs,.mjs,-threads.cjs,-threads-web.js} in $out (${#sources[@]} sources)"
