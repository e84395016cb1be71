import type { Tensor } from '@equigraph/core';
import type { Parameter } from '@equigraph/layers';
import { Optimizer } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
}

/** Stochastic gradient descent with optional (heavy-ball) momentum, as torch.optim.SGD. */
export class SGD extends Optimizer {
  private readonly velocity: (Tensor | undefined)[];

  constructor(params: readonly Parameter[], readonly options: SGDOptions) {
    super(params);
    this.velocity = params.map(() => undefined);
  }

  protected update(i: number, value: Tensor, grad: Tensor): Tensor {
    const momentum = this.options.momentum ?? 0;
    let direction = grad;
    if (momentum > 0) {
      const prev = this.velocity[i];
      direction = prev ? prev.mul(momentum).add(grad) : grad;
      this.velocity[i] = direction;
    }
    return value.sub(direction.mul(this.options.lr));
  }
}
