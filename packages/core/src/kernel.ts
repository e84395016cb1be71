import type { Backend } from './backend.js';
import type { DType } from './dtype.js';

/** What a kernel sees of a tensor: backend storage plus metadata, no autograd. */
export interface TensorInfo {
  readonly storage: unknown;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export type KernelAttrs = Record<string, unknown>;

/** A kernel computes one output from already-validated inputs; it knows nothing of autograd. */
export type KernelFunc = (inputs: readonly TensorInfo[], attrs: KernelAttrs, backend: Backend) => TensorInfo;

/** Kernels are keyed by (kernel, backend), as in tfjs. '*' serves every backend (metadata-only kernels like Reshape). */
const kernels = new Map<string, KernelFunc>();
const key = (kernel: string, backend: string) => `${kernel}\u0000${backend}`;

export function registerKernel(kernel: string, backend: string, func: KernelFunc): void {
  kernels.set(key(kernel, backend), func);
}

export function getKernel(kernel: string, backend: string): KernelFunc {
  const func = kernels.get(key(kernel, backend)) ?? kernels.get(key(kernel, '*'));
  if (!func) throw new Error(`kernel '${kernel}' is not implemented by backend '${backend}'`);
  return func;
}

export function hasKernel(kernel: string, backend: string): boolean {
  return kernels.has(key(kernel, backend)) || kernels.has(key(kernel, '*'));
}
