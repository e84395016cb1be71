import type { Backend } from '../backend.js';
import { findBackend } from '../registry.js';

/** The package whose import registers each host backend ('reference' is registered by core itself). */
const BACKEND_PACKAGES: Readonly<Record<string, string>> = {
  cpu: '@equigraph/native',
  wasm: '@equigraph/wasm',
};

/**
 * Why backend `name` does not load here, or undefined when it does: imports the package that
 * registers it, looks it up, then runs `probe` (which may return or throw a reason, e.g. when a
 * stale binary lacks a kernel).
 */
export async function backendMissing(name: string, probe?: (backend: Backend) => string | undefined): Promise<string | undefined> {
  try {
    const pkg = BACKEND_PACKAGES[name];
    if (pkg !== undefined) await import(pkg);
    const backend = findBackend(name);
    return probe?.(backend);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** `[name, why it does not load or undefined]` for each backend name, in order (see `backendMissing`). */
export async function availableBackends(names: readonly string[], probe?: (backend: Backend) => string | undefined): Promise<Array<[string, string | undefined]>> {
  const out: Array<[string, string | undefined]> = [];
  for (const name of names) out.push([name, await backendMissing(name, probe)]);
  return out;
}
