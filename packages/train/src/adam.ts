import { sqrt, type Tensor } from '@equigraph/core';
import type { Parameter } from '@equigraph/layers';
import { Optimizer } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (AdamW) when > 0. */
  weightDecay?: number;
}

/** Adam (Kingma & Ba 2015) with bias correction; AdamW when weightDecay > 0 (Loshchilov & Hutter 2019). */
export class Adam extends Optimizer {
  private readonly m: (Tensor | undefined)[];
  private readonly v: (Tensor | undefined)[];
  readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(params: readonly Parameter[], options: AdamOptions = {}) {
    super(params);
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.m = params.map(() => undefined);
    this.v = params.map(() => undefined);
  }

  protected update(i: number, value: Tensor, grad: Tensor): Tensor {
    const m = (this.m[i] ? this.m[i]!.mul(this.beta1) : grad.mul(0)).add(grad.mul(1 - this.beta1));
    const v = (this.v[i] ? this.v[i]!.mul(this.beta2) : grad.mul(0)).add(grad.square().mul(1 - this.beta2));
    this.m[i] = m;
    this.v[i] = v;
    const mHat = m.div(1 - this.beta1 ** this.stepCount);
    const vHat = v.div(1 - this.beta2 ** this.stepCount);
    const decayed = this.weightDecay > 0 ? value.mul(1 - this.lr * this.weightDecay) : value;
    return decayed.sub(mHat.div(sqrt(vHat).add(this.eps)).mul(this.lr));
  }
}
