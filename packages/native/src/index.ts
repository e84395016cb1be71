import { registerHostBackend } from '@equigraph/core';
import { createCpuPrimitives } from './cpu-primitives.js';

export { createCpuPrimitives, getNumThreads, setNumThreads, type NativeShPrimitives } from './cpu-primitives.js';
export { ADDON_ENV, addonCandidates, loadAddon, type NativeAddon } from './addon.js';

/** Priority of backend 'cpu': above wasm (200) and reference (100), below cuda (400). */
export const CPU_PRIORITY = 300;

registerHostBackend('cpu', createCpuPrimitives, CPU_PRIORITY);
