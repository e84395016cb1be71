import { mul, runUnary, sigmoid, type Tensor, type UnaryOp } from '@equigraph/core';

/**
 * Applies an activation. SiLU is formed as x·σ(x): its backward then reuses
 * σ(x) from the forward pass, where core's fused 'silu' recomputes σ(x) in its
 * gradient. σ costs one exp per element, the dominant cost of an activation on
 * the cpu backend (see docs/models.md, "Performance"), so this saves one exp
 * pass per activation per training step for two cheap multiplications.
 */
export function activate(op: UnaryOp, x: Tensor): Tensor {
  if (op === 'silu') return mul(x, sigmoid(x));
  return runUnary(op, x);
}
