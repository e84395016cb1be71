import { noGrad, type FloatArray, type Tensor } from '@equigraph/core';

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite (torch's `error_if_nonfinite`). Default false. */
  errorIfNonfinite?: boolean;
}

/**
 * Global L2 norm of a list of gradients (undefined entries skipped), summed in float64.
 */
export function gradNorm(grads: readonly (Tensor | undefined)[]): number {
  let sumSq = 0;
  for (const g of grads) {
    if (!g) continue;
    const d = g.dataSync() as FloatArray;
    for (let k = 0; k < d.length; k++) sumSq += d[k] * d[k];
  }
  return Math.sqrt(sumSq);
}

/**
 * Clips gradients by their global L2 norm, like torch.nn.utils.clip_grad_norm_:
 * when the total norm exceeds `maxNorm`, every gradient is scaled by
 * maxNorm / (norm + 1e-6). Tensors are immutable, so the entries of `grads`
 * are replaced in place. Returns the total norm before clipping.
 */
export function clipGradNorm(grads: (Tensor | undefined)[], maxNorm: number, options: ClipGradNormOptions = {}): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: 'maxNorm' must be > 0, got ${maxNorm}`);
  const norm = gradNorm(grads);
  if (!Number.isFinite(norm)) {
    if (options.errorIfNonfinite) throw new Error(`clipGradNorm: the total gradient norm is ${norm}; the loss or gradients contain NaN or Inf`);
    return norm;
  }
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    noGrad(() => {
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        if (g) grads[i] = g.mul(coef);
      }
    });
  }
  return norm;
}
