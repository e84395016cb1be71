/**
 * @equigraph/wasm — the WebAssembly build of the equigraph C++ kernels as the
 * host backend 'wasm' (priority 200: below the native 'cpu' addon, above the
 * pure-TypeScript reference). Importing this module registers it.
 *
 * In Node the module instantiates synchronously on first use. In browsers
 * call `await initWasm()` once before selecting the backend. Where the engine
 * validates relaxed SIMD the relaxed-SIMD build is used (FMA), else the
 * SIMD128 one; `wasmBuild()` says which, $EQUIGRAPH_WASM_SIMD=baseline forces
 * SIMD128. Node 20 validates it once the loader has set V8's
 * --experimental-wasm-relaxed-simd (for the whole process). In Node the
 * threaded build runs kernels on worker threads (`setWasmThreads`,
 * $EQUIGRAPH_WASM_THREADS=0 for none); so do cross-origin-isolated pages
 * (COOP/COEP headers), other pages an unthreaded build.
 */
import { registerHostBackend } from '@equigraph/core';
import { createWasmPrimitives } from './wasm-primitives.js';

export { WasmPrimitives, createWasmPrimitives } from './wasm-primitives.js';
export { createWasmTpPrimitives, type WasmTpDescriptor, type WasmTpPrimitives } from './tensor-product.js';
export { wasmRadiusGraph, type WasmRadiusGraphResult } from './neighbors.js';
export { getWasmModule, getWasmThreads, initWasm, isWasmLoaded, loadWasmBuild, setWasmThreads, wasmBuild, type EquigraphWasmModule } from './module.js';
export { WASM_SIMD_ENV, type WasmSimd } from './simd.js';
export { WASM_THREADS_ENV } from './threads.js';

/** The priority the 'wasm' backend registers with. */
export const WASM_PRIORITY = 200;

// createWasmPrimitives includes the segmented tensor product, one more structural primitive.
registerHostBackend('wasm', () => createWasmPrimitives(), WASM_PRIORITY);
