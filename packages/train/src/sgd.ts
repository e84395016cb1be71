import type { Tensor } from '@equigraph/core';
import type { NamedArray, Parameter } from '@equigraph/layers';
import { Optimizer } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  /** Dampening of the momentum's gradient term (torch's `dampening`). Default 0. */
  dampening?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (torch's `weight_decay`). Default 0. */
  weightDecay?: number;
}

/** Stochastic gradient descent with optional (heavy-ball or Nesterov) momentum, as torch.optim.SGD. */
export class SGD extends Optimizer {
  readonly kind = 'SGD';
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly velocity: (Tensor | undefined)[];

  constructor(params: readonly Parameter[], options: SGDOptions) {
    super(params, options.lr);
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new RangeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    this.velocity = params.map(() => undefined);
  }

  protected update(i: number, value: Tensor, grad: Tensor): Tensor {
    let g = this.weightDecay !== 0 ? grad.add(value.mul(this.weightDecay)) : grad;
    if (this.momentum !== 0) {
      const prev = this.velocity[i];
      const buf = prev ? prev.mul(this.momentum).add(this.dampening !== 0 ? g.mul(1 - this.dampening) : g) : g;
      this.velocity[i] = buf;
      g = this.nesterov ? g.add(buf.mul(this.momentum)) : buf;
    }
    return value.sub(g.mul(this.lr));
  }

  protected hyper(): Record<string, number | boolean> {
    return { momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  protected bufferNames(): readonly string[] {
    return this.momentum !== 0 ? ['velocity'] : [];
  }

  protected readBuffer(_name: string, i: number): NamedArray | null {
    return Optimizer.toNamed(this.velocity[i]);
  }

  protected writeBuffer(_name: string, i: number, value: NamedArray | null): void {
    this.velocity[i] = value ? this.bufferTensor(i, value) : undefined;
  }
}
