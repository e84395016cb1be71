import { gradients, noGrad, type Tensor } from '@equigraph/core';
import type { Parameter } from '@equigraph/layers';

/** Base of the optimisers: computes gradients of a loss and lets the subclass update each parameter. */
export abstract class Optimizer {
  /** Steps taken so far (Adam's bias correction uses it). */
  stepCount = 0;

  constructor(readonly params: readonly Parameter[]) {}

  /** One update from a scalar loss; returns the loss value. */
  step(loss: Tensor): number {
    const values = this.params.map((p) => p.value);
    const grads = gradients(loss, values);
    this.stepCount++;
    noGrad(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        if (g) p.value = this.update(i, p.value, g).withGrad();
      });
    });
    return loss.item();
  }

  /** The new value of parameter i given its gradient (runs under noGrad). */
  protected abstract update(index: number, value: Tensor, grad: Tensor): Tensor;
}
