// Node loader (package.json "imports" #load, condition "node"): require()s a
// single-file CommonJS build, which compiles and instantiates synchronously
// (-sWASM_ASYNC_COMPILATION=0), so backend factories can stay synchronous.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { EquigraphWasmFactory, EquigraphWasmModule, LoadedWasm } from './module.js';
import { BUILD_STEM, WASM_SIMD_ENV, relaxedSimdValidates, requestedSimd, type WasmSimd } from './simd.js';

/** Where build.sh writes the modules; src/ and dist/ both sit one level below the package root. */
const buildPath = (simd: WasmSimd) => fileURLToPath(new URL(`../dist-wasm/${BUILD_STEM[simd]}.cjs`, import.meta.url));

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
export function loadBuildSync(simd: WasmSimd): EquigraphWasmModule {
  const path = buildPath(simd);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing; build it with 'npm run build:wasm -w @equigraph/wasm' (needs emscripten's em++)`);
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
  return mod as unknown as EquigraphWasmModule;
}

/** The relaxed-SIMD build where Node validates it and it is built, else the SIMD128 one ($EQUIGRAPH_WASM_SIMD overrides). */
export function loadSync(): LoadedWasm {
  const requested = requestedSimd();
  if (requested) return { module: loadBuildSync(requested), simd: requested, why: `${WASM_SIMD_ENV}=${process.env[WASM_SIMD_ENV]}` };
  let why: string;
  if (!existsSync(buildPath('relaxed-simd'))) why = 'the relaxed-SIMD build is missing';
  else if (!relaxedSimdAvailable()) why = `Node ${process.version} does not validate relaxed SIMD`;
  else return { module: loadBuildSync('relaxed-simd'), simd: 'relaxed-simd', why: 'relaxed SIMD validates' };
  return { module: loadBuildSync('simd128'), simd: 'simd128', why };
}

export async function loadAsync(): Promise<LoadedWasm> {
  return loadSync();
}
