// Node loader (package.json "imports" #load, condition "node"): require()s a
// single-file CommonJS build, which compiles and instantiates synchronously
// (-sWASM_ASYNC_COMPILATION=0), so backend factories can stay synchronous.
// The threaded build is preferred: its worker threads boot in the background
// from load on, and until they are up kernels simply run on the calling thread.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { EquigraphWasmFactory, EquigraphWasmModule, LoadedWasm } from './module.js';
import { WASM_SIMD_ENV, buildStem, relaxedSimdValidates, requestedSimd, type WasmSimd } from './simd.js';
import { WASM_THREADS_ENV, adoptThreadedModule, requestedThreads } from './threads.js';

/** Where build.sh writes the modules; src/ and dist/ both sit one level below the package root. */
const buildPath = (simd: WasmSimd, threads: boolean) => fileURLToPath(new URL(`../dist-wasm/${buildStem(simd, threads)}.cjs`, import.meta.url));

/**
 * Whether relaxed SIMD validates here. Node 20 (V8 11.3) has it behind
 * --experimental-wasm-relaxed-simd, which V8 reads when it compiles a module,
 * so the flag is set at run time when the plain check fails.
 */
function relaxedSimdAvailable(): boolean {
  if (relaxedSimdValidates()) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimdValidates();
}

/** Loads one build, synchronously. */
export function loadBuildSync(simd: WasmSimd, threads = false): EquigraphWasmModule {
  const path = buildPath(simd, threads);
  // A threaded build starts its workers from the .worker.cjs beside it.
  for (const file of threads ? [path, path.replace(/\.cjs$/, '.worker.cjs')] : [path]) {
    if (!existsSync(file)) throw new Error(`${file} is missing; build it with 'npm run build:wasm -w @equigraph/wasm' (needs emscripten's em++)`);
  }
  if (simd === 'relaxed-simd' && !relaxedSimdAvailable()) {
    throw new Error(`this Node (${process.version}) does not validate relaxed SIMD; use the SIMD128 build (${WASM_SIMD_ENV}=baseline)`);
  }
  const require = createRequire(import.meta.url);
  const factory = require(path) as EquigraphWasmFactory;
  // MODULARIZE fills the object passed in; with synchronous compilation it is
  // complete (exports, heap views) when the factory returns.
  const mod: Record<string, unknown> = {};
  factory(mod);
  if (typeof mod._eg_unary !== 'function' || !(mod.HEAPU8 instanceof Uint8Array)) {
    throw new Error(`${path} did not instantiate synchronously (was it built with -sWASM_ASYNC_COMPILATION=0?)`);
  }
  const loaded = mod as unknown as EquigraphWasmModule;
  if (threads) {
    adoptThreadedModule(mod);
    loaded._eg_start_threads(); // they boot while the caller goes on
  }
  return loaded;
}

/** Which SIMD variant to load, and why. */
function chooseSimd(): { simd: WasmSimd; why: string } {
  const requested = requestedSimd();
  if (requested) return { simd: requested, why: `${WASM_SIMD_ENV}=${process.env[WASM_SIMD_ENV]}` };
  if (!existsSync(buildPath('relaxed-simd', false))) return { simd: 'simd128', why: 'the relaxed-SIMD build is missing' };
  if (!relaxedSimdAvailable()) return { simd: 'simd128', why: `Node ${process.version} does not validate relaxed SIMD` };
  return { simd: 'relaxed-simd', why: 'relaxed SIMD validates' };
}

/**
 * The relaxed-SIMD build where Node validates it and it is built, else the
 * SIMD128 one ($EQUIGRAPH_WASM_SIMD overrides); threaded unless
 * $EQUIGRAPH_WASM_THREADS=0 or the threaded build does not load.
 */
export function loadSync(): LoadedWasm {
  const { simd, why } = chooseSimd();
  const threads = requestedThreads();
  if (threads === false) return { module: loadBuildSync(simd), simd, threads: false, why: `${why}; ${WASM_THREADS_ENV}=${process.env[WASM_THREADS_ENV]}` };
  try {
    return { module: loadBuildSync(simd, true), simd, threads: true, why };
  } catch (err) {
    if (threads) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    return { module: loadBuildSync(simd), simd, threads: false, why: `${why}; unthreaded: ${reason}` };
  }
}

export async function loadAsync(): Promise<LoadedWasm> {
  return loadSync();
}
