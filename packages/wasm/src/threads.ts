/**
 * The threaded builds of native/wasm/build.sh (Node): the kernels' parallel_for
 * runs on emscripten pthreads, i.e. worker threads over one shared
 * WebAssembly.Memory, as the N-API build runs it on std::threads.
 */

/** Environment variable: '0' / 'off' loads an unthreaded build; unset, 'auto' or '1' the threaded one where it loads. */
export const WASM_THREADS_ENV = 'EQUIGRAPH_WASM_THREADS';

/** What the environment asks for: false (no threads), true (threads required) or undefined (automatic). */
export function requestedThreads(): boolean | undefined {
  const raw = typeof process !== 'undefined' ? process.env?.[WASM_THREADS_ENV] : undefined;
  const value = raw?.trim().toLowerCase();
  if (!value || value === 'auto') return undefined;
  if (value === '0' || value === 'off' || value === 'false') return false;
  if (value === '1' || value === 'on' || value === 'true') return true;
  throw new Error(`${WASM_THREADS_ENV}=${raw} is not one of auto, 1, 0`);
}

/** The heap views the bindings read (EquigraphWasmModule). */
const VIEWS = ['HEAPU8', 'HEAP32', 'HEAPF32', 'HEAPF64'] as const;
type ViewName = (typeof VIEWS)[number];

interface PThreadRuntime {
  loadWasmModuleToWorker(worker: { unref?(): void }): unknown;
}

/**
 * Makes a freshly instantiated threaded module safe to use from TypeScript:
 *
 * - Heap views. Any thread may grow the shared memory, and emscripten renews
 *   Module.HEAP* only on the thread that grew it; a stale view is shorter
 *   than the heap, and `subarray` past its end silently clamps. So the views
 *   become getters that rebuild themselves whenever the buffer changed.
 * - Process exit. A pthread is a worker thread that keeps Node alive; the
 *   pool's workers are unref'ed once emscripten has set them up (its
 *   'message' listener refs a worker again), so a script ends when its own
 *   work does.
 */
export function adoptThreadedModule(mod: Record<string, unknown>): void {
  const memory = mod.wasmMemory as { readonly buffer: ArrayBufferLike } | undefined;
  const pthread = mod.PThread as PThreadRuntime | undefined;
  if (!memory || !pthread || typeof pthread.loadWasmModuleToWorker !== 'function') {
    throw new Error('threaded wasm build: the module exposes no wasmMemory/PThread (was it linked with -pthread?)');
  }
  let buffer: ArrayBufferLike | undefined;
  let views: Record<ViewName, ArrayBufferView> | undefined;
  const current = () => {
    const b = memory.buffer;
    if (b !== buffer || !views) {
      buffer = b;
      views = { HEAPU8: new Uint8Array(b), HEAP32: new Int32Array(b), HEAPF32: new Float32Array(b), HEAPF64: new Float64Array(b) };
    }
    return views;
  };
  for (const name of VIEWS) {
    // The setter swallows emscripten's own assignments (it keeps private copies).
    Object.defineProperty(mod, name, { get: () => current()[name], set: () => {}, enumerable: true, configurable: true });
  }
  const load = pthread.loadWasmModuleToWorker.bind(pthread);
  pthread.loadWasmModuleToWorker = (worker) => {
    const result = load(worker);
    worker.unref?.();
    return result;
  };
}
