// Browser / worker loader (package.json "imports" #load, default condition):
// the ES-module build, instantiated asynchronously. Bundlers see a static
// import of a single self-contained file (the wasm binary is inlined).
import type { EquigraphWasmFactory, EquigraphWasmModule } from './module.js';

export function loadSync(): EquigraphWasmModule {
  throw new Error("synchronous instantiation is not available here; call `await initWasm()` from '@equigraph/wasm' before using the wasm backend");
}

export async function loadAsync(): Promise<EquigraphWasmModule> {
  // @ts-ignore -- build output of native/wasm/build.sh, untyped (and absent before the first build)
  const imported = (await import('../dist-wasm/equigraph-wasm.mjs')) as { default: EquigraphWasmFactory };
  const mod = await (imported.default({}) as Promise<EquigraphWasmModule>);
  return mod;
}
