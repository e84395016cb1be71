import type { Tensor } from '@equigraph/core';

/** A learnable tensor. Optimisers replace `value` (tensors are immutable); modules read it on every call. */
export class Parameter {
  constructor(public value: Tensor) {
    if (!value.requiresGrad) this.value = value.withGrad();
  }
}

/**
 * Base of every layer and model: named parameters and submodules discovered
 * from its fields, train/eval mode, and a flat `parameters()` list in a
 * stable order (field order), which optimisers and checkpoints rely on.
 */
export abstract class Module {
  training = true;

  /** [dotted name, parameter] for this module and all submodules, in field order. */
  namedParameters(prefix = ''): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    for (const [field, value] of Object.entries(this)) {
      const name = prefix ? `${prefix}.${field}` : field;
      if (value instanceof Parameter) out.push([name, value]);
      else if (value instanceof Module) out.push(...value.namedParameters(name));
      else if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (item instanceof Module) out.push(...item.namedParameters(`${name}.${i}`));
          else if (item instanceof Parameter) out.push([`${name}.${i}`, item]);
        });
      }
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of learnable scalars. */
  numParameters(): number {
    return this.parameters().reduce((acc, p) => acc + p.value.size, 0);
  }

  /** Sets training mode here and in every submodule. */
  train(mode = true): this {
    this.training = mode;
    for (const value of Object.values(this)) {
      if (value instanceof Module) value.train(mode);
      else if (Array.isArray(value)) value.forEach((item) => item instanceof Module && item.train(mode));
    }
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}
