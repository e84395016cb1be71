import { getKernel, registerKernel, type KernelAttrs } from './kernel.js';
import { getBackend } from './registry.js';
import { Tensor, type TapeNode } from './tensor.js';

/**
 * A gradient is written in ops, so it is itself differentiable (double
 * backward). It receives the upstream gradient and the node's inputs, output
 * and attrs, and returns one gradient (or null) per input.
 */
export type GradFunc = (dy: Tensor, inputs: readonly Tensor[], output: Tensor, attrs: KernelAttrs) => (Tensor | null)[];

const gradients = new Map<string, GradFunc>();

/** Registers the gradient of a kernel once, for every backend. */
export function registerGradient(kernel: string, grad: GradFunc): void {
  gradients.set(kernel, grad);
}

export function getGradient(kernel: string): GradFunc | undefined {
  return gradients.get(kernel);
}

let gradDepth = 0;

/** True unless inside `noGrad`. */
export function isGradEnabled(): boolean {
  return gradDepth === 0;
}

/** Runs fn without recording anything for autograd (inference). */
export function noGrad<T>(fn: () => T): T {
  gradDepth++;
  try {
    return fn();
  } finally {
    gradDepth--;
  }
}

/** Runs fn with recording forced on or off; used by backward to build (or not) the gradient graph. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const saved = gradDepth;
  gradDepth = enabled ? 0 : 1;
  try {
    return fn();
  } finally {
    gradDepth = saved;
  }
}

/**
 * Runs a kernel on the inputs' backend (or the active one when there are
 * none) and records it on the tape when any input is tracked.
 */
export function runKernel(kernel: string, inputs: readonly Tensor[], attrs: KernelAttrs = {}): Tensor {
  const backend = inputs.length > 0 ? inputs[0].backend : getBackend();
  for (let i = 1; i < inputs.length; i++) {
    if (inputs[i].backend !== backend) {
      throw new Error(`${kernel}: input ${i} lives on backend '${inputs[i].backend.name}', expected '${backend.name}' like input 0; move it with toBackend()`);
    }
  }
  const info = getKernel(kernel, backend.name)(inputs, attrs, backend);
  const out = new Tensor(info.storage, info.shape, info.dtype, backend);
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad) && gradients.has(kernel)) {
    const node: TapeNode = { kernel, inputs: [...inputs], output: out, attrs, released: false };
    out.requiresGrad = true;
    out.gradFn = node;
  }
  return out;
}

// Reshape only relabels storage, so one implementation serves every backend.
registerKernel('Reshape', '*', ([x], attrs) => ({ storage: x.storage, shape: attrs.shape as number[], dtype: x.dtype }));
