import './chain.js';
import './gradients.js';

export * from './creation.js';
export * from './elementwise.js';
export * from './shape-ops.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './indexing.js';
export { unbroadcast } from './gradients.js';
export * from './validate.js';
