export { Module, Parameter } from './module.js';
export { Linear, uniformInit, type LinearOptions } from './linear.js';
export { MLP, type MLPOptions } from './mlp.js';
