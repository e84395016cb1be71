import { backendReport, getBackend, registeredBackends, setBackend, type Backend } from '@equigraph/core';
import { UserError } from './errors.js';

/** Why an installed backend package could not be imported (package → reason). */
const importFailures = new Map<string, string>();
let loaded = false;

/** Imports every backend package that is installed; each registers itself and the registry skips (and reports) those that cannot load. */
export async function loadBackends(): Promise<Map<string, string>> {
  if (loaded) return importFailures;
  loaded = true;
  for (const pkg of ['@equigraph/native', '@equigraph/wasm']) {
    try {
      await import(pkg);
    } catch (err) {
      importFailures.set(pkg, err instanceof Error ? err.message : String(err));
    }
  }
  return importFailures;
}

/** Loads the backends and selects `name` (or the best that loads); a backend that cannot load is a user error naming the reason. */
export async function selectBackend(name?: string | null, threads?: number | null): Promise<Backend> {
  await loadBackends();
  let backend: Backend;
  try {
    backend = name ? setBackend(name) : getBackend();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UserError(`${msg}${/not registered/.test(msg) ? '' : ` (registered: ${registeredBackends().join(', ')})`}`);
  }
  if (threads && backend.name === 'cpu') (await import('@equigraph/native')).setNumThreads(threads);
  if (threads && backend.name === 'wasm') (await import('@equigraph/wasm')).setWasmThreads(threads);
  return backend;
}

/** "backend: cpu" plus one line per skipped backend with its reason. */
export function backendLines(): string[] {
  const lines = [`backend: ${getBackend().name}`];
  for (const s of backendReport()) if (s.state === 'skipped') lines.push(`  skipped ${s.name}: ${s.reason}`);
  return lines;
}
