import { loadAsync, loadBuildSync, loadSync } from '#load';
import type { WasmSimd } from './simd.js';

/**
 * The part of the emscripten module (built by native/wasm/build.sh) this
 * package uses: the eg_* C ABI (int64 arguments are BigInt: -sWASM_BIGINT),
 * malloc/free and the heap views. Pointers come back as signed i32; use
 * `>>> 0` before arithmetic (the heap may exceed 2 GiB).
 */
export interface EquigraphWasmModule {
  _eg_last_error(): number;
  _eg_set_num_threads(n: number): void;
  _eg_get_num_threads(): number;
  _eg_start_threads(): void;
  _eg_unary(op: number, dtype: number, x: number, out: number, n: bigint): number;
  _eg_unary_grad(op: number, dtype: number, x: number, y: number, dy: number, out: number, n: bigint): number;
  _eg_binary(op: number, dtype: number, a: number, aStrides: number, b: number, bStrides: number, out: number, outShape: number, ndim: number): number;
  _eg_reduce(op: number, dtype: number, x: number, out: number, outer: bigint, size: bigint, inner: bigint): number;
  _eg_transpose(dtype: number, x: number, shape: number, perm: number, ndim: number, out: number): number;
  _eg_matmul(dtype: number, a: number, b: number, out: number, batch: bigint, m: bigint, k: bigint, n: bigint, transA: number, transB: number, batchStrideA: bigint, batchStrideB: bigint): number;
  _eg_gather(dtype: number, x: number, srcRows: bigint, index: number, nIndex: bigint, out: number, rowSize: bigint): number;
  _eg_scatter(op: number, dtype: number, src: number, index: number, nIndex: bigint, out: number, numSegments: bigint, rowSize: bigint): number;
  _eg_copy_box(dtype: number, src: number, srcShape: number, srcOffset: number, dst: number, dstShape: number, dstOffset: number, boxShape: number, ndim: number): number;
  _eg_cast(srcDtype: number, src: number, dstDtype: number, dst: number, n: bigint): number;
  _eg_spherical_harmonics(dtype: number, ls: number, nLs: number, normalize: number, normalization: number, x: number, n: bigint, out: number): number;
  _eg_spherical_harmonics_backward(dtype: number, ls: number, nLs: number, normalize: number, normalization: number, x: number, n: bigint, gradOut: number, gradX: number): number;
  _eg_spherical_harmonics_double_backward(dtype: number, ls: number, nLs: number, normalize: number, normalization: number, x: number, n: bigint, gradOut: number, ggX: number, outGradX: number, outGradGradOut: number): number;
  _eg_spherical_harmonics_triple_backward(dtype: number, ls: number, nLs: number, normalize: number, normalization: number, x: number, n: bigint, gradOut: number, a: number, b: number, outGradX: number, outHess: number): number;
  _eg_segmented_tensor_product(dtype: number, segments: number, numSegments: number, paths: number, numPaths: number, coeffIndex: number, coeffValue: number, numCoeffs: number, operandSizes: number, operands: number, batchStrides: number, batch: bigint, outSlot: number, out: number): number;
  _eg_radius_graph_count(positions: number, n: bigint, cutoff: number, cells: number, nCells: bigint, pbcMask: number, batch: number, maxNeighbors: bigint, flags: number, plan: number, info: number): number;
  _eg_radius_graph_fill(plan: number, edgeIndex: number, shifts: number, vectors: number, distances: number, droppedAtoms: number, droppedFound: number): number;
  _eg_radius_graph_free(plan: number): void;
  _eg_tp_convolution(dtype: number, segments: number, numSegments: number, paths: number, numPaths: number, coeffIndex: number, coeffValue: number, numCoeffs: number, operandSizes: number, operands: number, edgeSrc: number, edgeDst: number, numEdges: bigint, numNodes: bigint, outSlot: number, out: number): number;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  /** Views of the wasm memory; the module replaces them whenever memory grows. */
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPF32: Float32Array;
  HEAPF64: Float64Array;
  UTF8ToString(ptr: number, maxBytesToRead?: number): string;
}

/** An emscripten MODULARIZE factory; the module object passed in is filled in place. */
export type EquigraphWasmFactory = (moduleArg?: Record<string, unknown>) => unknown;

/** A loaded build: the module, which variant it is (SIMD, threads) and why that one. */
export interface LoadedWasm {
  module: EquigraphWasmModule;
  simd: WasmSimd;
  threads: boolean;
  why: string;
}

let instance: EquigraphWasmModule | undefined;
let loaded: LoadedWasm | undefined;
let pending: Promise<EquigraphWasmModule> | undefined;
let lastFailure: string | undefined;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Returns the wasm module, instantiating it synchronously when the platform
 * allows (Node: the single-file CommonJS build compiles synchronously).
 * Elsewhere (browsers) `await initWasm()` must have run first; otherwise
 * this throws with the reason.
 */
export function getWasmModule(): EquigraphWasmModule {
  if (instance) return instance;
  try {
    loaded = loadSync();
    instance = loaded.module;
    lastFailure = undefined;
    return instance;
  } catch (err) {
    lastFailure = describe(err);
    throw new Error(`@equigraph/wasm: the WebAssembly module could not be loaded: ${lastFailure}`, { cause: err });
  }
}

/**
 * Loads the wasm module asynchronously (the way to go in browsers, where
 * synchronous compilation of a large module is not allowed on the main
 * thread). Resolves to the same module getWasmModule() returns afterwards.
 */
export function initWasm(): Promise<EquigraphWasmModule> {
  if (instance) return Promise.resolve(instance);
  pending ??= loadAsync().then(
    (result) => {
      loaded = result;
      instance = result.module;
      return result.module;
    },
    (err: unknown) => {
      pending = undefined;
      throw new Error(`@equigraph/wasm: the WebAssembly module could not be loaded: ${describe(err)}`, { cause: err });
    },
  );
  return pending;
}

/** Whether the module is instantiated already (no loading is attempted). */
export function isWasmLoaded(): boolean {
  return instance !== undefined;
}

/**
 * Which build the backend runs, once loaded: 'relaxed-simd' or 'simd128',
 * threaded or not, with the reason for the choice; undefined before loading.
 */
export function wasmBuild(): { simd: WasmSimd; threads: boolean; why: string } | undefined {
  return loaded && { simd: loaded.simd, threads: loaded.threads, why: loaded.why };
}

/**
 * Instantiates one build on its own, synchronously (Node only), whatever the
 * backend uses: for tests and comparisons, e.g. `new WasmPrimitives(loadWasmBuild('simd128'))`.
 */
export function loadWasmBuild(simd: WasmSimd, threads = false): EquigraphWasmModule {
  return loadBuildSync(simd, threads);
}

/**
 * Threads the wasm kernels may use (threaded build; 0 = one per core, the
 * default). Unthreaded builds always use 1. New workers boot in the
 * background (tens of ms) and join the kernels once up.
 */
export function setWasmThreads(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`setWasmThreads: n must be a non-negative integer (0 = one per core), got ${n}`);
  const mod = getWasmModule();
  mod._eg_set_num_threads(n);
  mod._eg_start_threads();
}

/** Threads the wasm kernels use now (1 for an unthreaded build). */
export function getWasmThreads(): number {
  return getWasmModule()._eg_get_num_threads();
}
