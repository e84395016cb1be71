import { describe, it } from 'vitest';
import { runKernelSuite } from '@equigraph/core/testing';
import '@equigraph/wasm';

// The shared kernel suite: every kernel through the op layer, outputs and gradients vs the reference.
runKernelSuite('wasm', { describe, it });
