export * from './dtype.js';
export * from './backend.js';
export * from './registry.js';
export * from './kernel.js';
