import type { Backend } from './backend.js';

/** Creates a backend; throwing (or rejecting) means "not available here", with the reason kept. */
export type BackendFactory = () => Backend;

interface Registration {
  factory: BackendFactory;
  priority: number;
}

export interface BackendStatus {
  name: string;
  priority: number;
  /** 'active': in use; 'available': loaded fine; 'skipped': failed to load; 'untried': not loaded yet. */
  state: 'active' | 'available' | 'skipped' | 'untried';
  reason?: string;
}

/** The environment variable that forces a backend by name. */
export const BACKEND_ENV = 'EQUIGRAPH_BACKEND';

const registrations = new Map<string, Registration>();
const instances = new Map<string, Backend>();
const failures = new Map<string, string>();
let active: Backend | undefined;

/**
 * Registers a backend. Higher priority wins when no backend is forced:
 * cuda (400) → cpu (300) → wasm (200) → reference (100).
 */
export function registerBackend(name: string, factory: BackendFactory, priority: number): void {
  registrations.set(name, { factory, priority });
  instances.delete(name);
  failures.delete(name);
  if (active?.name === name) active = undefined;
}

export function registeredBackends(): string[] {
  return [...registrations.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([name]) => name);
}

function tryInstantiate(name: string): Backend | undefined {
  const existing = instances.get(name);
  if (existing) return existing;
  if (failures.has(name)) return undefined;
  const reg = registrations.get(name);
  if (!reg) return undefined;
  try {
    const backend = reg.factory();
    instances.set(name, backend);
    return backend;
  } catch (err) {
    failures.set(name, err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

/** Returns the backend object registered under `name`, loading it if needed; throws with the reason if it cannot load. */
export function findBackend(name: string): Backend {
  if (!registrations.has(name)) {
    throw new Error(`backend '${name}' is not registered (registered: ${registeredBackends().join(', ') || 'none'}); import its package, e.g. '@equigraph/native' or '@equigraph/wasm'`);
  }
  const backend = tryInstantiate(name);
  if (!backend) throw new Error(`backend '${name}' failed to load: ${failures.get(name)}`);
  return backend;
}

/** Forces a backend by name; a backend that cannot load is an error, never a silent fallback. */
export function setBackend(name: string): Backend {
  active = findBackend(name);
  return active;
}

/** The backend in use: the forced one, else $EQUIGRAPH_BACKEND, else the highest-priority one that loads. */
export function getBackend(): Backend {
  if (active) return active;
  const forced = typeof process !== 'undefined' ? process.env?.[BACKEND_ENV] : undefined;
  if (forced) return setBackend(forced);
  for (const name of registeredBackends()) {
    const backend = tryInstantiate(name);
    if (backend) {
      active = backend;
      return backend;
    }
  }
  throw new Error('no backend could be loaded: ' + JSON.stringify(backendReport()));
}

/** Every registered backend, best first, with whether it is active, loaded or skipped and why. */
export function backendReport(): BackendStatus[] {
  const current = getActiveName();
  return registeredBackends().map((name) => {
    const priority = registrations.get(name)!.priority;
    if (name === current) return { name, priority, state: 'active' };
    if (instances.has(name)) return { name, priority, state: 'available' };
    if (failures.has(name)) return { name, priority, state: 'skipped', reason: failures.get(name) };
    return { name, priority, state: 'untried' };
  });
}

function getActiveName(): string | undefined {
  if (active) return active.name;
  try {
    return getBackend().name;
  } catch {
    return undefined;
  }
}
