// Browser / worker loader (package.json "imports" #load, default condition):
// an ES-module build, instantiated asynchronously. Bundlers see static
// imports of single self-contained files (the wasm binary is inlined).
// Cross-origin-isolated pages (SharedArrayBuffer available) get the threaded
// build instead: a classic script plus its pthread worker script, fetched by
// URL (bundlers copy `new URL(…, import.meta.url)` assets).
import type { EquigraphWasmFactory, EquigraphWasmModule, LoadedWasm } from './module.js';
import { WASM_SIMD_ENV, buildStem, relaxedSimdValidates, requestedSimd, type WasmSimd } from './simd.js';
import { WASM_THREADS_ENV, adoptThreadedModule, requestedThreads } from './threads.js';

export function loadBuildSync(_simd: WasmSimd, _threads = false): EquigraphWasmModule {
  throw new Error("synchronous instantiation is not available here; call `await initWasm()` from '@equigraph/wasm' before using the wasm backend");
}

export function loadSync(): LoadedWasm {
  return { module: loadBuildSync('simd128'), simd: 'simd128', threads: false, why: '' };
}

interface PThreadWorkers {
  runningWorkers: { loaded?: boolean }[];
}

/** Milliseconds initWasm() waits for the pthread workers to boot before it resolves anyway. */
const WORKER_BOOT_MS = 10_000;

/**
 * The threaded build for the web (`<stem>-web.js` + `.worker.js`): the
 * classic script is fetched and evaluated to get its factory, and handed to
 * the workers as a Blob (they importScripts it). Resolves once the workers
 * have loaded, so kernels run threaded from the first call.
 */
async function loadThreaded(simd: WasmSimd): Promise<EquigraphWasmModule> {
  const stem = `${buildStem(simd, true)}-web`;
  const script = new URL(`../dist-wasm/${stem}.js`, import.meta.url);
  const worker = new URL(`../dist-wasm/${stem}.worker.js`, import.meta.url);
  const response = await fetch(script);
  if (!response.ok) throw new Error(`${script.href}: HTTP ${response.status}`);
  const source = await response.text();
  const factory = new Function(`${source}\nreturn createEquigraphWasm;`)() as EquigraphWasmFactory;
  const mod = (await factory({
    mainScriptUrlOrBlob: new Blob([source], { type: 'text/javascript' }),
    locateFile: (path: string) => (path.endsWith('.worker.js') ? worker.href : path),
  })) as Record<string, unknown>;
  adoptThreadedModule(mod);
  const loaded = mod as unknown as EquigraphWasmModule;
  loaded._eg_start_threads();
  const workers = (mod.PThread as PThreadWorkers).runningWorkers;
  const until = Date.now() + WORKER_BOOT_MS;
  while (workers.some((w) => !w.loaded) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
  return loaded;
}

/**
 * The relaxed-SIMD build where the engine validates relaxed SIMD (Chrome 114+),
 * else the SIMD128 one; threaded where the page is cross-origin isolated
 * (COOP/COEP headers), unless ${WASM_THREADS_ENV} says no.
 */
export async function loadAsync(): Promise<LoadedWasm> {
  const requested = requestedSimd();
  const relaxed = requested ? requested === 'relaxed-simd' : relaxedSimdValidates();
  if (requested === 'relaxed-simd' && !relaxedSimdValidates()) throw new Error('this engine does not validate relaxed SIMD');
  const simd: WasmSimd = relaxed ? 'relaxed-simd' : 'simd128';
  let why = requested ? `${WASM_SIMD_ENV} asks for it` : relaxed ? 'relaxed SIMD validates' : 'this engine does not validate relaxed SIMD';
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (requestedThreads() !== false) {
    if (!isolated) why += '; unthreaded: the page is not cross-origin isolated (no SharedArrayBuffer)';
    else {
      try {
        return { module: await loadThreaded(simd), simd, threads: true, why };
      } catch (err) {
        why += `; unthreaded: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }
  // @ts-ignore -- build outputs of native/wasm/build.sh, untyped (and absent before the first build)
  const imported = (await (relaxed ? import('../dist-wasm/equigraph-wasm-relaxed.mjs') : import('../dist-wasm/equigraph-wasm.mjs'))) as { default: EquigraphWasmFactory };
  const mod = await (imported.default({}) as Promise<EquigraphWasmModule>);
  return { module: mod, simd, threads: false, why };
}
