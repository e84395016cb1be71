import { runUnary, type FloatDType, type Tensor, type UnaryOp } from '@equigraph/core';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface MLPOptions {
  /** Activation between layers (not after the last). Default silu, as in EGNN. */
  activation?: UnaryOp;
  /** Apply the activation after the last layer too. */
  activateLast?: boolean;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

/** A stack of Linear layers: sizes [in, hidden…, out]. */
export class MLP extends Module {
  readonly layers: Linear[];
  private readonly activation: UnaryOp;
  private readonly activateLast: boolean;

  constructor(sizes: readonly number[], options: MLPOptions = {}) {
    super();
    if (sizes.length < 2) throw new RangeError(`MLP: 'sizes' needs at least [in, out], got [${sizes.join(', ')}]`);
    const seed = options.seed ?? 0;
    this.layers = sizes.slice(1).map((out, i) => new Linear(sizes[i], out, { dtype: options.dtype, backend: options.backend, seed: seed * 1000 + i }));
    this.activation = options.activation ?? 'silu';
    this.activateLast = options.activateLast ?? false;
  }

  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, layer, i) => {
      const y = layer.forward(h);
      return i < this.layers.length - 1 || this.activateLast ? runUnary(this.activation, y) : y;
    }, x);
  }
}
