// Browser / worker loader (package.json "imports" #load, default condition):
// an ES-module build, instantiated asynchronously. Bundlers see static
// imports of single self-contained files (the wasm binary is inlined).
import type { EquigraphWasmFactory, EquigraphWasmModule, LoadedWasm } from './module.js';
import { WASM_SIMD_ENV, relaxedSimdValidates, requestedSimd, type WasmSimd } from './simd.js';

export function loadBuildSync(_simd: WasmSimd, _threads = false): EquigraphWasmModule {
  throw new Error("synchronous instantiation is not available here; call `await initWasm()` from '@equigraph/wasm' before using the wasm backend");
}

export function loadSync(): LoadedWasm {
  return { module: loadBuildSync('simd128'), simd: 'simd128', threads: false, why: '' };
}

/** The relaxed-SIMD build where the engine validates relaxed SIMD (Chrome 114+), else the SIMD128 one; unthreaded (the threaded builds are Node-only for now). */
export async function loadAsync(): Promise<LoadedWasm> {
  const requested = requestedSimd();
  const relaxed = requested ? requested === 'relaxed-simd' : relaxedSimdValidates();
  if (requested === 'relaxed-simd' && !relaxedSimdValidates()) throw new Error('this engine does not validate relaxed SIMD');
  const why = requested ? `${WASM_SIMD_ENV} asks for it` : relaxed ? 'relaxed SIMD validates' : 'this engine does not validate relaxed SIMD';
  // @ts-ignore -- build outputs of native/wasm/build.sh, untyped (and absent before the first build)
  const imported = (await (relaxed ? import('../dist-wasm/equigraph-wasm-relaxed.mjs') : import('../dist-wasm/equigraph-wasm.mjs'))) as { default: EquigraphWasmFactory };
  const mod = await (imported.default({}) as Promise<EquigraphWasmModule>);
  return { module: mod, simd: relaxed ? 'relaxed-simd' : 'simd128', threads: false, why };
}
