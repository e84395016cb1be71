import { registerHostBackend } from '@equigraph/core';
import { createCpuPrimitives } from './cpu-primitives.js';
import { registerCudaBackend } from './cuda-backend.js';

export { createCpuPrimitives, getNumThreads, setNumThreads, type NativeShPrimitives } from './cpu-primitives.js';
export { ADDON_ENV, addonCandidates, loadAddon, type NativeAddon } from './addon.js';
export { CUDA_KERNEL_NAMES, CUDA_PRIORITY, CudaBackend, NO_CUDA_BUILD_REASON, createCudaBackend, registerCudaBackend, registerCudaKernels } from './cuda-backend.js';
export { DTYPE_CODES, type CudaAddon, type CudaBuffer, type CudaProbe } from './cuda-addon.js';

/** Priority of backend 'cpu': above wasm (200) and reference (100), below cuda (400). */
export const CPU_PRIORITY = 300;

registerHostBackend('cpu', createCpuPrimitives, CPU_PRIORITY);

// GPU tensors; skipped with the reason when the addon has no CUDA or there is no device.
registerCudaBackend();
