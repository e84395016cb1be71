import { formatShape, gradients, noGrad, shapesEqual, tensor, type Tensor } from '@equigraph/core';
import type { NamedArray, Parameter } from '@equigraph/layers';

/**
 * A checkpointable snapshot of an optimiser: its kind, step count, learning
 * rate and per-parameter buffers (Adam's moments, SGD's velocity) as plain
 * arrays, `null` where a parameter has not been updated yet.
 */
export interface OptimizerState {
  kind: string;
  stepCount: number;
  lr: number;
  /** Hyper-parameters, recorded so a resumed run can be checked against them. */
  hyper: Record<string, number | boolean>;
  /** Buffer name → one entry per parameter (in `params` order). */
  buffers: Record<string, (NamedArray | null)[]>;
}

/**
 * Base of the optimisers. `step(loss)` differentiates a scalar loss and applies
 * the update; `apply(grads)` applies gradients computed elsewhere (so they can be
 * clipped or accumulated first). `lr` is a plain field: schedules set it.
 */
export abstract class Optimizer {
  /** Steps taken so far (Adam's bias correction uses it). */
  stepCount = 0;
  /** Learning rate of the next step. */
  lr: number;
  /** Short name stored in checkpoints ('SGD', 'Adam', 'AdamW'). */
  abstract readonly kind: string;

  constructor(
    readonly params: readonly Parameter[],
    lr: number,
  ) {
    if (!(Number.isFinite(lr) && lr >= 0)) throw new RangeError(`optimizer: 'lr' must be a finite number ≥ 0, got ${lr}`);
    this.lr = lr;
  }

  /** d loss / d parameter for every parameter (undefined where the loss does not depend on it). */
  computeGradients(loss: Tensor): (Tensor | undefined)[] {
    return gradients(loss, this.params.map((p) => p.value));
  }

  /** Applies one update from gradients given in `params` order; parameters with an undefined gradient are left alone. */
  apply(grads: readonly (Tensor | undefined)[]): void {
    if (grads.length !== this.params.length) {
      throw new RangeError(`${this.kind}.apply: got ${grads.length} gradients for ${this.params.length} parameters`);
    }
    this.stepCount++;
    noGrad(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        if (g) p.value = this.update(i, p.value, g).withGrad();
      });
    });
  }

  /** One update from a scalar loss; returns the loss value. */
  step(loss: Tensor): number {
    this.apply(this.computeGradients(loss));
    return loss.item();
  }

  /** The new value of parameter i given its gradient (runs under noGrad). */
  protected abstract update(index: number, value: Tensor, grad: Tensor): Tensor;

  /** Hyper-parameters recorded in the state. */
  protected abstract hyper(): Record<string, number | boolean>;

  /** Names of the per-parameter buffers. */
  protected abstract bufferNames(): readonly string[];

  /** Buffer `name` of parameter i as an array, or null when not allocated. */
  protected abstract readBuffer(name: string, index: number): NamedArray | null;

  /** Sets buffer `name` of parameter i (null clears it). */
  protected abstract writeBuffer(name: string, index: number, value: NamedArray | null): void;

  getState(): OptimizerState {
    const buffers: Record<string, (NamedArray | null)[]> = {};
    for (const name of this.bufferNames()) buffers[name] = this.params.map((_, i) => this.readBuffer(name, i));
    return { kind: this.kind, stepCount: this.stepCount, lr: this.lr, hyper: this.hyper(), buffers };
  }

  /**
   * Restores a snapshot taken by `getState()` of an optimiser of the same kind
   * over parameters of the same shapes. Everything is checked before anything
   * changes; a mismatch is an error naming `source`.
   */
  setState(state: OptimizerState, source = 'optimizer state'): void {
    if (state.kind !== this.kind) throw new Error(`${source}: optimizer state is for ${state.kind}, this optimizer is ${this.kind}`);
    if (!Number.isInteger(state.stepCount) || state.stepCount < 0) throw new Error(`${source}: invalid step count ${state.stepCount}`);
    for (const name of this.bufferNames()) {
      const entries = state.buffers[name];
      if (!entries) throw new Error(`${source}: optimizer buffer '${name}' is missing`);
      if (entries.length !== this.params.length) {
        throw new Error(`${source}: optimizer buffer '${name}' has ${entries.length} entries, this optimizer has ${this.params.length} parameters`);
      }
      entries.forEach((e, i) => {
        if (e && !shapesEqual(e.shape, this.params[i].value.shape)) {
          throw new Error(`${source}: optimizer buffer '${name}.${i}' has shape ${formatShape(e.shape)}, parameter ${i} has ${formatShape(this.params[i].value.shape)}`);
        }
      });
    }
    this.stepCount = state.stepCount;
    this.lr = state.lr;
    for (const name of this.bufferNames()) state.buffers[name].forEach((e, i) => this.writeBuffer(name, i, e));
  }

  /** A buffer tensor as a NamedArray (copy). */
  protected static toNamed(t: Tensor | undefined): NamedArray | null {
    return t ? { dtype: t.dtype, shape: [...t.shape], data: t.toArray() } : null;
  }

  /** A NamedArray as a tensor in the dtype and backend of parameter i. */
  protected bufferTensor(index: number, value: NamedArray): Tensor {
    const like = this.params[index].value;
    return tensor(value.data.slice(), like.shape, { dtype: like.dtype, backend: like.backend });
  }
}
