import { getGradient, isGradEnabled, withGradMode } from './engine.js';
import { formatShape, shapesEqual } from './shape.js';
import type { Tensor, TapeNode } from './tensor.js';
import { add, onesLike } from './ops/index.js';

export interface GradientOptions {
  /** Upstream gradient of `output`; defaults to ones (so a scalar output gives d output / d x). */
  gradOutput?: Tensor;
  /** Record the backward pass itself so the result can be differentiated again (force training). */
  createGraph?: boolean;
  /** Keep saved tensors for another backward pass through the same graph. Defaults to createGraph. */
  retainGraph?: boolean;
}

/** The nodes reachable from `output`, ordered so that each node comes after every node that consumes its output. */
function reverseTopologicalOrder(output: Tensor): TapeNode[] {
  const order: TapeNode[] = [];
  const visited = new Set<TapeNode>();
  // Iterative post-order DFS: deep graphs (long training unrolls) must not overflow the stack.
  const stack: Array<{ node: TapeNode; next: number }> = [];
  if (output.gradFn) stack.push({ node: output.gradFn, next: 0 });
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next === 0) {
      if (visited.has(top.node)) {
        stack.pop();
        continue;
      }
      visited.add(top.node);
    }
    const input = top.node.inputs[top.next++];
    if (input === undefined) {
      order.push(top.node);
      stack.pop();
    } else if (input.gradFn && !visited.has(input.gradFn)) {
      stack.push({ node: input.gradFn, next: 0 });
    }
  }
  return order.reverse();
}

/**
 * Reverse-mode gradients of `output` with respect to each of `inputs`
 * (zeros-free: an input the output does not depend on gets undefined).
 */
export function gradients(output: Tensor, inputs: readonly Tensor[], options: GradientOptions = {}): (Tensor | undefined)[] {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  if (!output.requiresGrad) {
    throw new Error('gradients: output does not depend on any tensor that requires grad (was it computed inside noGrad, or from inputs without withGrad()?)');
  }
  const seed = options.gradOutput ?? onesLike(output);
  if (!shapesEqual(seed.shape, output.shape)) {
    throw new Error(`gradients: gradOutput has shape ${formatShape(seed.shape)}, expected the output's ${formatShape(output.shape)}`);
  }
  const grads = new Map<Tensor, Tensor>([[output, seed]]);
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t);
    grads.set(t, prev ? add(prev, g) : g);
  };

  withGradMode(createGraph, () => {
    for (const node of reverseTopologicalOrder(output)) {
      if (node.released) {
        throw new Error(`gradients: the graph through '${node.kernel}' was already released by an earlier backward pass; pass retainGraph: true to the first one`);
      }
      const dy = grads.get(node.output!);
      if (!dy) continue;
      const inputGrads = getGradient(node.kernel)!(dy, node.inputs, node.output!, node.attrs);
      node.inputs.forEach((input, i) => {
        const g = inputGrads[i];
        if (g && input.requiresGrad) accumulate(input, g);
      });
      if (node.output !== output) grads.delete(node.output!);
      if (!retainGraph) {
        node.inputs = [];
        node.released = true;
      }
    }
  });
  return inputs.map((x) => grads.get(x));
}

/** PyTorch-style: accumulates d this / d leaf into `leaf.grad` for every tracked leaf. */
export function backward(output: Tensor, options: GradientOptions = {}): void {
  const leaves: Tensor[] = [];
  const seen = new Set<Tensor>();
  for (const node of reverseTopologicalOrder(output)) {
    for (const t of node.inputs) {
      if (t.requiresGrad && !t.gradFn && !seen.has(t)) {
        seen.add(t);
        leaves.push(t);
      }
    }
  }
  const grads = gradients(output, leaves, options);
  leaves.forEach((leaf, i) => {
    const g = grads[i];
    if (g) leaf.grad = leaf.grad ? add(leaf.grad, g) : g;
  });
}

/**
 * JAX-style: `valueAndGrad(f)(x, ...rest)` returns [f(x), df/dx] for a
 * scalar-valued f. Inside an enclosing gradient computation the result stays
 * differentiable, so `grad(grad(f))` and force losses work.
 */
export function valueAndGrad<Rest extends unknown[]>(f: (x: Tensor, ...rest: Rest) => Tensor) {
  return (x: Tensor, ...rest: Rest): [Tensor, Tensor] => {
    const tracked = x.requiresGrad ? x : x.withGrad();
    const value = f(tracked, ...rest);
    if (value.size !== 1) {
      throw new Error(`grad: f must return a single value, got shape ${formatShape(value.shape)}; use gradients(y, [x], { gradOutput }) for vector outputs`);
    }
    const createGraph = isGradEnabled();
    const [g] = gradients(value, [tracked], { createGraph });
    return [value, g ?? onesLike(x).mul(0)];
  };
}

export function grad<Rest extends unknown[]>(f: (x: Tensor, ...rest: Rest) => Tensor) {
  const vg = valueAndGrad(f);
  return (x: Tensor, ...rest: Rest): Tensor => vg(x, ...rest)[1];
}
