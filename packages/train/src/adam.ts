import { HostBackend, sqrt, type FloatArray, type Tensor, tensor } from '@equigraph/core';
import type { NamedArray, Parameter } from '@equigraph/layers';
import { Optimizer } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /**
   * Weight decay. In `Adam` it is an L2 penalty added to the gradient (torch.optim.Adam's
   * `weight_decay`); in `AdamW` it is decoupled, p ← p·(1 − lr·wd) before the Adam step
   * (torch.optim.AdamW). Default 0 for Adam, 0.01 for AdamW (torch's defaults).
   */
  weightDecay?: number;
  /**
   * Update each parameter in one loop over its values (moments kept as typed
   * arrays) instead of ~14 tensor ops, on host backends (reference, cpu, wasm);
   * other backends use the op path. Same update, evaluated in float64 and
   * rounded once. Pays off when there are many small parameters (per-op
   * overhead dominates), e.g. an EGNN with ~60 parameter tensors. Default false.
   */
  fused?: boolean;
}

/** Adam (Kingma & Ba 2015) with bias correction, as torch.optim.Adam (weight decay = L2 penalty on the gradient). */
export class Adam extends Optimizer {
  readonly kind: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly fused: boolean;
  /** Decoupled (AdamW) rather than L2 weight decay. */
  protected readonly decoupled: boolean = false;
  private readonly m: (Tensor | undefined)[];
  private readonly v: (Tensor | undefined)[];
  private readonly mArrays: (FloatArray | undefined)[];
  private readonly vArrays: (FloatArray | undefined)[];

  constructor(params: readonly Parameter[], options: AdamOptions = {}, defaultWeightDecay = 0) {
    super(params, options.lr ?? 1e-3);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaultWeightDecay;
    this.fused = options.fused ?? false;
    this.m = params.map(() => undefined);
    this.v = params.map(() => undefined);
    this.mArrays = params.map(() => undefined);
    this.vArrays = params.map(() => undefined);
  }

  private usesFused(value: Tensor): boolean {
    return this.fused && value.backend instanceof HostBackend && value.dtype !== 'int32';
  }

  protected update(i: number, value: Tensor, grad: Tensor): Tensor {
    if (this.usesFused(value) && grad.backend === value.backend) return this.fusedUpdate(i, value, grad);
    const g = !this.decoupled && this.weightDecay !== 0 ? grad.add(value.mul(this.weightDecay)) : grad;
    const m = (this.m[i] ? this.m[i]!.mul(this.beta1) : g.mul(0)).add(g.mul(1 - this.beta1));
    const v = (this.v[i] ? this.v[i]!.mul(this.beta2) : g.mul(0)).add(g.square().mul(1 - this.beta2));
    this.m[i] = m;
    this.v[i] = v;
    const mHat = m.div(1 - this.beta1 ** this.stepCount);
    const vHat = v.div(1 - this.beta2 ** this.stepCount);
    const decayed = this.decoupled && this.weightDecay !== 0 ? value.mul(1 - this.lr * this.weightDecay) : value;
    return decayed.sub(mHat.div(sqrt(vHat).add(this.eps)).mul(this.lr));
  }

  /** The same update as `update`, as one loop over host typed arrays. */
  private fusedUpdate(i: number, value: Tensor, grad: Tensor): Tensor {
    const p = value.dataSync() as FloatArray;
    const g = grad.dataSync() as FloatArray;
    const n = p.length;
    const Ctor = p.constructor as new (n: number) => FloatArray;
    const m = (this.mArrays[i] ??= new Ctor(n));
    const v = (this.vArrays[i] ??= new Ctor(n));
    const out = new Ctor(n);
    const { beta1, beta2, eps, lr } = this;
    const c1 = 1 / (1 - beta1 ** this.stepCount);
    const c2 = 1 / (1 - beta2 ** this.stepCount);
    const decay = this.decoupled && this.weightDecay !== 0 ? 1 - lr * this.weightDecay : 1;
    const l2 = this.decoupled ? 0 : this.weightDecay;
    for (let k = 0; k < n; k++) {
      const gk = g[k] + l2 * p[k];
      const mk = beta1 * m[k] + (1 - beta1) * gk;
      const vk = beta2 * v[k] + (1 - beta2) * gk * gk;
      m[k] = mk;
      v[k] = vk;
      out[k] = p[k] * decay - (lr * (mk * c1)) / (Math.sqrt(vk * c2) + eps);
    }
    return tensor(out, value.shape, { dtype: value.dtype, backend: value.backend });
  }

  protected hyper(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled };
  }

  protected bufferNames(): readonly string[] {
    return ['m', 'v'];
  }

  protected readBuffer(name: string, i: number): NamedArray | null {
    const arrays = name === 'm' ? this.mArrays : this.vArrays;
    const a = arrays[i];
    if (a) {
      const like = this.params[i].value;
      return { dtype: like.dtype, shape: [...like.shape], data: a.slice() };
    }
    return Optimizer.toNamed(name === 'm' ? this.m[i] : this.v[i]);
  }

  protected writeBuffer(name: string, i: number, value: NamedArray | null): void {
    const tensors = name === 'm' ? this.m : this.v;
    const arrays = name === 'm' ? this.mArrays : this.vArrays;
    tensors[i] = undefined;
    arrays[i] = undefined;
    if (!value) return;
    const like = this.params[i].value;
    if (this.usesFused(like)) {
      const Ctor = (like.dtype === 'float64' ? Float64Array : Float32Array) as new (src: ArrayLike<number>) => FloatArray;
      arrays[i] = new Ctor(value.data);
    } else {
      tensors[i] = this.bufferTensor(i, value);
    }
  }
}

/** AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, as torch.optim.AdamW (default weightDecay 0.01). */
export class AdamW extends Adam {
  override readonly kind: string = 'AdamW';
  protected override readonly decoupled: boolean = true;

  constructor(params: readonly Parameter[], options: AdamOptions = {}) {
    super(params, options, 0.01);
  }
}
